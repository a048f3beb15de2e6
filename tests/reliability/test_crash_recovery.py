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
from typing import Any

import pytest
from pulumi import automation as auto

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.e2e.harness import OffboardingStack
from tests.stack_fixtures import azuread_config
from tests.support import WRITER, removal_posts

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def repair_interrupted_state_write(backend_dir: Path, project: str, stack: str) -> list[str]:
    """Step 0 of the documented recovery for file backends: undo a state write the kill cut short.

    The file backend writes `<stack>.json` atomically, but its `.attrs` sidecar separately; a kill
    can leave either unreadable (`pulumi` then says "failed to load checkpoint"). A broken sidecar
    is removed (the backend treats a missing one as defaults); a broken checkpoint is replaced by
    the `.bak` the backend keeps of the previous one. Returns what was repaired.
    """
    folder = backend_dir / ".pulumi" / "stacks" / project
    repaired: list[str] = []
    for name in (f"{stack}.json", f"{stack}.json.bak"):
        attrs = folder / f"{name}.attrs"
        if attrs.exists():
            try:
                json.loads(attrs.read_text() or "x")
            except ValueError:
                attrs.unlink()
                repaired.append(attrs.name)
    checkpoint = folder / f"{stack}.json"
    try:
        json.loads(checkpoint.read_text())
    except (ValueError, FileNotFoundError):
        backup = folder / f"{stack}.json.bak"
        checkpoint.write_bytes(backup.read_bytes())
        repaired.append(checkpoint.name)
    return repaired


@pytest.mark.parametrize("damaged", ["e2e.json.attrs", "e2e.json"])
def test_repair_of_a_state_write_cut_short(
    make_stack: Any, control: EmulatorControl, tmp_path: Path, damaged: str
) -> None:
    stack = make_stack()
    stack.users = control.generate_profiles(3)
    stack.up()
    stack.users = stack.users + control.generate_profiles(1)
    stack.up()  # now a .bak of the previous checkpoint exists
    folder = stack.work / "pulumi" / "state" / ".pulumi" / "stacks" / "offboarding"
    (folder / damaged).write_text("")  # what a kill during the write leaves behind
    with pytest.raises(auto.CommandError, match="checkpoint"):
        stack.stack.export_stack()
    assert repair_interrupted_state_write(stack.work / "pulumi" / "state", "offboarding", "e2e") == [damaged]
    stack.refresh()
    stack.up()
    assert stack.statuses() == ["requested"] * 4
    assert len(removal_posts(control)) == 4  # a restored older checkpoint never re-sends recorded ones


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
    repair_interrupted_state_write(work / "pulumi" / "state", "offboarding", "e2e")
    # What was in flight when the update died: the creates the engine had started but not recorded.
    deployment = stack.stack.export_stack().deployment or {}
    in_flight = [op for op in deployment.get("pending_operations") or [] if op.get("type") == "creating"]
    stack.stack.cancel()  # removes the dead update's lock (file backend)
    stack.refresh(clear_pending_creates=True)
    stack.up()
    stack.up(expect_no_changes=True)

    assert stack.statuses() == ["requested"] * len(users)
    accepted = Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control) if e.status == 204)
    assert set(accepted) == set(users)
    duplicates = sum(accepted.values()) - len(users)
    print(
        f"\nSIGKILL after {sum(before_recovery.values())} POSTs with {len(in_flight)} creates in flight; "
        f"recovery cost {duplicates} duplicate POST(s)"
    )
    assert in_flight, "the kill should leave pending creates behind"
    assert duplicates <= len(in_flight)
