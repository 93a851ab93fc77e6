"""The system check that holds each resource's representations to each other fails start-up on any drift."""

import copy
import re

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apikit import checks
from events.api.agreements import AgreementSerializer
from events.api.trips import TripSerializer


def test_the_project_passes_its_own_check():
    assert checks.representations_agree() == []
    call_command("check")  # raises on any error


def test_a_list_row_that_drifts_from_the_serializer_stops_start_up(monkeypatch):
    # The SQL of a list row shows parties as a plain value while the serializer shows a list of objects.
    monkeypatch.setattr(
        AgreementSerializer, "sql_fields", {**AgreementSerializer.sql_fields, "parties": lambda *args: "'[]'::json"}
    )
    with pytest.raises(SystemCheckError, match="AgreementSerializer: SQL row: parties: a value instead of a list"):
        call_command("check")


def test_a_csv_column_naming_no_field_stops_start_up(monkeypatch):
    monkeypatch.setattr(TripSerializer.Meta, "csv_fields", [*TripSerializer.Meta.csv_fields, ("leader", "lead.nick")])
    with pytest.raises(
        SystemCheckError, match=re.escape('TripSerializer: CSV column "lead.nick": OfficialRef has no field "nick"')
    ):
        call_command("check")


def test_a_schema_component_that_drifts_is_reported():
    components = copy.deepcopy(checks.response_components())
    properties = components["Agreement"]["properties"]
    properties["title"], properties["kind"] = properties.pop("kind"), properties.pop("title")  # reordered
    components["PartyAction"]["properties"].pop("date_basis")  # a nested key missing
    problems = checks.check_resource(AgreementSerializer, components)
    assert any(p.startswith("AgreementSerializer: schema: top level: keys [") for p in problems), problems
    assert any("schema: parties[].actions[]: keys" in p for p in problems), problems


def test_settings_the_sql_formats_rely_on_are_checked(settings):
    settings.TIME_ZONE = "Europe/Paris"
    assert [message.id for message in checks.check_all([])] == ["apikit.E002"]


def test_a_field_the_sql_cannot_express_is_named():
    from rest_framework import serializers

    class WithMethod(AgreementSerializer):
        shout = serializers.SerializerMethodField()

        class Meta(AgreementSerializer.Meta):
            fields = [*AgreementSerializer.Meta.fields, "shout"]

        def get_shout(self, agreement) -> str:
            return agreement.title.upper()

    problems = checks.check_resource(WithMethod, checks.response_components())
    assert any('cannot express WithMethod.shout: "shout" is not a stored value of Agreement' in p for p in problems)
