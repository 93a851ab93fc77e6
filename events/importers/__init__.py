"""Importers of the vendored public datasets (datasets/, docs/importing.md)."""

# The archive each dataset's sources are read from (their text_path starts with datasets/<archive>#); each
# importer's Dataset names its archive from here.
ARCHIVES = {
    "travels": "historyatstate-travels.tar.xz",
    "visits": "historyatstate-visits.tar.xz",
    "pocom": "historyatstate-pocom.tar.xz",
    "manytreaties": "globalgov-manytreaties.tar.xz",
}
