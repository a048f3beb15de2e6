"""Credential sources (a)-(d) and GitHub-style OIDC, each through the emulator's token endpoint over TLS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from pulumi_personal_data import ConfigurationError, CredentialError, NoCredentialError
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.seed import default_seed_document
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.certificates import self_signed
from tests.support import (
    FEDERATED,
    GITHUB_REQUEST_TOKEN,
    PROFILE_IDS,
    TENANT_ID,
    WRITER,
    configured_provider,
    removal_posts,
    stack_config,
)

pytestmark = pytest.mark.usefixtures("trust_emulator")


def endpoint_only(emulator: EmulatorServer) -> dict[str, Any]:
    return {"personaldata:endpoint": emulator.graph_url, "personaldata:authorityHost": emulator.base_url}


def assert_removed_by(control: EmulatorControl, app_id: str) -> None:
    post = removal_posts(control)
    assert [(e.status, e.app_id) for e in post] == [(204, app_id)]


def github_token(emulator: EmulatorServer, subject_ok: bool = True) -> str:
    request_token = GITHUB_REQUEST_TOKEN
    resp = requests.get(
        f"{emulator.github_oidc_url}&audience=api://AzureADTokenExchange"
        if "?" in emulator.github_oidc_url
        else f"{emulator.github_oidc_url}?audience=api://AzureADTokenExchange",
        headers={"Authorization": f"Bearer {request_token}"},
        timeout=10,
        verify=str(emulator.ca_path),
    )
    resp.raise_for_status()
    value = resp.json()["value"]
    assert isinstance(value, str)
    return value


def test_a_own_namespace_client_secret(emulator: EmulatorServer, control: EmulatorControl) -> None:
    config = {
        **endpoint_only(emulator),
        "personaldata:tenantId": TENANT_ID,
        "personaldata:clientId": WRITER["appId"],
        "personaldata:clientSecret": WRITER["secrets"][0],
        # (b) is present but wrong: (a) must win field by field.
        "azuread:clientSecret": "wrong-secret",
    }
    configured_provider(config).create({"user_id": PROFILE_IDS[0]})
    assert_removed_by(control, WRITER["appId"])


def test_a_static_access_token(emulator: EmulatorServer, control: EmulatorControl) -> None:
    token = control.mint_token(app_id=WRITER["appId"], expires_in=600)
    config = {**endpoint_only(emulator), "personaldata:accessToken": token}
    configured_provider(config).create({"user_id": PROFILE_IDS[1]})
    assert_removed_by(control, WRITER["appId"])


def test_b_azuread_client_secret(emulator: EmulatorServer, control: EmulatorControl) -> None:
    configured_provider(stack_config(emulator)).create({"user_id": PROFILE_IDS[2]})
    assert_removed_by(control, WRITER["appId"])


def test_b_azuread_oidc_token(emulator: EmulatorServer, control: EmulatorControl) -> None:
    config = {
        **endpoint_only(emulator),
        "azuread:tenantId": TENANT_ID,
        "azuread:clientId": FEDERATED["appId"],
        "azuread:useOidc": "true",
        "azuread:oidcToken": github_token(emulator),
    }
    configured_provider(config).create({"user_id": PROFILE_IDS[3]})
    assert_removed_by(control, FEDERATED["appId"])


def test_b_azuread_oidc_request_url_github_actions_style(
    emulator: EmulatorServer, control: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", emulator.github_oidc_url)
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GITHUB_REQUEST_TOKEN)
    config = {
        **endpoint_only(emulator),
        "azuread:tenantId": TENANT_ID,
        "azuread:clientId": FEDERATED["appId"],
        "azuread:useOidc": True,
    }
    configured_provider(config).create({"user_id": PROFILE_IDS[4]})
    assert_removed_by(control, FEDERATED["appId"])


def test_c_arm_environment_client_secret(
    emulator: EmulatorServer, control: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARM_TENANT_ID", TENANT_ID)
    monkeypatch.setenv("ARM_CLIENT_ID", WRITER["appId"])
    monkeypatch.setenv("ARM_CLIENT_SECRET", WRITER["secrets"][0])
    configured_provider(endpoint_only(emulator)).create({"user_id": PROFILE_IDS[5]})
    assert_removed_by(control, WRITER["appId"])


def test_c_arm_oidc_token_file(
    emulator: EmulatorServer, control: EmulatorControl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = tmp_path / "federated-token"
    token_file.write_text(github_token(emulator))
    monkeypatch.setenv("ARM_TENANT_ID", TENANT_ID)
    monkeypatch.setenv("ARM_CLIENT_ID", FEDERATED["appId"])
    monkeypatch.setenv("ARM_USE_OIDC", "true")
    monkeypatch.setenv("ARM_OIDC_TOKEN_FILE_PATH", str(token_file))
    configured_provider(endpoint_only(emulator)).create({"user_id": PROFILE_IDS[6]})
    assert_removed_by(control, FEDERATED["appId"])


def test_b_config_beats_c_environment(
    emulator: EmulatorServer, control: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARM_CLIENT_SECRET", "wrong-secret-from-env")
    configured_provider(stack_config(emulator)).create({"user_id": PROFILE_IDS[7]})
    assert_removed_by(control, WRITER["appId"])


def test_d_azure_environment_variables(
    emulator: EmulatorServer, control: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT_ID)
    monkeypatch.setenv("AZURE_CLIENT_ID", WRITER["appId"])
    monkeypatch.setenv("AZURE_CLIENT_SECRET", WRITER["secrets"][0])
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.base_url)
    config = {"personaldata:endpoint": emulator.graph_url}
    configured_provider(config).create({"user_id": PROFILE_IDS[8]})
    assert_removed_by(control, WRITER["appId"])


def test_d_workload_identity_token_file(
    emulator: EmulatorServer, control: EmulatorControl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = tmp_path / "azure-federated-token"
    token_file.write_text(github_token(emulator))
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT_ID)
    monkeypatch.setenv("AZURE_CLIENT_ID", FEDERATED["appId"])
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.base_url)
    configured_provider({"personaldata:endpoint": emulator.graph_url}).create({"user_id": PROFILE_IDS[9]})
    assert_removed_by(control, FEDERATED["appId"])


def test_no_credential_lists_every_way_and_sends_nothing(
    emulator: EmulatorServer, control: EmulatorControl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `az`, `azd` or pwsh to fall back on
    monkeypatch.setenv("HOME", str(tmp_path))
    provider = configured_provider(endpoint_only(emulator))
    with pytest.raises(NoCredentialError) as info:
        provider.create({"user_id": PROFILE_IDS[10]})
    text = str(info.value)
    for way in ("personaldata:clientId", "azuread:", "ARM_CLIENT_ID", "AZURE_CLIENT_ID", "useOidc"):
        assert way in text
    assert removal_posts(control) == []


def test_client_id_without_a_secret_names_the_key(emulator: EmulatorServer) -> None:
    config = {**endpoint_only(emulator), "azuread:tenantId": TENANT_ID, "azuread:clientId": WRITER["appId"]}
    with pytest.raises(ConfigurationError) as info:
        configured_provider(config).create({"user_id": PROFILE_IDS[11]})
    assert info.value.field == "azuread:clientId"


def test_wrong_secret_is_a_credential_error_without_the_secret(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    config = stack_config(emulator, **{"azuread:clientSecret": "s3cr3t-but-wrong"})
    with pytest.raises(CredentialError) as info:
        configured_provider(config).create({"user_id": PROFILE_IDS[12]})
    assert "s3cr3t-but-wrong" not in str(info.value)
    assert "client secret (azuread:clientSecret)" in str(info.value)
    assert removal_posts(control) == []


def test_national_cloud_is_refused_before_any_request(emulator: EmulatorServer) -> None:
    config = stack_config(emulator, **{"azuread:environment": "usgovernment"})
    with pytest.raises(ConfigurationError) as info:
        configured_provider(config).create({"user_id": PROFILE_IDS[13]})
    assert info.value.field == "azuread:environment"


def test_plain_http_to_a_remote_host_is_refused() -> None:
    config = {"personaldata:endpoint": "http://graph.example.com/beta", "personaldata:accessToken": "t"}
    with pytest.raises(ConfigurationError) as info:
        configured_provider(config).create({"user_id": PROFILE_IDS[14]})
    assert info.value.field == "personaldata:endpoint"
    assert "https" in info.value.fix


def test_tokens_are_cached_between_requests(emulator: EmulatorServer, control: EmulatorControl) -> None:
    provider = configured_provider(stack_config(emulator))
    for uid in PROFILE_IDS[15:18]:
        provider.create({"user_id": uid})
    token_calls = [e for e in control.journal() if e.path.endswith("/oauth2/v2.0/token")]
    assert len(token_calls) <= 1


def test_a_client_certificate(emulator: EmulatorServer, control: EmulatorControl, tmp_path: Path) -> None:
    import json

    pem_path, cert_pem = self_signed(tmp_path)
    default_seed = default_seed_document()
    app_id = "7a1b2c3d-0000-4000-8000-00000000c0de"
    seed = json.loads(json.dumps(default_seed))
    seed["applications"].append(
        {
            "appId": app_id,
            "displayName": "certificate app",
            "roles": ["CrossTenantUserProfileSharing.ReadWrite.All"],
            "certificates": [cert_pem],
        }
    )
    control.seed(seed)
    try:
        config = {
            **endpoint_only(emulator),
            "personaldata:tenantId": TENANT_ID,
            "personaldata:clientId": app_id,
            "personaldata:clientCertificatePath": str(pem_path),
        }
        configured_provider(config).create({"user_id": PROFILE_IDS[19]})
        assert_removed_by(control, app_id)
    finally:
        control.seed(default_seed)
