"""Clients generated from openapi.yaml work on the first try against the live API.

The Python client (openapi-python-client) is generated into a temporary folder, imported and used; a script
using it passes mypy. The TypeScript types (openapi-typescript) must let clients/typescript/example.ts
compile under `tsc --strict` (skipped, with a message, where npm is missing).
"""

import datetime
import importlib
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings

BIN = Path(sys.executable).parent
ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="session")
def client_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("python-client")
    subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi.yaml"),
            "--output-path",
            str(folder / "diplomacy_client"),
            "--meta",
            "none",
            "--config",
            str(ROOT / "clients" / "openapi-python-client.yaml"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return folder


@pytest.fixture(scope="session")
def dc(client_dir):
    """The generated package, imported."""
    sys.path.insert(0, str(client_dir))
    try:
        yield importlib.import_module("diplomacy_client")
    finally:
        sys.path.remove(str(client_dir))


def module(name: str):
    return importlib.import_module(f"diplomacy_client.{name}")


@pytest.mark.django_db(transaction=True)
def test_python_client_reads(dc, live_api):
    client = dc.Client(base_url=live_api.url)
    agreements_list = module("api.agreements.agreements_list")
    page = agreements_list.sync(client=client, party=["IRN", "VEN"])
    assert isinstance(page, module("models.paginated_agreement_list").PaginatedAgreementList)
    assert page.count == 3
    partnership = next(a for a in page.results if a.term_years == 20)
    # An uncertain date, typed: month precision with its bounds.
    assert partnership.signed == "2022-06"
    assert partnership.signed_precision == "month"  # an open enum: a plain string
    assert (partnership.signed_earliest, partnership.signed_latest) == (
        datetime.date(2022, 6, 1),
        datetime.date(2022, 6, 30),
    )
    assert {party.country.iso3 for party in partnership.parties} == {"IRN", "VEN"}

    iran = module("api.countries.countries_retrieve").sync(client=client, iso3="IRN")
    assert (iran.name, iran.region, iran.subregion) == ("Iran", "Asia", "Southern Asia")


@pytest.mark.django_db(transaction=True)
def test_python_client_follows_pagination_to_the_end(dc, live_api):
    client = dc.Client(base_url=live_api.url)
    countries_list = module("api.countries.countries_list")
    seen, page_number = [], 1
    while page_number:
        page = countries_list.sync(client=client, page_size=100, page=page_number)
        seen += [country.iso3 for country in page.results]
        # `next` is an opaque link: read the page number it carries, as a client following it would.
        page_number = (
            int(urllib.parse.parse_qs(urllib.parse.urlsplit(page.next_).query)["page"][0]) if page.next_ else 0
        )
    assert len(seen) == len(set(seen)) == page.count == 249


@pytest.mark.django_db(transaction=True)
def test_python_client_writes_with_a_token_and_etags(dc, live_api, api_token):
    client = dc.AuthenticatedClient(base_url=live_api.url, token=api_token, prefix="Token")
    models = module("models")
    create = module("api.agreements.agreements_create")
    retrieve = module("api.agreements.agreements_retrieve")
    partial_update = module("api.agreements.agreements_partial_update")

    body = models.AgreementRequest.from_dict(
        {
            "title": "Client-made memorandum",
            "kind": "memorandum_of_understanding",
            "signed": "2024-03",
            "parties": [{"country": "IRN"}, {"country": "CUB"}],
            "sectors": ["health"],
        }
    )
    created = create.sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    agreement = created.parsed
    assert agreement.signed_precision == "month"
    etag = retrieve.sync_detailed(client=client, id=agreement.id).headers["ETag"]

    patch = models.PatchedAgreementRequest.from_dict({"title": "Client-made memorandum, renamed"})
    updated = partial_update.sync_detailed(client=client, id=agreement.id, body=patch, if_match=etag)
    assert updated.status_code == 200
    assert updated.parsed.title == "Client-made memorandum, renamed"

    stale = partial_update.sync_detailed(client=client, id=agreement.id, body=patch, if_match=etag)
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Error)
    assert stale.parsed.errors[0].code == "precondition_failed"


