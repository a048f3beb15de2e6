"""Run a stack through the real Pulumi CLI (Automation API) with a project-local file backend.

Used by the demo command and the end-to-end tests. The program runs inline: the Automation API's
own language server hosts it in this process and the CLI attaches with ``--client``. That needs no
``pulumi-language-python`` binary, which matters where the CLI is built from Go modules (the
language host's module is not published on the Go module proxy). Everything else is the real
engine: planning, diffs, state, and the dynamic provider process it starts through
``pulumi-resource-pulumi-python``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pulumi import automation as auto

__all__ = ["LocalBackend", "find_pulumi_bin_dir", "open_stack"]

#: Set by scripts/install-pulumi.sh callers; otherwise `pulumi` is looked up on PATH.
ENV_PULUMI_BIN_DIR = "PULUMI_PERSONAL_DATA_PULUMI_BIN_DIR"


def find_pulumi_bin_dir() -> Path:
    """The directory holding the pinned ``pulumi`` and ``pulumi-resource-pulumi-python``."""
    configured = os.environ.get(ENV_PULUMI_BIN_DIR)
    if configured:
        return Path(configured)
    found = shutil.which("pulumi")
    if found is None:
        raise FileNotFoundError(
            "the Pulumi CLI was not found: run scripts/install-pulumi.sh and put the directory it "
            f"prints on PATH, or set {ENV_PULUMI_BIN_DIR}"
        )
    return Path(found).resolve().parent


@dataclass(frozen=True)
class LocalBackend:
    """A file backend and PULUMI_HOME under ``root``; the passphrase only guards local demo state."""

    root: Path
    passphrase: str = "local-file-backend-passphrase"  # noqa: S105 - guards local demo state only
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def env(self, bin_dir: Path) -> dict[str, str]:
        """Environment variables for every CLI call: offline, quiet, local state."""
        state = self.root / "state"
        home = self.root / "home"
        state.mkdir(parents=True, exist_ok=True)
        home.mkdir(parents=True, exist_ok=True)
        env = {
            "PULUMI_BACKEND_URL": state.resolve().as_uri(),
            "PULUMI_HOME": str(home.resolve()),
            "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The dynamic provider process must run the interpreter that has this package.
            "PULUMI_PYTHON_CMD": sys.executable,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        env.update(self.extra_env)
        return env


def open_stack(
    *,
    project_dir: Path,
    stack_name: str,
    program: Callable[[], None],
    backend: LocalBackend,
    config: Mapping[str, str] | None = None,
    secret_config: Mapping[str, str] | None = None,
    project_name: str = "offboarding",
    bin_dir: Path | None = None,
) -> auto.Stack:
    """Create or select ``stack_name`` for the project in ``project_dir`` and set its config.

    ``secret_config`` values are stored encrypted in the stack file, as ``pulumi config set
    --secret`` does. When ``project_dir`` holds no Pulumi.yaml, a minimal Python project is used.
    """
    bin_dir = bin_dir or find_pulumi_bin_dir()
    command = auto.PulumiCommand(root=str(bin_dir.parent))
    settings = None
    if not (project_dir / "Pulumi.yaml").is_file():
        settings = auto.ProjectSettings(name=project_name, runtime="python")
    options = auto.LocalWorkspaceOptions(
        work_dir=str(project_dir),
        pulumi_command=command,
        env_vars=backend.env(bin_dir),
        project_settings=settings,
    )
    stack = auto.create_or_select_stack(stack_name, project_name=project_name, program=program, opts=options)
    values = {k: auto.ConfigValue(v) for k, v in (config or {}).items()}
    values.update({k: auto.ConfigValue(v, secret=True) for k, v in (secret_config or {}).items()})
    if values:
        stack.set_all_config(values)
    return stack
