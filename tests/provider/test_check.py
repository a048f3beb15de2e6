"""check(): every input validated, one clear failure per field, and nothing ever sent to Graph."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_personal_data import RemovalProvider
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from pulumi_personal_data.inputs import UNKNOWN_SENTINEL
from tests.support import API_PAGE_USER, configured_provider, graph_calls, stack_config

pytestmark = pytest.mark.usefixtures("trust_emulator")

HOSTILE = [
    "../users",
    "..%2Fusers",
    "c228b2ae-c4fb-4eda-9620-7e73dddd1cac/../x",
    "c228b2ae%2Dc4fb-4eda-9620-7e73dddd1cac",
    " c228b2ae-c4fb-4eda-9620-7e73dddd1cac",
    "c228b2ae-c4fb-4eda-9620-7e73dddd1cac\n",
    "{c228b2ae-c4fb-4eda-9620-7e73dddd1cac}",
    "urn:uuid:c228b2ae-c4fb-4eda-9620-7e73dddd1cac",
    "c228b2aec4fb4eda96207e73dddd1cac",
    "ｃ228b2ae-c4fb-4eda-9620-7e73dddd1cac",  # fullwidth letter
    "c228b2ae-c4fb-4eda-9620-7e73dddd1ca\u0441",  # Cyrillic es
    "",
    "x" * 100_000,
    "00000000-0000-0000-0000-000000000000",
    "c228b2ae-c4fb-4eda-9620-7e73dddd1cac?$select=*",
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_user_ids_are_rejected_without_a_request(
    bad: str, emulator: EmulatorServer, control: EmulatorControl
) -> None:
    provider = configured_provider(stack_config(emulator))
    result = provider.check({}, {"user_id": bad, "__provider": "p"})
    assert [f.property for f in result.failures] == ["user_id"]
    reason = result.failures[0].reason
    assert "GUID" in reason or "whitespace" in reason or "nil GUID" in reason
    assert len(reason) < 400  # the rejected value is shortened, never echoed whole
    assert graph_calls(control) == []


guid_chars = string.hexdigits + "-"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=0, max_size=200))
def test_any_non_guid_text_is_rejected(text: str) -> None:
    provider = RemovalProvider()
    result = provider.check({}, {"user_id": text})
    is_guid = (
        len(text) == 36
        and all(c in guid_chars for c in text)
        and [len(p) for p in text.split("-")] == [8, 4, 4, 4, 12]
        and text.strip("0-") != ""
    )
    assert (result.failures == []) == is_guid, (text, [f.reason for f in result.failures])


@settings(max_examples=200, deadline=None)
@given(st.uuids())
def test_any_guid_is_accepted_and_lower_cased(value: object) -> None:
    text = str(value).upper()
    result = RemovalProvider().check({}, {"user_id": text})
    if text.strip("0-") == "":
        return
    assert result.failures == []
    assert result.inputs["user_id"] == text.lower()


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=700))
def test_reason_rules(reason: str) -> None:
    result = RemovalProvider().check({}, {"user_id": API_PAGE_USER, "reason": reason})
    fields = [f.property for f in result.failures]
    assert fields in ([], ["reason"])
    if len(reason) > 500:
        assert fields == ["reason"]
    if fields:
        assert len(result.failures[0].reason) < 300


def test_every_invalid_field_gets_its_own_failure() -> None:
    result = RemovalProvider().check(
        {},
        {
            "user_id": "nope",
            "reason": "contact jane.doe@partner.example",
            "fail_if_missing": "yes",
            "expected_home_tenant_id": "tenant",
            "userId": API_PAGE_USER,
            "__provider": "p",
        },
    )
    by_field = {f.property: f.reason for f in result.failures}
    assert set(by_field) == {"user_id", "reason", "fail_if_missing", "expected_home_tenant_id", "userId"}
    assert "ticket reference" in by_field["reason"]
    assert "true or false" in by_field["fail_if_missing"]
    assert "not an input" in by_field["userId"] and "user_id" in by_field["userId"]


def test_missing_user_id_is_named() -> None:
    result = RemovalProvider().check({}, {"reason": "x"})
    assert [(f.property, "required" in f.reason) for f in result.failures] == [("user_id", True)]


def test_valid_inputs_are_normalised_and_keep_the_provider() -> None:
    result = RemovalProvider().check(
        {}, {"user_id": API_PAGE_USER.upper(), "reason": "OFF-9", "__provider": "p"}
    )
    assert result.failures == []
    assert result.inputs == {
        "user_id": API_PAGE_USER,
        "reason": "OFF-9",
        "fail_if_missing": False,
        "__provider": "p",
    }


def test_unknown_values_during_preview_pass_through() -> None:
    news = {"user_id": UNKNOWN_SENTINEL, "reason": "x", "__provider": "p"}
    result = RemovalProvider().check({}, news)
    assert result.failures == []
    assert result.inputs == news
