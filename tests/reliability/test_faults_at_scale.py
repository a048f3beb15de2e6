"""Unattended runs against a flaky, throttling Graph: everything requested, nothing twice, clean failures."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pulumi import automation as auto

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.stack_fixtures import StackFactory, azuread_config
from tests.support import PROFILE_IDS, WRITER, removal_posts

pytestmark = pytest.mark.e2e


def accepted(control: EmulatorControl) -> Counter[str]:
    return Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control) if e.status == 204)


def test_30_percent_transient_faults_100_removals_all_requested(
    make_stack: StackFactory, emulator: EmulatorServer, control: EmulatorControl
) -> None:
    users = control.generate_profiles(100)
    control.set_faults(
        {"rate": 0.3, "kinds": ["429", "503", "504", "reset"], "retryAfter": "0.05", "seed": 11}
    )
    # 12 tries keep the chance that one request meets 12 faults in a row (0.3^12) negligible.
    stack = make_stack(
        config={**azuread_config(emulator), "personaldata:maxAttempts": "12"},
        secret_config={"azuread:clientSecret": WRITER["secrets"][0]},
    )
    stack.users = users
    stack.up()
    assert stack.statuses() == ["requested"] * 100
    counts = accepted(control)
    assert set(counts) == set(users)
    statuses = Counter(e.status for e in removal_posts(control))
    assert statuses[429] + statuses[503] + statuses[504] > 0  # faults really happened
    # Injected faults answer before the request is processed, so every user is accepted exactly once.
    assert max(counts.values()) == 1


@pytest.mark.parametrize(
    ("kind", "code", "named"),
    [
        ("401", "InvalidAuthenticationToken", "token's audience"),
        ("403", "Authorization_RequestDenied", "CrossTenantUserProfileSharing.ReadWrite.All"),
        ("400", "BadRequest", "HTTP 400"),
    ],
)
def test_permanent_failures_fail_cleanly_with_cause_and_request_id(
    make_stack: StackFactory, control: EmulatorControl, kind: str, code: str, named: str
) -> None:
    control.set_faults({"sequence": [kind], "methods": ["POST"]})
    stack = make_stack()
    stack.users = PROFILE_IDS[:1]
    with pytest.raises(auto.CommandError) as info:
        stack.up()
    text = str(info.value)
    posts = removal_posts(control)
    assert [e.status for e in posts] == [int(kind)]  # not retried
    assert code in text and named in text
    assert posts[0].request_id in text
    assert stack.resources() == []
    # The fault is gone: a rerun completes, with exactly one accepted POST.
    stack.up()
    assert accepted(control) == Counter({PROFILE_IDS[0]: 1})


def test_throttled_to_20_writes_per_second_500_removals_complete(
    make_stack: StackFactory, control: EmulatorControl
) -> None:
    users = control.generate_profiles(500)
    control.set_throttle({"writesPerSecond": 20, "writeBurst": 20})
    stack = make_stack()
    stack.users = users
    stack.up()
    assert stack.statuses() == ["requested"] * 500
    counts = accepted(control)
    assert set(counts) == set(users) and max(counts.values()) == 1
    assert any(e.status == 429 for e in removal_posts(control))  # the bucket really throttled


def test_emulator_restart_midway_run_completes(
    tmp_path: Path, make_stack: StackFactory, pulumi_cli: Path
) -> None:
    import threading
    import time

    from pulumi_personal_data.emulator.server import EmulatorConfig
    from tests.e2e.harness import OffboardingStack

    data_dir = tmp_path / "emulator-data"
    first = EmulatorServer(EmulatorConfig(data_dir=data_dir, processing_delay=None, faults={"latencyMs": 40}))
    first.start()
    host, port = first.host_port()
    ctl = EmulatorControl(first.base_url, first.ca_path)
    users = ctl.generate_profiles(60)
    stack = OffboardingStack(
        tmp_path / "stack",
        first,
        config=azuread_config(first),
        secret_config={"azuread:clientSecret": WRITER["secrets"][0]},
    )
    stack.users = users
    errors: list[BaseException] = []

    def run() -> None:
        try:
            stack.up()
        except BaseException as exc:  # reported below
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 120
    while len(removal_posts(ctl)) < 15 and time.monotonic() < deadline:
        time.sleep(0.2)
    first.stop()  # SQLite data, keys and certificates stay in data_dir
    time.sleep(1.0)
    second = EmulatorServer(EmulatorConfig(host=host, port=port, data_dir=data_dir, processing_delay=None))
    second.start()
    try:
        worker.join(timeout=300)
        assert not worker.is_alive()
        assert errors == []
        ctl2 = EmulatorControl(second.base_url, second.ca_path)
        assert stack.statuses() == ["requested"] * 60
        assert set(accepted(ctl2)) == set(users)
    finally:
        second.stop()
