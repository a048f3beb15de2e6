"""Fixtures for tests through the real CLI: the pinned CLI check and a fresh offboarding stack per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from pulumi_personal_data.local_stack import find_pulumi_bin_dir
from tests.e2e.harness import OffboardingStack
from tests.support import TENANT_ID, WRITER


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    """The pinned CLI must be there: a missing CLI is an error, never a skip."""
    bin_dir = find_pulumi_bin_dir()
    assert (bin_dir / "pulumi").is_file(), bin_dir
    assert (bin_dir / "pulumi-resource-pulumi-python").is_file(), bin_dir
    return bin_dir


def azuread_config(emulator: EmulatorServer, app: dict[str, Any] | None = None) -> dict[str, str]:
    """Non-secret stack config for an app of the default seed."""
    app = app or WRITER
    return {
        "personaldata:endpoint": emulator.graph_url,
        "personaldata:authorityHost": emulator.base_url,
        "azuread:tenantId": TENANT_ID,
        "azuread:clientId": app["appId"],
    }


StackFactory = Callable[..., OffboardingStack]


@pytest.fixture
def make_stack(
    tmp_path: Path, emulator: EmulatorServer, control: EmulatorControl, pulumi_cli: Path
) -> Iterator[StackFactory]:
    """Build an OffboardingStack; defaults to the writer app's client secret in azuread:* config."""
    made: list[OffboardingStack] = []

    def factory(
        *,
        config: dict[str, str] | None = None,
        secret_config: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        name: str = "s",
    ) -> OffboardingStack:
        if config is None:
            config = azuread_config(emulator)
            secret_config = {"azuread:clientSecret": WRITER["secrets"][0], **(secret_config or {})}
        stack = OffboardingStack(
            tmp_path / name, emulator, config=config, secret_config=secret_config, env=env
        )
        made.append(stack)
        return stack

    yield factory
