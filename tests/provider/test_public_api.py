"""The public API users import, and the promise that no token reaches a log line."""

from __future__ import annotations

import logging

import pytest

import pulumi_personal_data
from pulumi_personal_data import PersonalDataRemoval
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.support import API_PAGE_USER, WRITER, configured_provider, stack_config


def test_public_api_is_pinned() -> None:
    assert sorted(pulumi_personal_data.__all__) == sorted(
        [
            "TYPE_TOKEN",
            "ConfigurationError",
            "CredentialError",
            "GraphAuthenticationError",
            "GraphBadRequestError",
            "GraphConnectionError",
            "GraphError",
            "GraphNotFoundError",
            "GraphPermissionError",
            "GraphTransientError",
            "HomeTenantMismatchError",
            "InputValidationError",
            "NoCredentialError",
            "PersonalDataError",
            "PersonalDataRemoval",
            "PersonalDataRemovalArgs",
            "RemovalProvider",
            "RemovalStatus",
            "__version__",
        ]
    )
    for name in pulumi_personal_data.__all__:
        assert getattr(pulumi_personal_data, name) is not None


def test_type_token_is_stable() -> None:
    assert pulumi_personal_data.TYPE_TOKEN == "pulumi-python:dynamic/personaldata:PersonalDataRemoval"
    assert f"pulumi-python:{PersonalDataRemoval._resource_type_name}" == pulumi_personal_data.TYPE_TOKEN


def test_every_error_derives_from_the_root() -> None:
    for name in pulumi_personal_data.__all__:
        obj = getattr(pulumi_personal_data, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, pulumi_personal_data.PersonalDataError)


@pytest.mark.usefixtures("trust_emulator")
def test_debug_logs_carry_request_ids_but_never_a_token_or_secret(
    emulator: EmulatorServer, control: EmulatorControl, caplog: pytest.LogCaptureFixture
) -> None:
    control.set_faults({"sequence": ["429"], "retryAfter": "0.01", "methods": ["POST"]})
    provider = configured_provider(stack_config(emulator))
    caplog.set_level(logging.DEBUG)  # every logger, azure-identity and urllib3 included
    caplog.set_level(logging.DEBUG, logger="pulumi_personal_data")
    outs = provider.create({"user_id": API_PAGE_USER}).outs or {}
    everything = "\n".join(r.getMessage() for r in caplog.records)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("pulumi_personal_data"))
    assert outs["request_id"] in ours  # the ids support asks for are logged
    assert "retrying" in ours
    assert "Bearer" not in ours
    assert "eyJ" not in everything  # no JWT anywhere, not even in the libraries' debug logs
    assert WRITER["secrets"][0] not in everything
