"""Repair a file-backend checkpoint that a killed ``pulumi up`` left unreadable.

The file backend replaces ``<stack>.json`` atomically, but writes its ``.attrs`` metadata sidecar
separately, and a SIGKILL (a lost CI runner, an OOM kill) can land between the two. Every later
CLI command, even ``pulumi stack select`` or ``pulumi cancel``, then stops with ``failed to load
checkpoint``. This is step 0 of the recovery in docs/resource.md ("Interrupted updates"):

    python -m pulumi_personal_data.checkpoint_repair --project offboarding --stack prod

It changes nothing when the checkpoint reads fine. It only handles uncompressed JSON checkpoints
(the file backend's default); cloud backends keep their state transactionally and never need it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import PersonalDataError

__all__ = ["CheckpointRepairError", "RepairReport", "backend_dir_from_url", "main", "repair_checkpoint"]


class CheckpointRepairError(PersonalDataError):
    """The checkpoint is unreadable and no readable backup exists to restore; ``path`` names it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"cannot repair {path}: {reason}. Restore it from `pulumi stack export` output or from "
            "your backend's own backups, then run `pulumi refresh`"
        )


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
            lines.append("restored the checkpoint from its .bak (the state one step before the kill)")
        return lines


def _readable_json(path: Path) -> bool:
    try:
        json.loads(path.read_bytes())
    except (ValueError, OSError):
        return False
    return True


def repair_checkpoint(backend_dir: Path, project: str, stack: str) -> RepairReport:
    """Make ``<backend_dir>/.pulumi/stacks/<project>/<stack>.json`` loadable again.

    An unreadable ``.attrs`` sidecar is removed (the backend treats a missing one as defaults). An
    unreadable checkpoint is replaced by ``<stack>.json.bak``, which the backend writes before
    every save; that copy may lack the very last operation, which the following ``pulumi refresh``
    and ``pulumi up`` reconcile (a removal already requested is at most requested once more, and
    Graph accepts a repeated request while one is pending).

    Raises :class:`CheckpointRepairError` when the checkpoint is unreadable and so is its backup.
    """
    folder = backend_dir / ".pulumi" / "stacks" / project
    checkpoint = folder / f"{stack}.json"
    backup = folder / f"{stack}.json.bak"
    removed: list[str] = []
    for data in (checkpoint, backup):
        sidecar = data.with_name(data.name + ".attrs")
        if sidecar.exists() and not _readable_json(sidecar):
            sidecar.unlink()
            removed.append(sidecar.name)
    if not checkpoint.exists() and not backup.exists():
        raise CheckpointRepairError(
            checkpoint, "no such checkpoint and no backup (check --project and --stack)"
        )
    if _readable_json(checkpoint):
        return RepairReport(tuple(removed), restored_from_backup=False)
    if not _readable_json(backup):
        raise CheckpointRepairError(checkpoint, "it is unreadable and so is its .bak")
    # Write beside it and rename, so a second interruption cannot leave a half-written file.
    staging = checkpoint.with_name(checkpoint.name + ".repair")
    staging.write_bytes(backup.read_bytes())
    os.replace(staging, checkpoint)
    return RepairReport(tuple(removed), restored_from_backup=True)


def backend_dir_from_url(url: str) -> Path:
    """The directory of a ``file://`` backend URL (or a plain path); other backends are refused."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and url[1:2] == ":"):  # a path (or C:\...)
        return Path(url).expanduser()
    raise ValueError(
        f"backend {parsed.scheme}:// is not a file backend; only file backends need this repair "
        "(set --backend to the file:// URL or directory of your state)"
    )


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
    args = parser.parse_args(argv)
    if not args.backend:
        parser.error("--backend is required when PULUMI_BACKEND_URL is not set")
    try:
        report = repair_checkpoint(backend_dir_from_url(args.backend), args.project, args.stack)
    except (CheckpointRepairError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in report.describe() or ["the checkpoint reads fine; nothing changed"]:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
