"""Authentication and authorization on Graph, and the token endpoint's errors and discovery documents."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
import requests

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer

from .conftest import (
    ADMIN_UPN,
    EXAMPLE_USER_ID,
    GRAPH_SCOPE,
    INBOUND,
    NOROLE_APP,
    PLAIN_UPN,
    READER_APP,
    READER_SECRET,
    TENANT_ID,
    WRITER_APP,
    Graph,
    app_token,
    assert_graph_error,
)


def _token_call(server: EmulatorServer, tenant: str | None = None, **form: str) -> requests.Response:
    return requests.post(
        f"{server.base_url}/{tenant or server.tenant_id}/oauth2/v2.0/token",
        data=form,
        verify=str(server.ca_path),
        timeout=10,
    )


def _unauthorized(response: requests.Response) -> None:
    assert_graph_error(response, 401, "InvalidAuthenticationToken")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_access_token_claims(emulator: EmulatorServer, writer_token: str) -> None:
    claims = jwt.decode(writer_token, options={"verify_signature": False})
    header = jwt.get_unverified_header(writer_token)
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["tid"] == TENANT_ID and claims["appid"] == WRITER_APP == claims["azp"]
    assert claims["roles"] == ["CrossTenantUserProfileSharing.ReadWrite.All"]
    assert claims["iss"] == f"{emulator.base_url}/{TENANT_ID}/v2.0"
    assert claims["exp"] > claims["iat"] and "nbf" in claims and "wids" in claims
    keys = requests.get(
        f"{emulator.base_url}/{TENANT_ID}/discovery/v2.0/keys", verify=str(emulator.ca_path), timeout=10
    ).json()
    jwk = next(k for k in keys["keys"] if k["kid"] == header["kid"])
    public_key: Any = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    jwt.decode(writer_token, public_key, algorithms=["RS256"], audience="https://graph.microsoft.com")


def test_discovery_document(emulator: EmulatorServer) -> None:
    doc = requests.get(
        f"{emulator.base_url}/{TENANT_ID}/v2.0/.well-known/openid-configuration",
        verify=str(emulator.ca_path),
        timeout=10,
    ).json()
    assert doc["issuer"] == f"{emulator.base_url}/{TENANT_ID}/v2.0"
    assert doc["token_endpoint"] == f"{emulator.base_url}/{TENANT_ID}/oauth2/v2.0/token"
    assert doc["jwks_uri"].endswith("/discovery/v2.0/keys")
    unknown = requests.get(
        f"{emulator.base_url}/not-a-tenant/v2.0/.well-known/openid-configuration",
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_tenant"


def test_missing_token(graph: Graph) -> None:
    _unauthorized(graph.get(INBOUND, token=""))
    _unauthorized(graph.get(INBOUND, headers={"Authorization": "Basic abc"}))
    _unauthorized(graph.get(INBOUND, token="not.a.jwt"))


def test_expired_token(graph: Graph, ctl: EmulatorControl) -> None:
    _unauthorized(graph.get(INBOUND, token=ctl.mint_token(app_id=WRITER_APP, expires_in=-120)))


def test_badly_signed_token(graph: Graph, ctl: EmulatorControl) -> None:
    _unauthorized(graph.get(INBOUND, token=ctl.mint_token(app_id=WRITER_APP, untrusted_key=True)))


def test_wrong_audience(graph: Graph, ctl: EmulatorControl) -> None:
    token = ctl.mint_token(app_id=WRITER_APP, audience="https://management.azure.com")
    response = graph.get(INBOUND, token=token)
    _unauthorized(response)
    assert "audience" in response.json()["error"]["message"]


def test_graph_resource_id_audience_is_accepted(graph: Graph, ctl: EmulatorControl) -> None:
    token = ctl.mint_token(app_id=WRITER_APP, audience="00000003-0000-0000-c000-000000000000")
    assert graph.get(INBOUND, token=token).status_code == 200


def test_other_tenant_token_is_rejected(graph: Graph, ctl: EmulatorControl) -> None:
    token = ctl.mint_token(app_id=WRITER_APP, tenant_id="11111111-1111-1111-1111-111111111111")
    _unauthorized(graph.get(INBOUND, token=token))


def test_read_only_app_cannot_remove(graph: Graph, emulator: EmulatorServer, ctl: EmulatorControl) -> None:
    reader = app_token(emulator, READER_APP, READER_SECRET)
    assert graph.get(INBOUND, token=reader).status_code == 200
    assert graph.get(f"{INBOUND}/{EXAMPLE_USER_ID}", token=reader).status_code == 200
    assert_graph_error(graph.remove(EXAMPLE_USER_ID, token=reader), 403, "Authorization_RequestDenied")
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"


def test_app_without_roles_cannot_read(graph: Graph, ctl: EmulatorControl) -> None:
    token = ctl.mint_token(app_id=NOROLE_APP)
    assert_graph_error(graph.get(INBOUND, token=token), 403, "Authorization_RequestDenied")
    assert_graph_error(graph.remove(EXAMPLE_USER_ID, token=token), 403, "Authorization_RequestDenied")


def test_permission_denied_before_not_found(graph: Graph, ctl: EmulatorControl) -> None:
    token = ctl.mint_token(app_id=NOROLE_APP)
    response = graph.remove("00000000-0000-0000-0000-000000000000", token=token)
    assert_graph_error(response, 403, "Authorization_RequestDenied")


@pytest.mark.parametrize(
    ("user", "scopes", "roles", "list_status", "remove_status"),
    [
        (ADMIN_UPN, ["CrossTenantUserProfileSharing.ReadWrite.All"], None, 200, 204),
        (ADMIN_UPN, ["CrossTenantUserProfileSharing.ReadWrite"], None, 403, 204),
        (ADMIN_UPN, ["CrossTenantUserProfileSharing.Read.All"], None, 200, 403),
        (PLAIN_UPN, ["CrossTenantUserProfileSharing.ReadWrite.All"], None, 403, 403),
        (PLAIN_UPN, ["CrossTenantUserProfileSharing.ReadWrite.All"], ["Global Reader"], 200, 403),
    ],
)
def test_delegated_permissions(
    *,
    graph: Graph,
    ctl: EmulatorControl,
    user: str,
    scopes: list[str],
    roles: list[str] | None,
    list_status: int,
    remove_status: int,
) -> None:
    token = ctl.mint_token(user=user, scopes=scopes, directory_roles=roles)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scp"] == " ".join(scopes) and "roles" not in claims
    assert graph.get(INBOUND, token=token).status_code == list_status
    assert graph.remove(EXAMPLE_USER_ID, token=token).status_code == remove_status


def test_wrong_secret(emulator: EmulatorServer) -> None:
    response = _token_call(
        emulator,
        grant_type="client_credentials",
        client_id=WRITER_APP,
        client_secret="wrong",
        scope=GRAPH_SCOPE,
    )
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"].startswith("AADSTS7000215")
    assert body["error_codes"] == [7000215]


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        (
            {
                "grant_type": "client_credentials",
                "client_id": "99999999-9999-9999-9999-999999999999",
                "client_secret": "x",
                "scope": GRAPH_SCOPE,
            },
            400,
            "unauthorized_client",
            700016,
        ),
        (
            {"grant_type": "password", "client_id": WRITER_APP, "scope": GRAPH_SCOPE},
            400,
            "unsupported_grant_type",
            70003,
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": WRITER_APP,
                "client_secret": "x",
                "scope": "https://graph.microsoft.com/User.Read",
            },
            400,
            "invalid_scope",
            1002012,
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": WRITER_APP,
                "client_secret": "x",
                "scope": "https://management.azure.com/.default",
            },
            400,
            "invalid_resource",
            500011,
        ),
        (
            {"grant_type": "client_credentials", "client_id": WRITER_APP, "scope": GRAPH_SCOPE},
            401,
            "invalid_client",
            7000218,
        ),
        ({"grant_type": "client_credentials", "scope": GRAPH_SCOPE}, 400, "invalid_request", 900144),
    ],
)
def test_token_endpoint_errors(
    emulator: EmulatorServer, form: dict[str, str], status: int, error: str, code: int
) -> None:
    response = _token_call(emulator, **form)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}:")


def test_unknown_tenant_at_token_endpoint(emulator: EmulatorServer) -> None:
    response = _token_call(
        emulator,
        tenant="22222222-2222-2222-2222-222222222222",
        grant_type="client_credentials",
        client_id=WRITER_APP,
        client_secret="x",
        scope=GRAPH_SCOPE,
    )
    assert response.status_code == 400 and response.json()["error_codes"] == [90002]


def test_federated_assertion_errors(emulator: EmulatorServer, ctl: EmulatorControl) -> None:
    from .conftest import FEDERATED_APP, GITHUB_SUBJECT

    def exchange(assertion: str) -> requests.Response:
        return _token_call(
            emulator,
            grant_type="client_credentials",
            client_id=FEDERATED_APP,
            scope=GRAPH_SCOPE,
            client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion=assertion,
        )

    assert exchange(ctl.mint_federated_token(GITHUB_SUBJECT)).status_code == 200
    wrong_subject = exchange(ctl.mint_federated_token("repo:evil/fork:ref:refs/heads/main"))
    assert wrong_subject.status_code == 400 and wrong_subject.json()["error_codes"] == [700213]
    wrong_audience = exchange(ctl.mint_federated_token(GITHUB_SUBJECT, audience="api://other"))
    assert wrong_audience.json()["error_codes"] == [700212]
    expired = exchange(ctl.mint_federated_token(GITHUB_SUBJECT, expires_in=-60))
    assert expired.json()["error_codes"] == [700024]
    assert exchange("garbage").json()["error_codes"] == [50027]
    foreign = jwt.encode(
        {"iss": "https://elsewhere.example", "sub": GITHUB_SUBJECT, "exp": 9999999999}, "k" * 32
    )
    assert exchange(foreign).json()["error_codes"] == [700211]


def test_github_oidc_endpoint(emulator: EmulatorServer) -> None:
    url = emulator.github_oidc_url + "&audience=api://AzureADTokenExchange"
    ok = requests.get(
        url,
        headers={"Authorization": "Bearer github-request-token-do-not-use"},
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert ok.status_code == 200
    claims = jwt.decode(ok.json()["value"], options={"verify_signature": False})
    assert claims["aud"] == "api://AzureADTokenExchange"
    assert claims["sub"] == "repo:contoso/offboarding:ref:refs/heads/main"
    assert claims["iss"] == f"{emulator.base_url}/github-actions"
    bad = requests.get(
        url, headers={"Authorization": "Bearer nope"}, verify=str(emulator.ca_path), timeout=10
    )
    assert bad.status_code == 401
    missing = requests.get(url, verify=str(emulator.ca_path), timeout=10)
    assert missing.status_code == 401
