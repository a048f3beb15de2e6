"""Fixtures for the emulator tests: one HTTPS emulator per session, reset before every test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorConfig, EmulatorServer

# Ids from the packaged default seed (default_seed.json).
TENANT_ID = "4f7a3c1e-8b2d-4e6f-9a1b-2c3d4e5f6a7b"
PARTNER_TENANT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
FABRIKAM_TENANT_ID = "b3a2c1d0-e9f8-4a7b-8c6d-5e4f3a2b1c0d"
EXAMPLE_USER_ID = "c228b2ae-c4fb-4eda-9620-7e73dddd1cac"
WRITER_APP = "0b7a6f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
WRITER_SECRET = "demo-secret-do-not-use-in-production"
READER_APP = "1c8b7a2f-3d4e-4f6a-9b0c-1d2e3f4a5b6c"
READER_SECRET = "reader-secret-do-not-use"
NOROLE_APP = "2d9c8b3a-4e5f-4a7b-8c1d-2e3f4a5b6c7d"
FEDERATED_APP = "3e0d9c4b-5f6a-4b8c-9d2e-3f4a5b6c7d8e"
GITHUB_SUBJECT = "repo:contoso/offboarding:ref:refs/heads/main"
GITHUB_REQUEST_TOKEN = "github-request-token-do-not-use"
ADMIN_UPN = "admin@contoso.example"
PLAIN_UPN = "pat.plain@contoso.example"
OUTBOUND_USER = "7c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
INBOUND = "/directory/inboundSharedUserProfiles"


@dataclass
class Graph:
    """A thin HTTPS client for Graph calls in tests; verify is per request so the env cannot override it."""

    server: EmulatorServer
    session: requests.Session
    token: str | None = None

    def request(
        self, method: str, path: str, *, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        """Call ``graph_url + path`` with the test's bearer token (or ``token``)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        bearer = token if token is not None else self.token
        if bearer:
            headers.setdefault("Authorization", f"Bearer {bearer}")
        headers.setdefault("client-request-id", str(uuid.uuid4()))
        url = path if path.startswith("https://") else self.server.graph_url + path
        return self.session.request(
            method, url, headers=headers, verify=str(self.server.ca_path), timeout=10, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET ``path``."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST ``path``."""
        return self.request("POST", path, **kwargs)

    def remove(self, user_id: str, **kwargs: Any) -> requests.Response:
        """POST removePersonalData for an inbound profile."""
        return self.post(f"{INBOUND}/{user_id}/removePersonalData", **kwargs)


def app_token(server: EmulatorServer, app_id: str, secret: str) -> str:
    """Get an app-only token from the emulator's token endpoint with a client secret."""
    response = requests.post(
        f"{server.base_url}/{server.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app_id,
            "client_secret": secret,
            "scope": GRAPH_SCOPE,
        },
        verify=str(server.ca_path),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def assert_graph_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Check status and Graph's error body shape; return the error object."""
    assert response.status_code == status, response.text
    body = response.json()
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    inner = error["innerError"]
    assert set(inner) == {"date", "request-id", "client-request-id"}
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    return dict(error)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    """One HTTPS emulator for the session; removals complete only on demand."""
    with EmulatorServer(EmulatorConfig(port=0, processing_delay=None)) as server:
        yield server


@pytest.fixture(scope="session")
def ctl(emulator: EmulatorServer) -> Iterator[EmulatorControl]:
    """Control client for the session emulator."""
    control = EmulatorControl(emulator.base_url, emulator.ca_path)
    yield control
    control.close()


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> None:
    # Only tests using the shared emulator need it back at the seed state.
    if "emulator" in request.fixturenames:
        request.getfixturevalue("ctl").reset()


@pytest.fixture(scope="session")
def writer_token(emulator: EmulatorServer) -> str:
    """A ReadWrite.All app token from the real token endpoint."""
    return app_token(emulator, WRITER_APP, WRITER_SECRET)


@pytest.fixture
def graph(emulator: EmulatorServer, writer_token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Graph]:
    """A Graph client authenticated as the ReadWrite.All demo app."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
    session = requests.Session()
    yield Graph(emulator, session, writer_token)
    session.close()
