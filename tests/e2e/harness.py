"""An offboarding stack driven through the real Pulumi CLI, with a roster the test edits between runs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi import automation as auto

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from pulumi_personal_data.local_stack import LocalBackend, find_pulumi_bin_dir, open_stack
from pulumi_personal_data.offboarding import declare_removals
from pulumi_personal_data.roster import DepartedUser
from tests.support import removal_posts


class OffboardingStack:
    """A stack whose program declares one removal per entry of ``self.users``."""

    def __init__(
        self,
        work: Path,
        emulator: EmulatorServer,
        *,
        config: Mapping[str, str],
        secret_config: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        stack_name: str = "e2e",
    ) -> None:
        self.users: list[str] = []
        self.reasons: dict[str, str] = {}
        self.fail_if_missing = False
        self.expected_home_tenant_id: str | None = None
        self.work = work
        project = work / "project"
        project.mkdir(parents=True, exist_ok=True)
        self.backend = LocalBackend(
            work / "pulumi",
            extra_env={"REQUESTS_CA_BUNDLE": str(emulator.ca_path), **(env or {})},
        )
        self.stack = open_stack(
            project_dir=project,
            stack_name=stack_name,
            program=self._program,
            backend=self.backend,
            config=config,
            secret_config=secret_config,
        )
        self.output: list[str] = []

    def _program(self) -> None:
        removals = declare_removals(
            [DepartedUser(uid, self.reasons.get(uid, f"OFF-{i}"), i) for i, uid in enumerate(self.users)],
            fail_if_missing=self.fail_if_missing,
            expected_home_tenant_id=self.expected_home_tenant_id,
        )
        pulumi.export("statuses", pulumi.Output.all(*[r.status for r in removals]))

    def _log(self, line: str) -> None:
        self.output.append(line)

    def up(self, **kwargs: Any) -> auto.UpResult:
        """`pulumi up --yes`.

        With policy packs, previews first, as the CLI's `pulumi up` does unless `--skip-preview`
        (the Automation API's `up` always skips it), so policy violations stop the update before
        any resource is created.
        """
        if "policy_packs" in kwargs:
            policy = {k: kwargs[k] for k in ("policy_packs", "policy_pack_configs") if k in kwargs}
            self.stack.preview(on_output=self._log, color="never", **policy)
        return self.stack.up(on_output=self._log, color="never", **kwargs)

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        """`pulumi preview`."""
        return self.stack.preview(on_output=self._log, color="never", **kwargs)

    def refresh(self, **kwargs: Any) -> auto.RefreshResult:
        """`pulumi refresh --yes`."""
        return self.stack.refresh(on_output=self._log, color="never", **kwargs)

    def destroy(self) -> auto.DestroyResult:
        """`pulumi destroy --yes`."""
        return self.stack.destroy(on_output=self._log, color="never")

    def statuses(self) -> list[str]:
        """The status output of every removal, in roster order."""
        value = self.stack.outputs()["statuses"].value
        return [str(v) for v in value]

    def export_text(self) -> str:
        """`pulumi stack export` exactly as a user would run it (the real CLI, JSON on stdout)."""
        bin_dir = find_pulumi_bin_dir()
        result = subprocess.run(
            [str(bin_dir / "pulumi"), "stack", "export", "--stack", "e2e"],
            cwd=self.work / "project",
            env={**self.backend.env(bin_dir)},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return result.stdout

    def resources(self) -> list[dict[str, Any]]:
        """The removal resources in the exported state."""
        deployment = json.loads(self.export_text())["deployment"]
        return [r for r in deployment.get("resources", []) if r["type"].endswith(":PersonalDataRemoval")]


def removal_post_counts(control: EmulatorControl) -> dict[str, int]:
    """removePersonalData POSTs per user id (accepted or not), from the emulator's journal."""
    counts: dict[str, int] = {}
    for entry in removal_posts(control):
        uid = entry.path.rsplit("/", 2)[-2]
        counts[uid] = counts.get(uid, 0) + 1
    return counts


def changed(summary_changes: Mapping[Any, int] | None) -> dict[str, int]:
    """The non-'same' entries of a resource_changes summary."""
    return {str(k): v for k, v in (summary_changes or {}).items() if k != "same" and v}