@pytest.mark.django_db(transaction=True)
def test_python_client_gets_typed_errors(dc, live_api):
    client = dc.Client(base_url=live_api.url)
    response = module("api.agreements.agreements_list").sync_detailed(client=client, page_size=0)
    assert response.status_code == 400
    error = response.parsed
    assert isinstance(error, module("models").Error)
    assert error.type_ == "validation_error"
    assert (error.errors[0].attr, "1 to 500" in error.errors[0].detail) == ("page_size", True)


TYPED_SCRIPT = """
import datetime

from diplomacy_client import AuthenticatedClient, Client
from diplomacy_client.api.agreements import agreements_list, agreements_partial_update
from diplomacy_client.models import Error, PaginatedAgreementList, PatchedAgreementRequest


def dyad(client: Client) -> list[str]:
    page = agreements_list.sync(client=client, party=["IRN", "VEN"])
    if not isinstance(page, PaginatedAgreementList):
        return []
    return [agreement.title for agreement in page.results]


def earliest(client: Client) -> list[datetime.date | None]:
    page = agreements_list.sync(client=client)
    assert isinstance(page, PaginatedAgreementList)
    return [agreement.signed_earliest for agreement in page.results]


def rename(client: AuthenticatedClient, id: str, etag: str) -> int:
    from uuid import UUID

    response = agreements_partial_update.sync_detailed(
        client=client, id=UUID(id), body=PatchedAgreementRequest(title="x"), if_match=etag
    )
    if isinstance(response.parsed, Error):
        return len(response.parsed.errors)
    return response.status_code.value
"""


def test_generated_python_client_type_checks(client_dir, tmp_path):
    script = tmp_path / "use_client.py"
    script.write_text(TYPED_SCRIPT)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--python-version", "3.11", str(script)],
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(client_dir), "PATH": str(BIN)},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_typescript_types_compile_under_strict():
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the TypeScript check needs Node.js and npm")
    if not (ROOT / "node_modules" / ".bin" / "tsc").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True)
    types = subprocess.run([npm, "run", "-s", "types"], cwd=ROOT, capture_output=True, text=True)
    assert types.returncode == 0, types.stdout + types.stderr
    check = subprocess.run([npm, "run", "-s", "check"], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.django_db(transaction=True)
def test_python_client_reads_values_and_kinds_it_has_never_seen(dc, live_api):
    """Response enums are open: records carrying an agreement kind, a date precision and a kind of actor that
    openapi.yaml does not list (as a later server version may send) still parse, as strings."""
    from events.models import Actor, Agreement, AgreementParty

    league = Actor.objects.create(code="LON", kind="league_organ", name="League Council")
    agreement = Agreement.objects.create(title="A future kind of instrument", kind="exchange_of_letters")
    Agreement.objects.filter(pk=agreement.pk).update(
        signed="2023", signed_precision="season", signed_earliest="2023-01-01", signed_latest="2023-12-31"
    )
    AgreementParty.objects.create(agreement=agreement, country=league)
    AgreementParty.objects.create(agreement=agreement, country=Actor.objects.get(code="SUN"))
    client = dc.Client(base_url=live_api.url)

    read = module("api.agreements.agreements_retrieve").sync(client=client, id=agreement.pk)
    assert (read.kind, read.signed_precision) == ("exchange_of_letters", "season")
    assert {(p.country.code, p.country.kind) for p in read.parties} == {
        ("LON", "league_organ"),
        ("SUN", "former_country"),
    }
    page = module("api.agreements.agreements_list").sync(client=client, party=["LON"])
    assert [a.title for a in page.results] == ["A future kind of instrument"]
    actor = module("api.actors.actors_retrieve").sync(client=client, code="LON")
    assert (actor.kind, actor.iso3) == ("league_organ", None)
