"""Credentials via config and environment, permission failures and reruns, upgrades, state hygiene."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.e2e.harness import changed, removal_post_counts
from tests.stack_fixtures import StackFactory, azuread_config
from tests.support import (
    FEDERATED,
    GITHUB_REQUEST_TOKEN,
    NO_ROLES,
    PERSONAL_STRINGS,
    PROFILE_IDS,
    TENANT_ID,
    WRITER,
)

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def removed_by(control: EmulatorControl) -> set[str]:
    return {
        e.app_id or "none"
        for e in control.journal()
        if e.method == "POST" and e.path.endswith("/removePersonalData") and e.status == 204
    }


def test_client_secret_through_environment_variables(
    make_stack: StackFactory, emulator: EmulatorServer, control: EmulatorControl
) -> None:
    stack = make_stack(
        config={"personaldata:endpoint": emulator.graph_url},
        env={
            "ARM_TENANT_ID": TENANT_ID,
            "ARM_CLIENT_ID": WRITER["appId"],
            "ARM_CLIENT_SECRET": WRITER["secrets"][0],
            "PULUMI_PERSONAL_DATA_AUTHORITY_HOST": emulator.base_url,
        },
    )
    stack.users = PROFILE_IDS[:2]
    stack.up()
    assert removed_by(control) == {WRITER["appId"]}


def test_github_style_oidc_through_azuread_config(
    make_stack: StackFactory, emulator: EmulatorServer, control: EmulatorControl
) -> None:
    config = {**azuread_config(emulator, FEDERATED), "azuread:useOidc": "true"}
    stack = make_stack(
        config=config,
        env={
            "ACTIONS_ID_TOKEN_REQUEST_URL": emulator.github_oidc_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": GITHUB_REQUEST_TOKEN,
        },
    )
    stack.users = PROFILE_IDS[:2]
    stack.up()
    assert removed_by(control) == {FEDERATED["appId"]}


def test_oidc_token_file_through_environment_variables(
    make_stack: StackFactory, emulator: EmulatorServer, control: EmulatorControl, tmp_path: Path
) -> None:
    token_file = tmp_path / "federated.jwt"
    token_file.write_text(control.mint_federated_token(FEDERATED["federatedCredentials"][0]["subject"]))
    stack = make_stack(
        config={"personaldata:endpoint": emulator.graph_url},
        env={
            "ARM_TENANT_ID": TENANT_ID,
            "ARM_CLIENT_ID": FEDERATED["appId"],
            "ARM_USE_OIDC": "true",
            "ARM_OIDC_TOKEN_FILE_PATH": str(token_file),
            "PULUMI_PERSONAL_DATA_AUTHORITY_HOST": emulator.base_url,
        },
    )
    stack.users = PROFILE_IDS[:1]
    stack.up()
    assert removed_by(control) == {FEDERATED["appId"]}


def test_missing_permission_fails_cleanly_and_rerun_completes_without_duplicates(
    make_stack: StackFactory, emulator: EmulatorServer, control: EmulatorControl
) -> None:
    stack = make_stack(
        config=azuread_config(emulator, NO_ROLES),
        secret_config={"azuread:clientSecret": NO_ROLES["secrets"][0]},
    )
    stack.users = PROFILE_IDS[:4]
    with pytest.raises(Exception) as info:
        stack.up()
    text = str(info.value)
    assert "Authorization_RequestDenied" in text
    assert "CrossTenantUserProfileSharing.ReadWrite.All" in text
    assert stack.resources() == []

    control.set_app_roles(NO_ROLES["appId"], ["CrossTenantUserProfileSharing.ReadWrite.All"])
    stack.up()
    assert stack.statuses() == ["requested"] * 4
    accepted = [
        e
        for e in control.journal()
        if e.method == "POST" and e.status == 204 and e.path.endswith("/removePersonalData")
    ]
    assert sorted(e.path.rsplit("/", 2)[-2] for e in accepted) == sorted(PROFILE_IDS[:4])


def test_state_holds_no_secret_token_or_personal_data(
    make_stack: StackFactory, control: EmulatorControl
) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:5]
    stack.up()
    stack.refresh()
    text = stack.export_text()
    assert WRITER["secrets"][0] not in text
    assert "eyJ" not in text  # no JWT (access or federated token)
    for personal in PERSONAL_STRINGS:
        assert personal not in text
    resources = stack.resources()
    assert len(resources) == 5
    for resource in resources:
        provider = resource["outputs"]["__provider"]
        assert isinstance(provider, str), "the provider must not be stored as a secret"
        assert len(provider) < 200
        assert b"RemovalProvider" in base64.b64decode(provider)
    assert all(line.count("eyJ") == 0 for line in stack.output)


def _install_bumped_copy(target: Path, version: str) -> None:
    """Build the package at ``version`` from a copy of the source and install it into ``target``."""
    src = target.parent / "src"
    shutil.copytree(
        REPO / "provider", src / "provider", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        (src / name).write_text((REPO / name).read_text())
    pyproject = src / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', f'version = "{version}"', 1))
    init = src / "provider" / "pulumi_personal_data" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "0.1.0"', f'__version__ = "{version}"', 1))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        timeout=300,
    )


def test_upgrade_to_a_new_package_version_changes_nothing(
    make_stack: StackFactory, control: EmulatorControl, tmp_path: Path
) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:3]
    stack.up()
    upgraded = tmp_path / "site"
    _install_bumped_copy(upgraded, "0.2.0")
    # The provider process now imports the upgraded package first; the program is unchanged.
    workspace = stack.stack.workspace
    workspace.env_vars = {
        **workspace.env_vars,
        "PYTHONPATH": str(upgraded),
        "PULUMI_PERSONAL_DATA_LOG_LEVEL": "INFO",
    }
    preview = stack.preview(diff=True)
    assert changed(preview.change_summary) == {}
    result = stack.up(expect_no_changes=True)
    assert changed(result.summary.resource_changes) == {}
    stack.refresh()
    assert any("pulumi-personal-data 0.2.0" in line for line in stack.output), "upgraded code did not run"
    assert sum(removal_post_counts(control).values()) == 3
    deployment = json.loads(stack.export_text())["deployment"]
    assert all(
        r["outputs"].get("status") == "requested"
        for r in deployment["resources"]
        if "user_id" in r.get("outputs", {})
    )
