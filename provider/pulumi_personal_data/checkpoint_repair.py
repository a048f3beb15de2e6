"""Repair a file-backend checkpoint that a killed ``pulumi up`` left unreadable.

The file backend replaces ``<stack>.json`` atomically, but writes its ``.attrs`` metadata sidecar
separately, and a SIGKILL (a lost CI runner, an OOM kill) can land between the two. Every later
CLI command, even ``pulumi stack select`` or ``pulumi cancel``, then stops with ``failed to load
checkpoint``. This is step 0 of the recovery in docs/resource.md ("Interrupted updates"):

    python -m pulumi_personal_data.checkpoint_repair --project offboarding --stack prod

It decides everything before it changes anything, and changes nothing when the checkpoint reads
fine or cannot be repaired. It handles the file backend's default layout
(``.pulumi/stacks/<project>/<stack>.json``, uncompressed); cloud backends keep their state
transactionally and never need it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .errors import PersonalDataError

__all__ = [
    "CheckpointRepairError",
    "RepairReport",
    "UpdateLock",
    "backend_dir_from_url",
    "main",
    "repair_checkpoint",
    "update_locks",
]

_FILE_PREFIX = "file://"


class CheckpointRepairError(PersonalDataError):
    """The checkpoint cannot be repaired safely; ``path`` names it and nothing was changed."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot repair {path}: {reason}")


@dataclass(frozen=True)
class RepairReport:
    """What :func:`repair_checkpoint` did: sidecars it removed and whether it restored the backup."""

    removed_sidecars: tuple[str, ...]
    restored_from_backup: bool

    @property
    def changed(self) -> bool:
        """True when anything on disk was changed."""
        return bool(self.removed_sidecars) or self.restored_from_backup

    def describe(self) -> list[str]:
        """One human-readable line per change, in the order they were made."""
        lines = [f"removed unreadable metadata sidecar {name}" for name in self.removed_sidecars]
        if self.restored_from_backup:
            lines.append("restored the checkpoint from its .bak (the state one write before the kill)")
        return lines


def _readable_json(path: Path) -> bool:
    """True when ``path`` holds a JSON object (checkpoints and sidecars are objects)."""
    try:
        return isinstance(json.loads(path.read_bytes()), dict)
    except (ValueError, OSError):
        return False


def _checkpoint_path(backend_dir: Path, project: str, stack: str) -> Path:
    """The checkpoint's path, or a CheckpointRepairError explaining why this tool cannot help."""
    stacks = backend_dir / ".pulumi" / "stacks"
    checkpoint = stacks / project / f"{stack}.json"
    # Checked first: with a compressed variant beside the plain file, the CLI loads whichever is
    # newest, and restoring the plain one could make it load older state.
    for suffix in (".gz", ".zst"):
        if checkpoint.with_name(checkpoint.name + suffix).exists():
            raise CheckpointRepairError(
                checkpoint, f"the checkpoint is compressed ({suffix}); repair it by hand from its .bak"
            )
    if checkpoint.exists():
        return checkpoint
    if (stacks / f"{stack}.json").exists():
        raise CheckpointRepairError(
            checkpoint, "this backend uses the legacy layout without project folders; repair by hand"
        )
    if checkpoint.with_name(checkpoint.name + ".bak").exists():
        # `pulumi stack rm` and `pulumi stack rename` leave only the .bak; a kill never does.
        raise CheckpointRepairError(
            checkpoint,
            "no checkpoint, only its .bak, which is what `pulumi stack rm` or `stack rename` leave; "
            "not restored (copy the .bak by hand if the stack should exist)",
        )
    raise CheckpointRepairError(checkpoint, "no such checkpoint (check --backend, --project and --stack)")


