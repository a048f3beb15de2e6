"""Runs `pulumi up` for an offboarding stack in its own process, so a test can SIGKILL it midway.

Usage: python -m tests.reliability.killable_up <work dir> <emulator info json>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


class _Endpoint:
    """The attributes of EmulatorServer the harness reads, from the running emulator's info."""

    def __init__(self, info: dict[str, str]) -> None:
        self.graph_url = info["graph_url"]
        self.base_url = info["base_url"]
        self.ca_path = Path(info["ca_path"])


def main() -> None:
    from tests.e2e.harness import OffboardingStack
    from tests.stack_fixtures import azuread_config
    from tests.support import WRITER

    work = Path(sys.argv[1])
    info = json.loads(sys.argv[2])
    users = json.loads((work / "users.json").read_text())
    emulator = _Endpoint(info)
    stack = OffboardingStack(
        work,
        emulator,  # type: ignore[arg-type]  # duck-typed: the emulator runs in the parent test
        config=azuread_config(emulator),  # type: ignore[arg-type]
        secret_config={"azuread:clientSecret": WRITER["secrets"][0]},
    )
    stack.users = users
    stack.up()


if __name__ == "__main__":
    main()
