"""`pulumi up` killed with SIGKILL midway: the documented recovery converges, duplicates bounded."""

from __future__ import annotations

import contextlib
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

from pulumi_personal_data.checkpoint_repair import repair_checkpoint, update_locks
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.e2e.harness import OffboardingStack
from tests.stack_fixtures import azuread_config
from tests.support import WRITER, removal_posts

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def _descendants(roots: list[int]) -> dict[int, str]:
    """``roots`` and all their descendants (Linux /proc), each with its command line."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    found: dict[int, str] = {}
    pending = list(roots)
    while pending:
        pid = pending.pop()
        if pid in found:
            continue
        try:
            found[pid] = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        pending.extend(children.get(pid, []))
    return found


def kill_process_tree(root: int) -> dict[int, str]:
    """SIGKILL ``root`` and every descendant; returns what was killed.

    The CLI starts plugins in their own process groups, so killing the program's group alone
    would leave the provider running. Everything is stopped first (SIGSTOP) until no new process
    appears, so nothing can spawn a child between the scan and the kill.
    """
    stopped: dict[int, str] = {}
    while True:
        new = {pid: cmd for pid, cmd in _descendants([root, *stopped]).items() if pid not in stopped}
        if not new:
            break
        for pid in new:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        stopped.update(new)
    for pid in stopped:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return stopped


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
    report = repair_checkpoint(stack.work / "pulumi" / "state", "offboarding", "e2e")
    assert report.removed_sidecars == ((damaged,) if damaged.endswith(".attrs") else ())
    assert report.restored_from_backup is (damaged == "e2e.json")
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
    try:
        while len(removal_posts(control)) < 20 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        killed = kill_process_tree(proc.pid)  # the program, the CLI and the provider process
    assert any("pulumi.dynamic" in command for command in killed.values()), "the provider was killed too"
    proc.wait(timeout=30)
    before_recovery = Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control))
    assert 0 < sum(before_recovery.values()) < len(users), "the kill did not land midway"

    # The documented recovery (docs/resource.md, "Interrupted updates").
    control.set_faults(None)
    # Step 0, before any CLI command (even `stack select` fails on a cut-short state write).
    repair = repair_checkpoint(work / "pulumi" / "state", "offboarding", "e2e")
    assert update_locks(work / "pulumi" / "state", "offboarding", "e2e"), (
        "the killed update's lock is reported"
    )
    stack = OffboardingStack(
        work,
        emulator,
        config=azuread_config(emulator),
        secret_config={"azuread:clientSecret": WRITER["secrets"][0]},
    )
    stack.users = users
    # What was in flight when the update died: the creates the engine had started but not recorded.
    deployment = stack.stack.export_stack().deployment or {}
    in_flight = [op for op in deployment.get("pending_operations") or [] if op.get("type") == "creating"]
    stack.stack.cancel()  # removes the dead update's lock (file backend)
    assert update_locks(work / "pulumi" / "state", "offboarding", "e2e") == []
    stack.refresh(clear_pending_creates=True)
    stack.up()
    stack.up(expect_no_changes=True)

    assert stack.statuses() == ["requested"] * len(users)
    accepted = Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control) if e.status == 204)
    assert set(accepted) == set(users)
    duplicates = sum(accepted.values()) - len(users)
    print(
        f"\nSIGKILL after {sum(before_recovery.values())} POSTs with {len(in_flight)} creates in flight; "
        f"recovery cost {duplicates} duplicate POST(s); state repair: {repair.describe() or 'none needed'}"
    )
    assert in_flight, "the kill should leave pending creates behind"
    # A restored .bak is one state write behind: it may lack the start of one more create.
    assert duplicates <= len(in_flight) + (1 if repair.restored_from_backup else 0)
