"""The checkpoint repair command on file-backend layouts (the real-CLI case is in tests/reliability)."""

from __future__ import annotations

import json
import os
import pwd
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_personal_data.checkpoint_repair import (
    CheckpointRepairError,
    backend_dir_from_url,
    main,
    repair_checkpoint,
    update_locks,
)

GOOD = {"version": 3, "checkpoint": {"stack": "prod", "latest": {"resources": []}}}
OLDER = {"version": 3, "checkpoint": {"stack": "prod", "latest": None}}


def layout(root: Path, checkpoint: str | None, backup: str | None, attrs: str | None = "{}") -> Path:
    """A file backend holding stack `prod` of project `offboarding`; None leaves a file out."""
    folder = root / ".pulumi" / "stacks" / "offboarding"
    folder.mkdir(parents=True)
    for name, text in (("prod.json", checkpoint), ("prod.json.bak", backup), ("prod.json.attrs", attrs)):
        if text is not None:
            (folder / name).write_text(text)
    return folder


def test_a_readable_checkpoint_is_left_alone(tmp_path: Path) -> None:
    folder = layout(tmp_path, json.dumps(GOOD), json.dumps(OLDER))
    report = repair_checkpoint(tmp_path, "offboarding", "prod")
    assert not report.changed
    assert json.loads((folder / "prod.json").read_text()) == GOOD
    assert (folder / "prod.json.attrs").exists()


@pytest.mark.parametrize("damage", ["", '{"content-type": "appl'])
def test_an_unreadable_checkpoint_is_restored_from_its_backup(tmp_path: Path, damage: str) -> None:
    folder = layout(tmp_path, damage, json.dumps(OLDER), attrs="")
    report = repair_checkpoint(tmp_path, "offboarding", "prod")
    assert report.removed_sidecars == ("prod.json.attrs",)
    assert report.restored_from_backup
    assert json.loads((folder / "prod.json").read_text()) == OLDER
    assert not (folder / "prod.json.repair").exists()


def test_a_missing_checkpoint_is_not_resurrected_from_its_backup(tmp_path: Path) -> None:
    """`pulumi stack rm` and `stack rename` leave only the .bak; a kill never does."""
    folder = layout(tmp_path, None, json.dumps(OLDER), attrs=None)
    with pytest.raises(CheckpointRepairError, match="stack rm"):
        repair_checkpoint(tmp_path, "offboarding", "prod")
    assert not (folder / "prod.json").exists()


def test_no_readable_backup_is_a_typed_error_and_changes_nothing(tmp_path: Path) -> None:
    folder = layout(tmp_path, "", "", attrs="")
    with pytest.raises(CheckpointRepairError) as caught:
        repair_checkpoint(tmp_path, "offboarding", "prod")
    assert caught.value.path == folder / "prod.json"
    assert "unreadable and so is its .bak" in str(caught.value)
    assert (folder / "prod.json").read_text() == ""
    assert (folder / "prod.json.attrs").exists()  # not even the broken sidecar was touched


def test_a_wrong_stack_name_is_reported_not_created(tmp_path: Path) -> None:
    layout(tmp_path, json.dumps(GOOD), None)
    with pytest.raises(CheckpointRepairError, match="check --backend, --project and --stack"):
        repair_checkpoint(tmp_path, "offboarding", "staging")
    assert not (tmp_path / ".pulumi" / "stacks" / "offboarding" / "staging.json").exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"offboarding/prod.json.gz": "x"}, "compressed"),
        ({"prod.json": json.dumps(GOOD)}, "legacy layout"),
    ],
)
def test_layouts_it_cannot_handle_are_named(tmp_path: Path, files: dict[str, str], message: str) -> None:
    stacks = tmp_path / ".pulumi" / "stacks"
    for name, text in files.items():
        (stacks / name).parent.mkdir(parents=True, exist_ok=True)
        (stacks / name).write_text(text)
    with pytest.raises(CheckpointRepairError, match=message):
        repair_checkpoint(tmp_path, "offboarding", "prod")


