"""Removal lifecycle: queued, pending, processed on demand or by timestamp, then gone."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorConfig, EmulatorServer

from .conftest import (
    EXAMPLE_USER_ID,
    INBOUND,
    WRITER_APP,
    WRITER_SECRET,
    Graph,
    app_token,
    assert_graph_error,
)


def test_lifecycle_on_demand(graph: Graph, ctl: EmulatorControl) -> None:
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"
    assert graph.remove(EXAMPLE_USER_ID).status_code == 204
    assert ctl.profile_state(EXAMPLE_USER_ID) == "pending"
    # Pending: accepted again, still readable and listed.
    assert graph.remove(EXAMPLE_USER_ID).status_code == 204
    assert graph.get(f"{INBOUND}/{EXAMPLE_USER_ID}").status_code == 200
    assert ctl.process_pending() == 1
    assert ctl.process_pending() == 0
    assert ctl.profile_state(EXAMPLE_USER_ID) == "removed"
    assert_graph_error(graph.get(f"{INBOUND}/{EXAMPLE_USER_ID}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph.remove(EXAMPLE_USER_ID), 404, "Request_ResourceNotFound")
    listed = [p["userId"] for p in graph.get(f"{INBOUND}?$top=999").json()["value"]]
    assert EXAMPLE_USER_ID not in listed and len(listed) == 29


def test_reset_restores_removed_profiles(graph: Graph, ctl: EmulatorControl) -> None:
    graph.remove(EXAMPLE_USER_ID)
    ctl.process_pending()
    ctl.reset()
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"
    assert ctl.profile_state("00000000-0000-0000-0000-000000000001") == "unknown"


def test_processing_by_timestamp(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(port=0, processing_delay=0.4)) as server:
        ca = str(server.ca_path)
        token = app_token(server, WRITER_APP, WRITER_SECRET)
        url = f"{server.graph_url}{INBOUND}/{EXAMPLE_USER_ID}"
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            requests.post(url + "/removePersonalData", headers=headers, verify=ca, timeout=10).status_code
            == 204
        )
        assert requests.get(url, headers=headers, verify=ca, timeout=10).status_code == 200
        time.sleep(0.5)
        assert requests.get(url, headers=headers, verify=ca, timeout=10).status_code == 404
        ctl = EmulatorControl(server.base_url, ca)
        assert ctl.profile_state(EXAMPLE_USER_ID) == "removed"
        ctl.close()
