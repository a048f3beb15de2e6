"""The control API: journal (never tokens), seeding, bulk generation, profile state, token minting."""

from __future__ import annotations

import uuid

import pytest
import requests

from pulumi_personal_data.emulator.control_client import ControlApiError, EmulatorControl
from pulumi_personal_data.emulator.seed import default_seed_document
from pulumi_personal_data.emulator.server import EmulatorServer

from .conftest import EXAMPLE_USER_ID, INBOUND, TENANT_ID, WRITER_APP, Graph, app_token


def test_journal_records_requests_without_tokens(
    graph: Graph, ctl: EmulatorControl, emulator: EmulatorServer
) -> None:
    ctl.clear_journal()
    crid = str(uuid.uuid4())
    response = graph.remove(EXAMPLE_USER_ID, headers={"client-request-id": crid})
    graph.get("/nowhere")
    entries = ctl.journal()
    first = entries[0]
    assert first.method == "POST"
    assert first.path == f"/beta{INBOUND}/{EXAMPLE_USER_ID}/removePersonalData"
    assert first.status == 204 and first.client_request_id == crid
    assert first.request_id == response.headers["request-id"]
    assert first.app_id == WRITER_APP
    assert first.operation == "inboundSharedUserProfile.removePersonalData"
    assert first.time.endswith("Z")
    assert entries[1].status == 404 and entries[1].operation == "unknown"
    raw = requests.get(
        f"{emulator.base_url}/_emulator/journal", verify=str(emulator.ca_path), timeout=10
    ).text
    assert graph.token is not None and graph.token not in raw
    assert "Bearer" not in raw and "authorization" not in raw.lower()
    assert ctl.journal(after=entries[0].seq) == entries[1:]


def test_token_requests_are_journaled_without_secrets(ctl: EmulatorControl, emulator: EmulatorServer) -> None:
    app_token(emulator, WRITER_APP, "demo-secret-do-not-use-in-production")
    entry = next(e for e in ctl.journal() if e.operation == "token")
    assert entry.app_id == WRITER_APP and entry.status == 200
    raw = requests.get(
        f"{emulator.base_url}/_emulator/journal", verify=str(emulator.ca_path), timeout=10
    ).text
    assert "demo-secret" not in raw


def test_control_calls_are_not_journaled(ctl: EmulatorControl) -> None:
    ctl.profile_state(EXAMPLE_USER_ID)
    ctl.faults()
    assert ctl.journal() == []


def test_custom_seed_and_back(graph: Graph, ctl: EmulatorControl) -> None:
    doc = default_seed_document()
    doc["inboundSharedUserProfiles"] = doc["inboundSharedUserProfiles"][:2]
    ctl.seed(doc)
    try:
        assert len(graph.get(INBOUND).json()["value"]) == 2
        ctl.reset()  # reset returns to the *current* seed
        assert len(graph.get(INBOUND).json()["value"]) == 2
    finally:
        ctl.seed(default_seed_document())
    assert len(graph.get(INBOUND).json()["value"]) == 30


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("tenant"),
        lambda d: d["inboundSharedUserProfiles"].append(dict(d["inboundSharedUserProfiles"][0])),
        lambda d: d["inboundSharedUserProfiles"][0].update(userId="nope"),
        lambda d: d["applications"][0].update(roles="x" and 5),
    ],
)
def test_invalid_seed_is_400_and_keeps_state(ctl: EmulatorControl, mutate: object) -> None:
    doc = default_seed_document()
    assert callable(mutate)
    mutate(doc)
    with pytest.raises(ControlApiError) as info:
        ctl.seed(doc)
    assert info.value.status == 400
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"


def test_generate_profiles(graph: Graph, ctl: EmulatorControl) -> None:
    ids = ctl.generate_profiles(250)
    assert len(set(ids)) == 250
    assert ctl.profile_state(ids[0]) == "present"
    assert graph.remove(ids[-1]).status_code == 204
    with pytest.raises(ControlApiError):
        ctl.generate_profiles(0)


def test_info_and_health(ctl: EmulatorControl, emulator: EmulatorServer) -> None:
    assert ctl.health()
    info = ctl.info()
    assert info["tenantId"] == TENANT_ID == emulator.tenant_id
    assert info["graphUrl"] == emulator.graph_url
    assert info["githubOidcUrl"] == emulator.github_oidc_url


def test_mint_token_validation(ctl: EmulatorControl) -> None:
    with pytest.raises(ControlApiError):
        ctl.mint_token()
    with pytest.raises(ControlApiError):
        ctl.mint_token(user="nobody@contoso.example")


def test_unknown_control_path(emulator: EmulatorServer) -> None:
    response = requests.get(
        f"{emulator.base_url}/_emulator/nothing", verify=str(emulator.ca_path), timeout=10
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "UnknownResource"


def test_server_properties(emulator: EmulatorServer) -> None:
    host, port = emulator.host_port()
    assert host == "127.0.0.1" and port > 0
    assert emulator.base_url == f"https://127.0.0.1:{port}"
    assert emulator.authority == emulator.base_url
    assert emulator.ca_path.read_text().startswith("-----BEGIN CERTIFICATE-----")
