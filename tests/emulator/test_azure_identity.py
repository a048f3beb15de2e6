"""Unmodified azure-identity credentials against the emulator: each flow gets a token and calls Graph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    CertificateCredential,
    ClientAssertionCredential,
    ClientSecretCredential,
    EnvironmentCredential,
    WorkloadIdentityCredential,
)

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.seed import default_seed_document
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.certificates import self_signed

from .conftest import (
    EXAMPLE_USER_ID,
    FEDERATED_APP,
    GITHUB_REQUEST_TOKEN,
    GRAPH_SCOPE,
    INBOUND,
    WRITER_APP,
    WRITER_SECRET,
)


@pytest.fixture
def trusted(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Make the emulator's CA the trusted bundle for this test only; yield its path."""
    ca = str(emulator.ca_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    monkeypatch.setenv("SSL_CERT_FILE", ca)
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_USERNAME",
        "AZURE_PASSWORD",
        "AZURE_AUTHORITY_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    yield ca


def _remove_with(server: EmulatorServer, token: str, ca: str) -> int:
    response = requests.post(
        f"{server.graph_url}{INBOUND}/{EXAMPLE_USER_ID}/removePersonalData",
        headers={"Authorization": f"Bearer {token}"},
        verify=ca,
        timeout=10,
    )
    return response.status_code


def _github_federated_token(server: EmulatorServer, ca: str) -> str:
    response = requests.get(
        server.github_oidc_url + "&audience=api://AzureADTokenExchange",
        headers={"Authorization": f"Bearer {GITHUB_REQUEST_TOKEN}"},
        verify=ca,
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["value"])


def test_client_secret_credential(emulator: EmulatorServer, trusted: str) -> None:
    credential = ClientSecretCredential(
        emulator.tenant_id,
        WRITER_APP,
        WRITER_SECRET,
        authority=emulator.authority,
        disable_instance_discovery=True,
        connection_verify=trusted,
    )
    token = credential.get_token(GRAPH_SCOPE)
    assert token.expires_on > 0
    assert _remove_with(emulator, token.token, trusted) == 204


def test_client_secret_credential_wrong_secret(emulator: EmulatorServer, trusted: str) -> None:
    credential = ClientSecretCredential(
        emulator.tenant_id,
        WRITER_APP,
        "wrong-secret",
        authority=emulator.authority,
        disable_instance_discovery=True,
        connection_verify=trusted,
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(GRAPH_SCOPE)


def test_environment_credential(
    emulator: EmulatorServer, trusted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_TENANT_ID", emulator.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", WRITER_APP)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", WRITER_SECRET)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.authority)
    credential = EnvironmentCredential(disable_instance_discovery=True, connection_verify=trusted)
    assert _remove_with(emulator, credential.get_token(GRAPH_SCOPE).token, trusted) == 204


def test_client_assertion_credential_with_github_oidc(emulator: EmulatorServer, trusted: str) -> None:
    # The assertion callback does what a GitHub workflow does with ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN.
    credential = ClientAssertionCredential(
        emulator.tenant_id,
        FEDERATED_APP,
        lambda: _github_federated_token(emulator, trusted),
        authority=emulator.authority,
        disable_instance_discovery=True,
        connection_verify=trusted,
    )
    assert _remove_with(emulator, credential.get_token(GRAPH_SCOPE).token, trusted) == 204


def test_client_assertion_credential_wrong_subject(
    emulator: EmulatorServer, ctl: EmulatorControl, trusted: str
) -> None:
    foreign = ctl.mint_federated_token("repo:someone/else:ref:refs/heads/main")
    credential = ClientAssertionCredential(
        emulator.tenant_id,
        FEDERATED_APP,
        lambda: foreign,
        authority=emulator.authority,
        disable_instance_discovery=True,
        connection_verify=trusted,
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS700213"):
        credential.get_token(GRAPH_SCOPE)


def test_workload_identity_credential_with_token_file(
    emulator: EmulatorServer, trusted: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "federated-token"
    token_file.write_text(_github_federated_token(emulator, trusted))
    monkeypatch.setenv("AZURE_TENANT_ID", emulator.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", FEDERATED_APP)
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.authority)
    credential = WorkloadIdentityCredential(disable_instance_discovery=True, connection_verify=trusted)
    assert _remove_with(emulator, credential.get_token(GRAPH_SCOPE).token, trusted) == 204


def test_certificate_credential(
    emulator: EmulatorServer, ctl: EmulatorControl, trusted: str, tmp_path: Path
) -> None:
    pem_path, cert_pem = self_signed(tmp_path)
    cert_app = "4f1e0d5c-6a7b-4c9d-8e3f-4a5b6c7d8e9f"
    doc = default_seed_document()
    doc["applications"].append(
        {
            "appId": cert_app,
            "displayName": "cert app",
            "certificates": [cert_pem],
            "roles": ["CrossTenantUserProfileSharing.ReadWrite.All"],
        }
    )
    ctl.seed(doc)
    try:
        credential = CertificateCredential(
            emulator.tenant_id,
            cert_app,
            certificate_path=str(pem_path),
            authority=emulator.authority,
            disable_instance_discovery=True,
            connection_verify=trusted,
        )
        assert _remove_with(emulator, credential.get_token(GRAPH_SCOPE).token, trusted) == 204
        other_path, _ = self_signed(tmp_path / "other")  # a key the app does not know
        stranger = CertificateCredential(
            emulator.tenant_id,
            cert_app,
            certificate_path=str(other_path),
            authority=emulator.authority,
            disable_instance_discovery=True,
            connection_verify=trusted,
        )
        with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
            stranger.get_token(GRAPH_SCOPE)
    finally:
        ctl.seed(default_seed_document())
