"""Token-bucket throttling per app and tenant, with Graph's throttle headers, top-level and inside $batch."""

from __future__ import annotations

import time

import pytest

from pulumi_personal_data.emulator.control_client import ControlApiError, EmulatorControl
from pulumi_personal_data.emulator.faults import Throttle, ThrottleSpec, format_seconds

from .conftest import EXAMPLE_USER_ID, INBOUND, READER_APP, Graph, assert_graph_error


def test_write_bucket_throttles_with_headers(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_throttle({"writesPerSecond": 2, "writeBurst": 2})
    ids = [p["userId"] for p in graph.get(f"{INBOUND}?$top=3").json()["value"]]
    assert graph.remove(ids[0]).status_code == 204
    second = graph.remove(ids[1])
    assert second.status_code == 204
    assert second.headers["x-ms-throttle-limit-percentage"] == "1.0"
    third = graph.remove(ids[2])
    assert_graph_error(third, 429, "TooManyRequests")
    assert 0 < float(third.headers["Retry-After"]) <= 0.5
    assert third.headers["x-ms-throttle-scope"].startswith("Tenant_Application/WriteLimit/")
    assert third.headers["x-ms-throttle-information"]
    assert graph.get(INBOUND).status_code == 200  # reads have their own (unlimited) bucket
    time.sleep(float(third.headers["Retry-After"]) + 0.05)
    assert graph.remove(ids[2]).status_code == 204


def test_buckets_are_per_app(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_throttle({"readsPerSecond": 1, "readBurst": 1})
    assert graph.get(INBOUND).status_code == 200
    assert graph.get(INBOUND).status_code == 429
    reader = ctl.mint_token(app_id=READER_APP)
    assert graph.get(INBOUND, token=reader).status_code == 200


def test_batch_items_are_throttled_individually(graph: Graph, ctl: EmulatorControl) -> None:
    ctl.set_throttle({"writesPerSecond": 1, "writeBurst": 2})
    ids = [p["userId"] for p in graph.get(f"{INBOUND}?$top=4").json()["value"]]
    body = {
        "requests": [
            {"id": str(i), "method": "POST", "url": f"{INBOUND}/{uid}/removePersonalData"}
            for i, uid in enumerate(ids)
        ]
    }
    response = graph.post("/$batch", json=body)
    assert response.status_code == 200
    answers = {r["id"]: r for r in response.json()["responses"]}
    assert [answers[str(i)]["status"] for i in range(4)] == [204, 204, 429, 429]
    assert float(answers["2"]["headers"]["Retry-After"]) > 0
    assert answers["2"]["body"]["error"]["code"] == "TooManyRequests"
    assert ctl.profile_state(ids[3]) == "present"


def test_throttle_control_api(ctl: EmulatorControl) -> None:
    assert ctl.throttle() is None
    ctl.set_throttle({"writesPerSecond": 20, "writeBurst": 3000})
    assert ctl.throttle() == {
        "writesPerSecond": 20.0,
        "writeBurst": 3000.0,
        "readsPerSecond": None,
        "readBurst": None,
    }
    ctl.set_throttle(None)
    assert ctl.throttle() is None
    with pytest.raises(ControlApiError):
        ctl.set_throttle({"writesPerSecond": -1})
    ctl.set_throttle({"writesPerSecond": 1})
    ctl.reset()
    assert ctl.throttle() is None


def test_bucket_refills_continuously() -> None:
    throttle = Throttle(ThrottleSpec(writes_per_second=2, write_burst=1))
    assert throttle.check(tenant_id="t", app_id="a", write=True, now=0.0).allowed
    denied = throttle.check(tenant_id="t", app_id="a", write=True, now=0.1)
    assert not denied.allowed and denied.retry_after == "0.4"
    assert throttle.check(tenant_id="t", app_id="a", write=True, now=0.5).allowed
    assert throttle.check(tenant_id="t", app_id="a", write=False, now=0.5).allowed


def test_format_seconds() -> None:
    assert format_seconds(2.128) == "2.128"
    assert format_seconds(3) == "3"
    assert format_seconds(0) == "0.001"
    assert EXAMPLE_USER_ID
