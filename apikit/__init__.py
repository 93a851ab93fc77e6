"""Generic REST machinery, with no knowledge of the records it serves.

ETags and conditional requests (``etags``), CSV streaming (``csv``), list rows built by PostgreSQL from a
serializer's declaration (``sqljson``), prepared statements (``db``), per-table data versions (``versions``),
strict JSON types and query parameters (``strict``, ``filters``), pagination, the error format (``errors``),
resource serializers with a brief form and references written by key (``serializers``), viewsets assembled
from those (``viewsets``), OpenAPI helpers (``schema``), and the system check that holds a resource's
representations to each other (``checks``). Nothing here imports the domain app.
"""
