"""The CI examples use only variables and commands the provider and the CLI really read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pulumi_personal_data import config_keys as keys

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
ENV_READ_BY_PROVIDER = {env for _, env in keys.CREDENTIAL_KEYS} | {
    keys.ENV_ACTIONS_ID_TOKEN_REQUEST_URL,
    keys.ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    keys.ENV_ENDPOINT,
}
ENV_READ_BY_PULUMI = {"PULUMI_ACCESS_TOKEN", "PULUMI_STACK"}


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CI / name).read_text())
    assert isinstance(data, dict)
    return data


def commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("pulumi ")]


def test_github_actions_uses_federated_credentials_and_the_policy_pack() -> None:
    workflow = load("github-actions.yml")
    assert workflow["permissions"]["id-token"] == "write"
    env = workflow["env"]
    assert set(env) <= ENV_READ_BY_PROVIDER | ENV_READ_BY_PULUMI
    assert env["ARM_USE_OIDC"] == "true" and {"ARM_TENANT_ID", "ARM_CLIENT_ID"} <= set(env)
    assert "ARM_CLIENT_SECRET" not in (CI / "github-actions.yml").read_text()
    preview_steps = [s["run"] for s in workflow["jobs"]["preview"]["steps"] if "run" in s]
    up_steps = [s["run"] for s in workflow["jobs"]["up"]["steps"] if "run" in s]
    assert any(
        c.startswith("pulumi preview") and "--policy-pack policy" in c
        for s in preview_steps
        for c in commands(s)
    )
    assert not any(c.startswith("pulumi up") for s in preview_steps for c in commands(s))
    ups = [c for s in up_steps for c in commands(s) if c.startswith("pulumi up")]
    assert ups and all("--policy-pack policy" in c and "--yes" in c for c in ups)
    assert workflow["jobs"]["up"]["if"].find("refs/heads/main") >= 0
    # The OIDC request variables GitHub provides are the ones the provider falls back to.
    assert keys.ENV_ACTIONS_ID_TOKEN_REQUEST_URL == "ACTIONS_ID_TOKEN_REQUEST_URL"


def test_azure_pipelines_hands_the_federated_token_to_the_provider() -> None:
    pipeline = load("azure-pipelines.yml")
    variables = pipeline["variables"]
    assert set(variables) <= ENV_READ_BY_PROVIDER | ENV_READ_BY_PULUMI
    assert variables["ARM_USE_OIDC"] == "true"
    scripts = [
        s["inputs"]["inlineScript"] for s in pipeline["steps"] if s.get("task", "").startswith("AzureCLI")
    ]
    assert len(scripts) == 2
    for script in scripts:
        exported = set(re.findall(r"export (\w+)=", script))
        assert exported <= ENV_READ_BY_PROVIDER | {"PATH"}
        assert "ARM_OIDC_TOKEN" in exported
        assert all("--policy-pack policy" in c for c in commands(script))
    assert "ARM_CLIENT_SECRET" not in (CI / "azure-pipelines.yml").read_text()


def test_policy_pack_directory_referenced_by_the_pipelines_exists() -> None:
    root = CI.parents[1]
    assert (root / "policy" / "PulumiPolicy.yaml").is_file()
