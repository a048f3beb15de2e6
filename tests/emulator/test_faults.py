"""Fault injection: sequences and rates of 429 (fractional Retry-After), 5xx, resets and latency."""

from __future__ import annotations

import time

import pytest
import requests

from pulumi_personal_data.emulator.control_client import ControlApiError, EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer

from .conftest import EXAMPLE_USER_ID, INBOUND, Graph, assert_graph_error


def test_sequence_of_faults_then_normal(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_faults({"sequence": ["429", "500", "503", "504", "ok"], "retryAfter": "2.128"})
    throttled = graph.get(INBOUND)
    assert_graph_error(throttled, 429, "TooManyRequests")
    assert throttled.headers["Retry-After"] == "2.128"
    assert_graph_error(graph.get(INBOUND), 500, "generalException")
    unavailable = graph.get(INBOUND)
    assert_graph_error(unavailable, 503, "serviceNotAvailable")
    assert "Retry-After" not in unavailable.headers
    assert_graph_error(graph.get(INBOUND), 504, "GatewayTimeout")
    assert graph.get(INBOUND).status_code == 200  # "ok" slot
    assert graph.get(INBOUND).status_code == 200  # sequence exhausted, rate 0
    statuses = [e.status for e in ctl.journal() if e.operation == "inboundSharedUserProfiles.list"]
    assert statuses == [429, 500, 503, 504, 200, 200]


def test_retry_after_on_5xx_when_asked(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_faults({"sequence": ["503"], "retryAfter": "3", "retryAfterOn5xx": True})
    assert graph.get(INBOUND).headers["Retry-After"] == "3"


def test_rate_one_always_fails_and_faults_touch_graph_only(
    graph: Graph, ctl: EmulatorControl, emulator: EmulatorServer
) -> None:
    ctl.set_faults({"rate": 1.0, "kinds": ["503"]})
    for _ in range(3):
        assert graph.get(INBOUND).status_code == 503
    # Token endpoint, discovery and control API are never faulted.
    discovery = requests.get(
        f"{emulator.base_url}/{emulator.tenant_id}/v2.0/.well-known/openid-configuration",
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert discovery.status_code == 200
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"


def test_method_filter(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_faults({"rate": 1.0, "kinds": ["429"], "methods": ["POST"]})
    assert graph.get(INBOUND).status_code == 200
    assert graph.remove(EXAMPLE_USER_ID).status_code == 429
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"  # a faulted call changes nothing


def test_connection_reset_really_drops(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_faults({"sequence": ["reset"]})
    with pytest.raises(requests.ConnectionError):
        graph.remove(EXAMPLE_USER_ID)
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"
    assert graph.remove(EXAMPLE_USER_ID).status_code == 204  # a fresh connection works
    dropped = [e for e in ctl.journal() if e.operation == "inboundSharedUserProfile.removePersonalData"]
    assert [e.status for e in dropped] == [0, 204]


def test_added_latency(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_faults({"latencyMs": 300})
    started = time.perf_counter()
    assert graph.get(INBOUND).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_batch_item_faults(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_faults({"sequence": ["ok", "429"], "batchItems": True, "retryAfter": "0.5"})
    body = {
        "requests": [
            {"id": "a", "method": "GET", "url": INBOUND},
            {"id": "b", "method": "GET", "url": INBOUND},
        ]
    }
    answers = {r["id"]: r for r in graph.post("/$batch", json=body).json()["responses"]}
    assert answers["a"]["status"] == 429 and answers["a"]["headers"]["Retry-After"] == "0.5"
    assert answers["b"]["status"] == 200


def test_fault_config_via_control_api(ctl: EmulatorControl, emulator: EmulatorServer) -> None:
    assert ctl.faults() is None
    ctl.set_faults({"rate": 0.5, "kinds": ["429", "reset"], "seed": 7})
    config = ctl.faults()
    assert config is not None and config["rate"] == 0.5 and config["kinds"] == ["429", "reset"]
    ctl.set_faults(None)
    assert ctl.faults() is None
    for bad in ({"rate": 2}, {"kinds": ["418"]}, {"retryAfter": "soon"}, {"unknown": 1}):
        with pytest.raises(ControlApiError) as info:
            ctl.set_faults(bad)
        assert info.value.status == 400 and info.value.code == "BadRequest"
