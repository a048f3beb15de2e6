"""Test helpers: the default seed's identities and a provider configured like the engine does it."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_personal_data import RemovalProvider
from pulumi_personal_data.emulator.control_client import EmulatorControl, JournalEntry
from pulumi_personal_data.emulator.seed import default_seed_document
from pulumi_personal_data.emulator.server import EmulatorServer

_SEED: dict[str, Any] = default_seed_document()
TENANT_ID: str = _SEED["tenant"]["id"]


def _app(role_fragment: str | None, *, federated: bool = False) -> dict[str, Any]:
    for app in _SEED["applications"]:
        if federated != bool(app.get("federatedCredentials")):
            continue
        roles = app.get("roles", [])
        if role_fragment is None and not roles:
            return dict(app)
        if role_fragment is not None and any(r.endswith(role_fragment) for r in roles):
            return dict(app)
    raise LookupError(role_fragment)


WRITER = _app("ReadWrite.All")
READER = _app("Read.All")
NO_ROLES = _app(None)
FEDERATED = _app("ReadWrite.All", federated=True)
PROFILES: list[dict[str, Any]] = list(_SEED["inboundSharedUserProfiles"])
PROFILE_IDS: list[str] = [p["userId"] for p in PROFILES]
PERSONAL_STRINGS: list[str] = [p[k] for p in PROFILES for k in ("userPrincipalName", "displayName")]
GITHUB_REQUEST_TOKEN: str = _SEED["githubOidc"][0]["requestToken"]
API_PAGE_USER = "c228b2ae-c4fb-4eda-9620-7e73dddd1cac"
UNKNOWN_USER = "0f0f0f0f-1111-4222-8333-944445555666"


def stack_config(
    emulator: EmulatorServer, app: dict[str, Any] | None = None, /, **extra: str
) -> dict[str, Any]:
    """Stack config as the engine hands it to configure(): azuread:* keys plus our endpoint."""
    app = WRITER if app is None else app
    config: dict[str, Any] = {
        "personaldata:endpoint": emulator.graph_url,
        "personaldata:authorityHost": emulator.base_url,
        "azuread:tenantId": TENANT_ID,
        "azuread:clientId": app["appId"],
    }
    if app.get("secrets"):
        config["azuread:clientSecret"] = app["secrets"][0]
    config.update(extra)
    return config


def configured_provider(config: dict[str, Any], project: str = "offboarding") -> RemovalProvider:
    """A RemovalProvider configured exactly as pulumi.dynamic's provider process does it."""
    provider = RemovalProvider()
    provider.configure(ConfigureRequest(Config(raw_config=config, project_name=project)))
    return provider


def graph_calls(control: EmulatorControl) -> list[JournalEntry]:
    """Journal entries of Graph requests only (the token endpoint is journaled too)."""
    return [e for e in control.journal() if e.path.startswith("/beta/")]


def removal_posts(control: EmulatorControl) -> list[JournalEntry]:
    """Journal entries of removePersonalData POSTs."""
    return [e for e in graph_calls(control) if e.method == "POST" and e.path.endswith("/removePersonalData")]
