"""Retries against injected faults: transient ones are survived within bounds, permanent ones fail at once."""

from __future__ import annotations

import time

import pytest

from pulumi_personal_data import GraphConnectionError, GraphTransientError
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.support import PROFILE_IDS, configured_provider, removal_posts, stack_config

pytestmark = pytest.mark.usefixtures("trust_emulator")


def post_statuses(control: EmulatorControl) -> list[int]:
    return [e.status for e in removal_posts(control)]


def test_each_transient_kind_is_retried_until_success(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    control.set_faults(
        {"sequence": ["429", "503", "504", "reset"], "retryAfter": "0.25", "methods": ["POST"]}
    )
    provider = configured_provider(stack_config(emulator))
    started = time.monotonic()
    outs = provider.create({"user_id": PROFILE_IDS[0]}).outs or {}
    elapsed = time.monotonic() - started
    assert outs["status"] == "requested"
    statuses = post_statuses(control)
    assert statuses[-1] == 204
    assert statuses[:3] == [429, 503, 504]
    assert elapsed >= 0.25  # the fractional Retry-After was honoured, not skipped


def test_fractional_retry_after_sets_the_wait(emulator: EmulatorServer, control: EmulatorControl) -> None:
    control.set_faults({"sequence": ["429", "429"], "retryAfter": "0.6", "methods": ["POST"]})
    provider = configured_provider(stack_config(emulator))
    started = time.monotonic()
    provider.create({"user_id": PROFILE_IDS[1]})
    elapsed = time.monotonic() - started
    assert post_statuses(control) == [429, 429, 204]
    assert 1.2 <= elapsed < 6.0


def test_retries_stop_at_max_attempts(emulator: EmulatorServer, control: EmulatorControl) -> None:
    control.set_faults({"rate": 1.0, "kinds": ["503"], "retryAfter": "0.01", "methods": ["POST"]})
    provider = configured_provider(stack_config(emulator, **{"personaldata:maxAttempts": "3"}))
    with pytest.raises(GraphTransientError) as info:
        provider.create({"user_id": PROFILE_IDS[2]})
    assert info.value.status == 503
    assert info.value.request_id
    assert post_statuses(control) == [503, 503, 503]


def test_retries_stop_before_crossing_the_deadline(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    control.set_faults({"rate": 1.0, "kinds": ["429"], "retryAfter": "30", "methods": ["POST"]})
    provider = configured_provider(stack_config(emulator, **{"personaldata:retryDeadlineSeconds": "2"}))
    started = time.monotonic()
    with pytest.raises(GraphTransientError) as info:
        provider.create({"user_id": PROFILE_IDS[3]})
    assert time.monotonic() - started < 5
    assert info.value.retry_after == 30.0
    assert len(post_statuses(control)) == 1


def test_connection_resets_exhaust_into_a_connection_error(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    control.set_faults({"rate": 1.0, "kinds": ["reset"], "methods": ["POST"]})
    provider = configured_provider(stack_config(emulator, **{"personaldata:maxAttempts": "2"}))
    with pytest.raises(GraphConnectionError) as info:
        provider.create({"user_id": PROFILE_IDS[4]})
    assert info.value.status is None
    assert info.value.client_request_id
