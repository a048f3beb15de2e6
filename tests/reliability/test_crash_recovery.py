"""`pulumi up` killed with SIGKILL midway: the documented recovery converges, duplicates bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.e2e.harness import OffboardingStack
from tests.stack_fixtures import azuread_config
from tests.support import WRITER, removal_posts

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
IN_FLIGHT_BOUND = 4  # the dynamic provider process serves at most 4 calls at once


def test_sigkill_midway_then_documented_recovery(
    emulator: EmulatorServer, control: EmulatorControl, tmp_path: Path, pulumi_cli: Path
) -> None:
    users = control.generate_profiles(80)
    control.set_faults({"latencyMs": 150, "methods": ["POST"]})
    work = tmp_path / "stack"
    work.mkdir()
    (work / "users.json").write_text(json.dumps(users))
    info = {"graph_url": emulator.graph_url, "base_url": emulator.base_url, "ca_path": str(emulator.ca_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.killable_up", str(work), json.dumps(info)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(removal_posts(control)) < 20 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the program, the CLI and the provider process
    proc.wait(timeout=30)
    before_recovery = Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control))
    assert 0 < sum(before_recovery.values()) < len(users), "the kill did not land midway"

    # The documented recovery (docs/resource.md, "Interrupted updates").
    control.set_faults(None)
    stack = OffboardingStack(
        work,
        emulator,
        config=azuread_config(emulator),
        secret_config={"azuread:clientSecret": WRITER["secrets"][0]},
    )
    stack.users = users
    stack.stack.cancel()  # removes the dead update's lock (file backend)
    stack.refresh(clear_pending_creates=True)
    stack.up()
    stack.up(expect_no_changes=True)

    assert stack.statuses() == ["requested"] * len(users)
    accepted = Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control) if e.status == 204)
    assert set(accepted) == set(users)
    duplicates = sum(accepted.values()) - len(users)
    print(
        f"\nSIGKILL after {sum(before_recovery.values())} POSTs; recovery cost {duplicates} duplicate POST(s)"
    )
    assert duplicates <= IN_FLIGHT_BOUND
