"""The offboarding stack program: one PersonalDataRemoval per row of the departed-users roster.

Stack config (project ``offboarding``):

- ``offboarding:departedUsersFile``: CSV path, relative to the directory holding Pulumi.yaml
  (default ``data/departed-users.csv``).
- ``offboarding:failIfMissing``: fail when a profile does not exist (default false).
- ``offboarding:expectedHomeTenantId``: optional interlock applied to every row.

Stack outputs: ``removalCount`` and ``removalsByStatus`` (counts per status).
"""

from __future__ import annotations

import collections
import os
from pathlib import Path
from typing import Any

import pulumi

from .resource import PersonalDataRemoval, PersonalDataRemovalArgs
from .roster import DepartedUser, load_roster

__all__ = ["DEFAULT_ROSTER", "declare_removals", "offboarding_program", "project_root"]

DEFAULT_ROSTER = "data/departed-users.csv"


def project_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: cwd) that holds Pulumi.yaml."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    return here


def declare_removals(
    users: list[DepartedUser],
    *,
    fail_if_missing: bool = False,
    expected_home_tenant_id: str | None = None,
) -> list[PersonalDataRemoval]:
    """Declare one removal per user, named ``removal-<user_id>`` so row order never matters."""
    return [
        PersonalDataRemoval(
            f"removal-{user.user_id}",
            PersonalDataRemovalArgs(
                user_id=user.user_id,
                reason=user.reason,
                fail_if_missing=fail_if_missing,
                expected_home_tenant_id=expected_home_tenant_id,
            ),
        )
        for user in users
    ]


def _count(statuses: list[Any]) -> dict[str, int]:
    counts = collections.Counter(str(s) for s in statuses if s is not None)
    return dict(sorted(counts.items()))


def offboarding_program() -> None:
    """The root stack: read config, load the roster, declare removals, export counts."""
    config = pulumi.Config("offboarding")
    roster_setting = config.get("departedUsersFile") or DEFAULT_ROSTER
    roster_path = Path(roster_setting)
    if not roster_path.is_absolute():
        base = os.environ.get("OFFBOARDING_PROJECT_DIR")
        roster_path = (Path(base) if base else project_root()) / roster_path
    users = load_roster(roster_path)
    removals = declare_removals(
        users,
        fail_if_missing=config.get_bool("failIfMissing") or False,
        expected_home_tenant_id=config.get("expectedHomeTenantId"),
    )
    pulumi.export("removalCount", len(removals))
    pulumi.export("removalsByStatus", pulumi.Output.all(*[r.status for r in removals]).apply(_count))
