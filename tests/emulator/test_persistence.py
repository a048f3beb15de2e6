"""Persistence: with a data dir, profiles, removal requests, journal, keys and TLS files survive a restart."""

from __future__ import annotations

from pathlib import Path

import jwt
import requests

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorConfig, EmulatorServer
from tests.support import NO_ROLES

from .conftest import EXAMPLE_USER_ID, INBOUND, WRITER_APP, WRITER_SECRET, app_token

OTHER_USER = "0359ef7b-3df7-5b1e-9656-72ecbbdadecf"


def test_state_survives_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(port=0, data_dir=tmp_path, processing_delay=None)
    with EmulatorServer(config) as first:
        ca_pem = first.ca_path.read_bytes()
        token = app_token(first, WRITER_APP, WRITER_SECRET)
        headers = {"Authorization": f"Bearer {token}", "client-request-id": "before-restart"}
        for user in (EXAMPLE_USER_ID, OTHER_USER):
            response = requests.post(
                f"{first.graph_url}{INBOUND}/{user}/removePersonalData",
                headers=headers,
                verify=str(first.ca_path),
                timeout=10,
            )
            assert response.status_code == 204
        ctl = EmulatorControl(first.base_url, first.ca_path)
        ctl.process_pending()
        ctl.close()
        requests.post(
            f"{first.graph_url}{INBOUND}/c0000000-0000-4000-8000-000000000000/removePersonalData",
            headers=headers,
            verify=str(first.ca_path),
            timeout=10,
        )
    assert (tmp_path / "emulator.sqlite3").exists()

    with EmulatorServer(config) as second:
        assert second.ca_path.read_bytes() == ca_pem  # same CA: clients keep trusting it
        ctl = EmulatorControl(second.base_url, second.ca_path)
        assert ctl.profile_state(EXAMPLE_USER_ID) == "removed"
        assert ctl.profile_state(OTHER_USER) == "removed"
        journal = ctl.journal()
        assert [e.client_request_id for e in journal].count("before-restart") == 3
        # A token from before the restart is still accepted: the signing key was kept.
        response = requests.get(
            f"{second.graph_url}{INBOUND}/{EXAMPLE_USER_ID}",
            headers={"Authorization": f"Bearer {token}"},
            verify=str(second.ca_path),
            timeout=10,
        )
        assert response.status_code == 404
        ctl.close()


def test_pending_request_survives_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(port=0, data_dir=tmp_path, processing_delay=None)
    with EmulatorServer(config) as first:
        token = app_token(first, WRITER_APP, WRITER_SECRET)
        response = requests.post(
            f"{first.graph_url}{INBOUND}/{EXAMPLE_USER_ID}/removePersonalData",
            headers={"Authorization": f"Bearer {token}"},
            verify=str(first.ca_path),
            timeout=10,
        )
        assert response.status_code == 204
    with EmulatorServer(config) as second:
        ctl = EmulatorControl(second.base_url, second.ca_path)
        assert ctl.profile_state(EXAMPLE_USER_ID) == "pending"
        assert ctl.process_pending() == 1
        assert ctl.profile_state(EXAMPLE_USER_ID) == "removed"
        ctl.close()


def test_in_memory_state_does_not_survive(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(port=0, processing_delay=None)) as first:
        ctl = EmulatorControl(first.base_url, first.ca_path)
        ctl.generate_profiles(3)
        ctl.close()
    with EmulatorServer(EmulatorConfig(port=0, processing_delay=None)) as second:
        ctl = EmulatorControl(second.base_url, second.ca_path)
        token = app_token(second, WRITER_APP, WRITER_SECRET)
        listed = requests.get(
            f"{second.graph_url}{INBOUND}?$top=999",
            headers={"Authorization": f"Bearer {token}"},
            verify=str(second.ca_path),
            timeout=10,
        ).json()["value"]
        assert len(listed) == 30
        ctl.close()


def test_role_grants_survive_restart_and_reset_drops_them(tmp_path: Path) -> None:
    """Admin consent given through the control API is state too: kept on restart, gone on reset."""
    config = EmulatorConfig(port=0, data_dir=tmp_path, processing_delay=None)
    roles = ["CrossTenantUserProfileSharing.Read.All"]

    def token_roles(server: EmulatorServer) -> list[str]:
        token = app_token(server, NO_ROLES["appId"], NO_ROLES["secrets"][0])
        claims = jwt.decode(token, options={"verify_signature": False})
        return list(claims.get("roles", []))

    with EmulatorServer(config) as first:
        assert token_roles(first) == []
        ctl = EmulatorControl(first.base_url, first.ca_path)
        ctl.set_app_roles(NO_ROLES["appId"], roles)
        ctl.close()
        assert token_roles(first) == roles

    with EmulatorServer(config) as second:
        assert token_roles(second) == roles
        ctl = EmulatorControl(second.base_url, second.ca_path)
        ctl.reset()
        ctl.close()
        assert token_roles(second) == []

    with EmulatorServer(config) as third:
        assert token_roles(third) == []
