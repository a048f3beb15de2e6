"""The emulator's seed format: parsing and validating a seed (JSON file or dict) into a models.Seed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .models import (
    AppRegistration,
    DirectoryUser,
    FederatedCredential,
    GithubOidcSubject,
    InboundProfile,
    OutboundProfile,
    Seed,
    validate_guid,
)


class SeedError(ValueError):
    """The seed document is invalid; ``where`` names the offending field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"invalid seed at {where}: {problem}")
        self.where = where
        self.problem = problem


def _str(obj: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str) or not value:
        raise SeedError(f"{where}.{key}", "must be a non-empty string")
    return value


def _guid(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = _str(obj, key, where)
    try:
        return validate_guid(value)
    except Exception:
        raise SeedError(f"{where}.{key}", f"'{value}' is not a GUID") from None


def _strs(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SeedError(f"{where}.{key}", "must be a list of strings")
    return tuple(value)


def _items(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SeedError(key, "must be a list of objects")
    return value


def parse_seed(doc: Mapping[str, Any]) -> Seed:
    """Validate a seed document and return the Seed it describes."""
    tenant = doc.get("tenant")
    if not isinstance(tenant, dict):
        raise SeedError("tenant", "must be an object with an id")
    tenant_id = _guid(tenant, "id", "tenant")
    apps = []
    for i, a in enumerate(_items(doc, "applications")):
        where = f"applications[{i}]"
        creds = []
        for j, fc in enumerate(a.get("federatedCredentials", [])):
            fwhere = f"{where}.federatedCredentials[{j}]"
            if not isinstance(fc, dict):
                raise SeedError(fwhere, "must be an object")
            audiences = _strs(fc, "audiences", fwhere) or _strs(fc, "audience", fwhere)
            creds.append(
                FederatedCredential(
                    name=str(fc.get("name", f"credential-{j}")),
                    issuer=_str(fc, "issuer", fwhere),
                    subject=_str(fc, "subject", fwhere),
                    audiences=audiences or ("api://AzureADTokenExchange",),
                )
            )
        apps.append(
            AppRegistration(
                app_id=_guid(a, "appId", where),
                display_name=str(a.get("displayName", "")),
                secrets=_strs(a, "secrets", where),
                roles=_strs(a, "roles", where),
                federated_credentials=tuple(creds),
                certificates=_strs(a, "certificates", where),
            )
        )
    users = [
        DirectoryUser(
            user_id=_guid(u, "id", f"users[{i}]"),
            user_principal_name=_str(u, "userPrincipalName", f"users[{i}]"),
            display_name=str(u.get("displayName", "")),
            directory_roles=_strs(u, "directoryRoles", f"users[{i}]"),
        )
        for i, u in enumerate(_items(doc, "users"))
    ]
    github = [
        GithubOidcSubject(
            request_token=_str(g, "requestToken", f"githubOidc[{i}]"),
            subject=_str(g, "subject", f"githubOidc[{i}]"),
            claims=dict(g.get("claims", {})),
        )
        for i, g in enumerate(_items(doc, "githubOidc"))
    ]
    inbound = [
        InboundProfile(
            user_id=_guid(p, "userId", f"inboundSharedUserProfiles[{i}]"),
            user_principal_name=_str(p, "userPrincipalName", f"inboundSharedUserProfiles[{i}]"),
            display_name=_str(p, "displayName", f"inboundSharedUserProfiles[{i}]"),
            home_tenant_id=_guid(p, "homeTenantId", f"inboundSharedUserProfiles[{i}]"),
        )
        for i, p in enumerate(_items(doc, "inboundSharedUserProfiles"))
    ]
    outbound = []
    for i, p in enumerate(_items(doc, "outboundSharedUserProfiles")):
        where = f"outboundSharedUserProfiles[{i}]"
        tenants = _strs(p, "tenants", where)
        for t in tenants:
            _guid({"tenants": t}, "tenants", where)
        outbound.append(OutboundProfile(_guid(p, "userId", where), tuple(validate_guid(t) for t in tenants)))
    for kind, ids in (
        ("inboundSharedUserProfiles", [p.user_id for p in inbound]),
        ("applications", [a.app_id for a in apps]),
        ("outboundSharedUserProfiles", [p.user_id for p in outbound]),
    ):
        if len(set(ids)) != len(ids):
            raise SeedError(kind, "ids must be unique")
    return Seed(
        tenant_id=tenant_id,
        tenant_display_name=str(tenant.get("displayName", "Emulated tenant")),
        applications=tuple(apps),
        users=tuple(users),
        github_oidc=tuple(github),
        inbound=tuple(inbound),
        outbound=tuple(outbound),
        raw=json.loads(json.dumps(doc)),
    )


def default_seed_document() -> dict[str, Any]:
    """Return the packaged default seed document."""
    text = resources.files(__package__).joinpath("default_seed.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def load_seed(source: Path | Mapping[str, Any] | None) -> Seed:
    """Load a seed from a JSON file, a dict, or the packaged default (None)."""
    if source is None:
        return parse_seed(default_seed_document())
    if isinstance(source, Path):
        try:
            doc = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SeedError(str(source), f"cannot read JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise SeedError(str(source), "must hold a JSON object")
        return parse_seed(doc)
    return parse_seed(source)
