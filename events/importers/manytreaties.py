"""manytreaties (globalgov) -> agreements with their parties and each party's dated actions.

The rules (docs/importing.md explains them):

- **Identity.** An agreement row is (treatyID, Title, Signature): 181 treatyIDs name more than one row, and
  their rows always differ in title or signature date. Party rows are matched to their agreement on the same
  three columns; a party row whose treatyID has no agreement row makes the agreement from the party's columns.
  Repeated (treatyID, Title, Signature, stateID) party rows are one party citing each row.
- **Parties.** A stateID is an actor's code (ISO 3166-1, ISO 3166-3) or a manytreaties identifier of an actor
  (EUE, EUU, EC, EFTA, KOS, ALG, ...; events/data/actors.csv and manytreaties-codes.csv), resolved to the
  actor of the time at the agreement's signature (RUS in 1972 is the Soviet Union). Codes that name no actor
  are skipped and listed, never guessed.
- **Dates** are EDTF where they are (``..`` ranges become ``/``); a value that is not (``2010-XX-XX-``) loads
  as unknown, and its raw text is kept as the cited stated value. ``9999-12-31`` (still in force) is no end.
- **Kind** from TypeAgree (Agreement, Amendment, Protocol, MOU; others "other"); status terminated when an
  end date is given, in force when an entry into force is, else signed.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass

from events.actors import Successions
from events.choices import AgreementAmbit
from events.dates import UncertainDate
from events.importers import ARCHIVES
from events.importers.base import Archive, Dataset, Provenance, Summary, Writer, build, stable_id
from events.models import Actor, ActorIdentifier, Agreement, AgreementParty, PartyAction, Sector
from events.seed import DATA, read_csv

MANYTREATIES = Dataset(
    name="manytreaties",
    archive=ARCHIVES["manytreaties"],
    repository="globalgov/manytreaties",
    commit="4bf79f94c78a9f9016bd55b99135b45208500631",
    publisher="Hollway, James, and Henrique Sposito (globalgov)",
    license="Hollway J, Sposito H (2025). manytreaties: Many international agreements and their parties. "
    "https://globalgov.github.io/manytreaties/. Licensed under CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/).",
)
AGREEMENT_FIELDS = [
    *("title", "kind", "status", "description", "signed", "signed_basis", "parties_complete"),
    *("entry_into_force", "entry_into_force_basis", "end", "end_basis", "ambit", "amends"),
]
AGREEMENTS = "derived/GGO_agreements.csv"
PARTIES = "derived/GGO_parties.csv.gz"
KINDS = {
    "Agreement": "agreement",
    "Amendment": "amendment",
    "Protocol": "protocol",
    "MOU": "memorandum_of_understanding",
}
ACTIONS = (
    ("StateSignature", "signed"),
    ("StateRatification", "ratified"),
    ("StateForce", "entered_into_force"),
    ("StateEnd", "ended"),
)
OPEN = "9999-12-31"
# 5: a bad Force or End cited on entry_into_force or end (was status); 4: entry into force, end, ambit, sectors,
# amendments linked; 3: a Force that is not EDTF is cited; 2: the
# parties' source keyed by its file's own path
VERSION = 5


def edtf(raw: str) -> tuple[str, str | None]:
    """(EDTF text or "", the raw text when it is not EDTF) for one manytreaties date."""
    if raw in ("", "<NA>", OPEN):
        return "", None
    text = raw.replace("..", "/")
    try:
        return UncertainDate.parse(text).edtf, None
    except ValueError:
        return "", raw


@dataclass
class Line:
    """One CSV row with its offsets in the file's text."""

    row: dict
    number: int  # 2 for the first row after the header
    span: tuple[int, int]


def lines(text: str) -> list[Line]:
    """Rows of a CSV text with the offsets of each row's line (rows here never span lines)."""
    header_end = text.index("\n") + 1
    offsets, position = [], header_end
    for raw in text[header_end:].splitlines(keepends=True):
        offsets.append((position, position + len(raw.rstrip("\r\n"))))
        position += len(raw)
    rows = list(csv.DictReader(io.StringIO(text)))
    if len(rows) != len(offsets):
        raise ValueError("a CSV row spans several lines; offsets would be wrong")
    return [Line(row, n + 2, span) for n, (row, span) in enumerate(zip(rows, offsets, strict=True))]