def test_backend_urls_resolve_as_the_cli_resolves_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = pwd.getpwuid(os.getuid()).pw_dir
    monkeypatch.setenv("HOME", str(tmp_path / "not-the-passwd-home"))  # the CLI ignores $HOME here
    monkeypatch.chdir(tmp_path)
    assert backend_dir_from_url("file:///var/state") == Path("/var/state")
    assert backend_dir_from_url("file://~") == Path(home)  # `pulumi login --local`
    assert backend_dir_from_url("file://~/state") == Path(home) / "state"
    assert backend_dir_from_url("file://./state") == tmp_path / "state"
    assert backend_dir_from_url("file://state?no_tmp_dir=true") == tmp_path / "state"
    assert backend_dir_from_url("file:///var/my%20state") == Path("/var/my state")  # as gocloud decodes
    assert backend_dir_from_url("/var/state") == Path("/var/state")
    with pytest.raises(ValueError, match="not a file backend"):
        backend_dir_from_url("s3://bucket/state")


def test_a_backend_dir_with_a_space_round_trips_through_its_uri(tmp_path: Path) -> None:
    root = tmp_path / "my state"
    layout(root, "", json.dumps(OLDER))
    assert main(["--backend", root.as_uri(), "--project", "offboarding", "--stack", "prod"]) == 0


def test_a_checkpoint_that_is_json_but_not_an_object_is_unreadable(tmp_path: Path) -> None:
    folder = layout(tmp_path, "[]", json.dumps(OLDER))
    assert repair_checkpoint(tmp_path, "offboarding", "prod").restored_from_backup
    assert json.loads((folder / "prod.json").read_text()) == OLDER


def test_a_compressed_variant_beside_the_plain_checkpoint_is_refused(tmp_path: Path) -> None:
    folder = layout(tmp_path, "", json.dumps(OLDER))
    (folder / "prod.json.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    with pytest.raises(CheckpointRepairError, match="compressed"):
        repair_checkpoint(tmp_path, "offboarding", "prod")
    assert (folder / "prod.json").read_text() == ""


def write_lock(root: Path, pid: int, hostname: str) -> None:
    folder = root / ".pulumi" / "locks" / "organization" / "offboarding" / "prod"
    folder.mkdir(parents=True)
    lock = {"pid": pid, "username": "ci", "hostname": hostname, "timestamp": "2026-12-04T10:00:00Z"}
    (folder / "a1b2.json").write_text(json.dumps(lock))


def test_update_locks_are_described(tmp_path: Path) -> None:
    assert update_locks(tmp_path, "offboarding", "prod") == []
    write_lock(tmp_path, 4242, "runner-7")
    [lock] = update_locks(tmp_path, "offboarding", "prod")
    assert lock.describe() == "pid 4242 on runner-7 since 2026-12-04T10:00:00Z"
    assert not lock.held_by_live_process_here()  # another host


def test_a_live_update_is_not_repaired_under_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = layout(tmp_path, "", json.dumps(OLDER), attrs="")
    write_lock(tmp_path, os.getpid(), socket.gethostname())  # this very process: alive, here
    argv = ["--backend", str(tmp_path), "--project", "offboarding", "--stack", "prod"]
    assert main(argv) == 1
    assert "an update is running" in capsys.readouterr().err
    assert (folder / "prod.json").read_text() == "" and (folder / "prod.json.attrs").exists()
    assert main([*argv, "--force"]) == 0
    assert json.loads((folder / "prod.json").read_text()) == OLDER


def test_a_dead_updates_lock_is_reported_and_the_repair_goes_ahead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout(tmp_path, "", json.dumps(OLDER))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    write_lock(tmp_path, int(dead.stdout), socket.gethostname())
    assert main(["--backend", str(tmp_path), "--project", "offboarding", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "update lock held: pid" in out and "restored the checkpoint" in out


def test_command_line_reports_what_it_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout(tmp_path, "", json.dumps(OLDER))
    assert main(["--backend", tmp_path.as_uri(), "--project", "offboarding", "--stack", "prod"]) == 0
    assert "restored the checkpoint from its .bak" in capsys.readouterr().out
    assert main(["--backend", str(tmp_path), "--project", "offboarding", "--stack", "prod"]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_command_line_fails_with_exit_1_and_a_clear_message(tmp_path: Path) -> None:
    layout(tmp_path, "", "")
    command = ["-m", "pulumi_personal_data.checkpoint_repair", "--project", "offboarding", "--stack", "prod"]
    done = subprocess.run(
        [sys.executable, *command],
        env={"PULUMI_BACKEND_URL": tmp_path.as_uri(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot repair ")
    assert done.stdout == ""
