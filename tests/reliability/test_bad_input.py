"""Hostile input everywhere (resource inputs, roster rows, provider config): a clear error, nothing sent."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_personal_data import ConfigurationError, InputValidationError, RemovalProvider
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from pulumi_personal_data.endpoint import validate_endpoint
from pulumi_personal_data.inputs import INPUT_FIELDS
from pulumi_personal_data.roster import RosterError, parse_roster
from tests.support import API_PAGE_USER, TENANT_ID, WRITER, configured_provider, stack_config

pytestmark = pytest.mark.usefixtures("trust_emulator")
FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=80),
    st.lists(st.text(max_size=5), max_size=3),
    st.sampled_from(["../users", "%2e%2e%2f", " " + API_PAGE_USER, API_PAGE_USER + "/x", "a@b.example"]),
)
keys = st.one_of(st.sampled_from(INPUT_FIELDS), st.text(min_size=1, max_size=20))


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
@given(st.dictionaries(keys, values, max_size=6))
def test_resource_inputs_fail_by_field_before_any_request(
    emulator: EmulatorServer, control: EmulatorControl, props: dict[str, Any]
) -> None:
    provider = configured_provider(stack_config(emulator))
    before = len(control.journal())
    failures = RemovalProvider().check({}, props).failures
    if not failures:
        return  # a valid bag (rare): covered by the lifecycle tests
    for failure in failures:
        assert failure.property and failure.reason
        assert failure.property in props or failure.property == "user_id"
    with pytest.raises(InputValidationError) as info:
        provider.create(props)
    assert info.value.field in {f.property for f in failures}
    assert len(control.journal()) == before


row_cell = st.one_of(
    st.text(alphabet=string.printable, max_size=40),
    st.uuids().map(str),
    st.sampled_from(["jane.doe@partner.example", API_PAGE_USER.upper(), "", "  "]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(row_cell, min_size=1, max_size=3), max_size=8),
    st.sampled_from(["user_id,reason", "user_id", "user_id,reason,display_name", "name,email"]),
)
def test_roster_rows_either_parse_or_fail_with_line_numbers(rows: list[list[str]], header: str) -> None:
    lines = [header] + [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    text = "\n".join(lines)
    try:
        users = parse_roster(text, source="hr.csv")
    except RosterError as exc:
        total = len(text.splitlines())
        assert exc.problems
        for problem in exc.problems:
            assert 1 <= problem.line <= total
            assert problem.field and problem.message
        assert "nothing was sent" in str(exc)
        return
    assert [u.user_id for u in users] == [u.user_id.lower() for u in users]
    assert len({u.user_id for u in users}) == len(users)


def invalid_endpoint(value: str) -> bool:
    try:
        validate_endpoint(value)
    except ConfigurationError:
        return True
    return False


bad_config = st.one_of(
    st.fixed_dictionaries(
        {"personaldata:endpoint": st.text(max_size=60).filter(lambda v: v != "" and invalid_endpoint(v))}
    ),
    st.fixed_dictionaries({"personaldata:maxAttempts": st.sampled_from(["0", "-1", "many", "nan", "1e-9"])}),
    st.fixed_dictionaries({"personaldata:retryDeadlineSeconds": st.sampled_from(["0", "-5", "soon"])}),
    st.fixed_dictionaries(
        {
            "azuread:tenantId": st.text(max_size=40),
            "azuread:clientId": st.just(WRITER["appId"]),
            "azuread:clientSecret": st.just("x"),
        }
    ),
    st.fixed_dictionaries(
        {
            "azuread:tenantId": st.just(TENANT_ID),
            "azuread:clientId": st.text(max_size=40),
            "azuread:clientSecret": st.just("x"),
        }
    ),
    st.fixed_dictionaries({"azuread:useOidc": st.sampled_from(["maybe", "2", "yes please"])}),
    st.fixed_dictionaries({"azuread:environment": st.sampled_from(["usgovernment", "china", "dod"])}),
)


@settings(max_examples=120, deadline=None, suppress_health_check=FIXTURE_OK)
@given(bad_config)
def test_bad_provider_config_names_the_key_and_sends_nothing(
    emulator: EmulatorServer, control: EmulatorControl, overrides: dict[str, str]
) -> None:
    config = {**stack_config(emulator), **overrides}
    if "azuread:tenantId" in overrides:
        try:
            from pulumi_personal_data.inputs import normalize_guid

            normalize_guid("t", overrides["azuread:tenantId"])
            return  # happened to be valid
        except InputValidationError:
            pass
    if "azuread:clientId" in overrides and overrides["azuread:clientId"] != WRITER["appId"]:
        try:
            from pulumi_personal_data.inputs import normalize_guid

            normalize_guid("c", overrides["azuread:clientId"])
            return
        except InputValidationError:
            pass
    before = len(control.journal())
    provider = configured_provider(config)
    with pytest.raises(ConfigurationError) as info:
        provider.create({"user_id": API_PAGE_USER})
    assert info.value.field and info.value.fix
    assert any(info.value.field.endswith(k.split(":")[-1]) or info.value.field == k for k in overrides)
    assert len(control.journal()) == before