class ManytreatiesImporter:
    def __init__(self, archive: Archive, summary: Summary, writer: Writer):
        self.archive, self.summary, self.writer = archive, summary, writer
        self.provenance = Provenance(MANYTREATIES, archive, writer)

    def parties_text(self) -> str:
        """The parties' CSV, decompressed: stored as the source's text (the note says so)."""
        if PARTIES not in self.archive.files or not self.archive.files[PARTIES].startswith(b"\x1f\x8b"):
            return self.archive.text(PARTIES)
        return gzip.decompress(self.archive.files[PARTIES]).decode("utf-8")

    def run(self) -> None:
        agreements_text = self.archive.text(AGREEMENTS)
        parties_text = self.parties_text()
        converted = (
            "Converted to CSV as text from the package's data/*.rda when the archive was made (datasets/README.md)."
        )
        self.provenance.source(AGREEMENTS, note=converted)
        # The parties' source stores the decompressed CSV (the sha256 in its note is the compressed file's).
        self.provenance.source(PARTIES, note=f"{converted} Stored decompressed.", text=parties_text)

        resolver = self.resolver()
        self.sector_map = {
            (row["column"], row["value"]): row["sector"] for row in read_csv(DATA / "manytreaties-sectors.csv")
        }
        self.sectors_of: dict = {}
        agreements: dict[tuple, Agreement] = {}
        first_line: dict[tuple, Line] = {}
        identifiers: list[tuple] = []
        for line in lines(agreements_text):
            row = line.row
            key = (row["treatyID"], row["Title"], row["Signature"])
            if key in agreements:
                self.summary.skip(f"{AGREEMENTS} row {line.number}", "the same treatyID, title and signature twice")
                continue
            agreements[key] = self.agreement(key, row, line, AGREEMENTS)
            first_line[key] = line
            identifiers.append((agreements[key].pk, row["treatyID"], f"{AGREEMENTS} row {line.number}"))

        parties: dict[tuple, AgreementParty] = {}
        actions: dict[tuple, PartyAction] = {}
        by_treaty: dict[str, list[tuple]] = {}
        for key in agreements:
            by_treaty.setdefault(key[0], []).append(key)
        for line in lines(parties_text):
            row = line.row
            key = self.match(row, by_treaty)
            if key is None:  # a treatyID only among the parties: the agreement from the party's columns
                key = (row["treatyID"], row["Title"], row["Signature"])
                agreements[key] = self.agreement(key, row, line, PARTIES)
                by_treaty.setdefault(key[0], []).append(key)
                identifiers.append((agreements[key].pk, row["treatyID"], f"{PARTIES} row {line.number}"))
                self.summary.count("agreements made from party rows (treatyID without an agreement row)", "noted")
            agreement = agreements[key]
            actor = resolver(row["stateID"], agreement)
            if actor is None:
                self.summary.skip(f"{PARTIES} row {line.number}", f'stateID "{row["stateID"]}" names no actor')
                continue
            party_key = (*key, actor.pk)  # a repeated (agreement, state) row is one party citing each row
            party = parties.get(party_key)
            if party is None:
                party = parties[party_key] = build(
                    AgreementParty,
                    id=stable_id("manytreaties", "party", *key, actor.code),
                    agreement_id=agreement.pk,
                    country_id=actor.pk,
                )
            self.provenance.cite(party, PARTIES, line.span, f"row-{line.number}")
            for column, action in ACTIONS:
                text, raw = edtf(row[column])
                if not text and raw is None:
                    continue
                action_key = (party_key, action)
                if action_key in actions:
                    continue  # a repeated party row: the first row's date stands, both rows are cited
                actions[action_key] = build(
                    PartyAction,
                    id=stable_id("manytreaties", "action", *key, actor.code, action),
                    party_id=party.pk,
                    action=action,
                    date=text,
                    date_basis="stated" if text else "",
                )
                if raw is not None:
                    self.provenance.keep_raw(
                        actions[action_key],
                        PARTIES,
                        line.span,
                        "date",
                        raw,
                        f"{PARTIES} row {line.number}",
                        column,
                        key=f"date-{line.number}",
                    )
        counts: dict = {}
        for party in parties.values():
            counts[party.agreement_id] = counts.get(party.agreement_id, 0) + 1
        for agreement in agreements.values():
            agreement.parties_complete = counts.get(agreement.pk, 0) >= 2
        self.link_amendments(agreements)
        self.provenance.write_sources()
        self.writer.upsert(
            Agreement,
            list(agreements.values()),
            AGREEMENT_FIELDS,
        )
        self.write_sectors()
        self.writer.upsert(AgreementParty, list(parties.values()), ["agreement", "country"])
        self.writer.upsert(PartyAction, list(actions.values()), ["party", "action", "date", "date_basis"])
        self.provenance.write_citations()
        self.writer.identifiers(Agreement, [(pk, "manytreaties", value, note) for pk, value, note in identifiers])

    def link_amendments(self, agreements: dict[tuple, Agreement]) -> None:
        """An id "X:Y" (CHE-FRA_1891P:CHE-FRA_1880A) says X amends, extends or is a protocol to Y: linked where one
        agreement has the treatyID Y; where none or several have it, listed, not guessed."""
        by_treaty: dict[str, list[Agreement]] = {}
        for key, agreement in agreements.items():
            by_treaty.setdefault(key[0], []).append(agreement)
        for key, agreement in agreements.items():
            if ":" not in key[0]:
                continue
            target = key[0].split(":", 1)[1]
            found = by_treaty.get(target, [])
            if len(found) == 1:
                agreement.amends_id = found[0].pk
                self.summary.count("amendments linked to the agreement their id names", "noted")
            else:
                reason = f"its id names {target}, " + ("which no row has" if not found else "which several rows have")
                self.summary.flag(f"agreement {key[0]}", "amends", reason + ": not linked")

    def write_sectors(self) -> None:
        """Sectors from TypeDomain and TypeSubject where events/data/manytreaties-sectors.csv maps them."""
        ids = dict(Sector.objects.values_list("slug", "pk"))
        pairs = [(a, ids[slug]) for a, slugs in self.sectors_of.items() for slug in slugs]
        self.writer.link(Agreement.sectors, pairs, "agreement sectors")

    @staticmethod
    def match(row: dict, by_treaty: dict[str, list[tuple]]) -> tuple | None:
        """The agreement row a party row belongs to: the only one with its treatyID, else the one with the same
        title and signature, else the same title, else the same signature; None when the treatyID has none."""
        keys = by_treaty.get(row["treatyID"])
        if not keys:
            return None
        if len(keys) == 1:
            return keys[0]
        for same in (
            lambda k: k[1] == row["Title"] and k[2] == row["Signature"],
            lambda k: k[1] == row["Title"],
            lambda k: k[2] == row["Signature"],
        ):
            found = [k for k in keys if same(k)]
            if len(found) == 1:
                return found[0]
        return keys[0]

    def agreement(self, key: tuple, row: dict, line: Line, path: str) -> Agreement:
        signed, raw = edtf(row.get("Signature", ""))
        end, raw_end = edtf(row.get("End", ""))
        force, raw_force = edtf(row.get("Force", ""))
        title = row["Title"]
        ambit = row.get("TypeAmbit", "").lower()
        agreement = Agreement(
            id=stable_id("manytreaties", "agreement", *key),
            title=title if len(title) <= 300 else title[:299] + "…",
            kind=KINDS.get(row.get("TypeAgree", ""), "other"),
            status="terminated" if end else "in_force" if force else "signed",
            description=title if len(title) > 300 else "",
            signed=signed,
            signed_basis="stated" if signed else "",
            entry_into_force=force,
            entry_into_force_basis="stated" if force else "",
            end=end,
            end_basis="stated" if end else "",
            ambit=ambit if ambit in AgreementAmbit.values else "",
        )
        self.sectors_of[agreement.pk] = {
            self.sector_map[(column, value.strip())]
            for column in ("TypeDomain", "TypeSubject")
            for value in row.get(column, "").split(",")
            if (column, value.strip()) in self.sector_map
        }
        self.provenance.cite(agreement, path, line.span, "row")
        where = f"{path} row {line.number}"
        kept_raw = (("signed", "Signature", raw), ("entry_into_force", "Force", raw_force), ("end", "End", raw_end))
        for field, column, text in kept_raw:
            if text is not None:
                self.provenance.keep_raw(agreement, path, line.span, field, text, where, column)
        return agreement

    def resolver(self):
        by_code = {a.code: a for a in Actor.objects.all()}
        by_id = {
            i.value: i.actor for i in ActorIdentifier.objects.filter(scheme="manytreaties").select_related("actor")
        }
        successions = Successions()
        cache: dict[tuple, Actor | None] = {}

        def resolve(code: str, agreement: Agreement) -> Actor | None:
            day = agreement.signed and UncertainDate.parse(agreement.signed).earliest
            key = (code, day)
            if key not in cache:
                named = by_id.get(code) or by_code.get(code)
                cache[key] = successions.actor_on(named, day)[0] if named and day else named
            return cache[key]

        return resolve