def repair_checkpoint(backend_dir: Path, project: str, stack: str) -> RepairReport:
    """Make ``<backend_dir>/.pulumi/stacks/<project>/<stack>.json`` loadable again.

    An unreadable ``.attrs`` sidecar is removed (the backend treats a missing one as defaults). An
    unreadable checkpoint is replaced by ``<stack>.json.bak``, which the backend writes before
    every save; that copy may lack the very last operation, which the following ``pulumi refresh``
    and ``pulumi up`` reconcile (a removal already requested is at most requested once more, and
    Graph accepts a repeated request while one is pending).

    Raises :class:`CheckpointRepairError`, changing nothing, when the checkpoint is missing,
    compressed, in the legacy layout, or unreadable together with its backup.
    """
    checkpoint = _checkpoint_path(backend_dir, project, stack)
    backup = checkpoint.with_name(checkpoint.name + ".bak")
    restore = not _readable_json(checkpoint)
    if restore and not _readable_json(backup):
        raise CheckpointRepairError(checkpoint, "it is unreadable and so is its .bak")
    sidecars = [
        sidecar
        for sidecar in (checkpoint.with_name(f"{name}.attrs") for name in (checkpoint.name, backup.name))
        if sidecar.exists() and not _readable_json(sidecar)
    ]
    for sidecar in sidecars:
        sidecar.unlink()
    if restore:
        # Write beside it, flush to disk, then rename: a second interruption leaves either file whole.
        staging = checkpoint.with_name(checkpoint.name + ".repair")
        with staging.open("wb") as out:
            out.write(backup.read_bytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(staging, checkpoint)
    return RepairReport(tuple(s.name for s in sidecars), restored_from_backup=restore)


@dataclass(frozen=True)
class UpdateLock:
    """An update lock on the stack, as the file backend writes it (``.pulumi/locks/...``)."""

    path: Path
    pid: int | None
    hostname: str | None
    timestamp: str | None

    def held_by_live_process_here(self) -> bool:
        """True when the lock's process runs on this host: an update is in progress."""
        if self.pid is None or self.hostname != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # it exists, under another user
        return True

    def describe(self) -> str:
        """pid, host and start time, or that the lock file is unreadable."""
        if self.pid is None:
            return f"{self.path.name} (unreadable)"
        return f"pid {self.pid} on {self.hostname} since {self.timestamp}"


def update_locks(backend_dir: Path, project: str, stack: str) -> list[UpdateLock]:
    """The update locks held on the stack; empty when none.

    A lock left by a killed update is expected; one held by a live process means an update is
    still running, and nothing should be repaired under it.
    """
    folder = backend_dir / ".pulumi" / "locks" / "organization" / project / stack
    locks = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            content = json.loads(path.read_bytes())
            pid = content.get("pid")
            locks.append(
                UpdateLock(
                    path,
                    pid if isinstance(pid, int) else None,
                    str(content.get("hostname")),
                    str(content.get("timestamp")),
                )
            )
        except (ValueError, OSError, AttributeError):
            locks.append(UpdateLock(path, None, None, None))
    return locks


def _home() -> str:
    """The user's home as the CLI finds it (the password database first, then $HOME)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return os.path.expanduser("~")


def backend_dir_from_url(url: str) -> Path:
    """The directory of a file backend URL, resolved as Pulumi resolves it.

    Like the CLI: strip ``file://`` and any ``?query``, expand a leading ``~`` to the user's home
    (``file://~`` is ``pulumi login --local``), percent-decode, make the path absolute. A plain
    path is accepted too; any other scheme is refused.
    """
    if url.startswith(_FILE_PREFIX):
        path = unquote(url[len(_FILE_PREFIX) :].split("?", 1)[0])
        if path == "~" or path.startswith("~/"):
            path = _home() + path[1:]
    elif "://" in url:
        raise ValueError(
            f"backend {url.split('://', 1)[0]}:// is not a file backend; only file backends need "
            "this repair (set --backend to the file:// URL or directory of your state)"
        )
    else:
        path = os.path.expanduser(url)
    return Path(os.path.abspath(path))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: repair one stack's checkpoint and say what changed; exit 1 if impossible."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_personal_data.checkpoint_repair",
        description="Repair a file-backend checkpoint left unreadable by a killed `pulumi up`.",
    )
    parser.add_argument(
        "--backend",
        default=os.environ.get("PULUMI_BACKEND_URL", ""),
        help="file:// URL or directory of the state (default: $PULUMI_BACKEND_URL)",
    )
    parser.add_argument("--project", required=True, help="the Pulumi project name (Pulumi.yaml `name`)")
    parser.add_argument("--stack", required=True, help="the stack name, without organization")
    parser.add_argument(
        "--force", action="store_true", help="repair even while a live process on this host holds the lock"
    )
    args = parser.parse_args(argv)
    if not args.backend:
        parser.error("--backend is required when PULUMI_BACKEND_URL is not set")
    try:
        backend_dir = backend_dir_from_url(args.backend)
        locks = update_locks(backend_dir, args.project, args.stack)
        live = [lock for lock in locks if lock.held_by_live_process_here()]
        if live and not args.force:
            print(
                f"error: an update is running ({live[0].describe()}); a state write in progress is "
                "not damage. Wait for it, or stop it and rerun (--force repairs anyway)",
                file=sys.stderr,
            )
            return 1
        for lock in locks:
            print(
                f"update lock held: {lock.describe()}; once that process is gone, `pulumi cancel` removes it"
            )
        report = repair_checkpoint(backend_dir, args.project, args.stack)
    except (CheckpointRepairError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in report.describe() or ["the checkpoint reads fine; nothing changed"]:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
