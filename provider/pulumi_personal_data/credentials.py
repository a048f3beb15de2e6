"""Credential resolution: which azure-identity credential to use, chosen from config and environment.

Precedence, field by field (the first source that sets a field wins):

(a) this provider's namespace in stack config: ``personaldata:tenantId``, ``clientId``,
    ``clientSecret``, ``clientCertificatePath``, ``clientCertificatePassword``, ``useOidc``,
    ``oidcToken``, ``oidcTokenFilePath``, ``oidcRequestToken``, ``oidcRequestUrl``, ``useMsi``,
    ``useCli`` and ``accessToken`` (a static token, for break-glass runs);
(b) the same keys in the ``azuread:`` namespace that pulumi-azuread stacks already set;
(c) the ``ARM_*`` environment variables of the same names;
(d) when (a)-(c) name no credential: azure-identity's DefaultAzureCredential (``AZURE_*``
    variables, workload identity, Azure CLI, ...). Its managed-identity probe is only enabled where
    a managed-identity endpoint is advertised (``IDENTITY_ENDPOINT``/``MSI_ENDPOINT``) or
    ``useMsi`` is set, so CI runners never wait on an instance-metadata timeout.

Then the kind is chosen in this order: access token, client certificate, client secret,
OIDC/federated (a token, a token file, or a GitHub-Actions-style request URL, which falls back to
``ACTIONS_ID_TOKEN_REQUEST_URL``/``_TOKEN``), managed identity, Azure CLI.

Nothing resolved here is ever pickled: the provider calls this from ``configure()`` and keeps
the result on attributes that are not part of the serialized provider.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    AzureCliCredential,
    CertificateCredential,
    ClientAssertionCredential,
    ClientSecretCredential,
    CredentialUnavailableError,
    DefaultAzureCredential,
    ManagedIdentityCredential,
)

from . import config_keys as keys
from .endpoint import is_loopback_host
from .errors import ConfigurationError, CredentialError, NoCredentialError
from .inputs import normalize_guid
from .settings import ConfigGetter, parse_bool

__all__ = ["CachedTokenProvider", "ResolvedCredential", "StaticTokenCredential", "resolve_credential"]

#: Refresh a cached token this long before it expires.
REFRESH_MARGIN_SECONDS = 300.0


@dataclass(frozen=True)
class _Field:
    value: Any
    source: str  # the config key or environment variable it came from


@dataclass(frozen=True)
class ResolvedCredential:
    """The chosen credential and a human-readable label of where it came from (no secrets)."""

    credential: TokenCredential
    description: str


class StaticTokenCredential:
    """A TokenCredential over a fixed access token (``personaldata:accessToken``).

    The expiry is read from the token's ``exp`` claim when it is a JWT; the signature is not
    checked here (Graph does that), and the token is never logged or rendered.
    """

    def __init__(self, token: str) -> None:
        self._token = token
        self._expires_on = int(time.time()) + 3600
        try:
            import jwt

            claims = jwt.decode(token, options={"verify_signature": False})
            if isinstance(claims.get("exp"), int):
                self._expires_on = claims["exp"]
        except Exception:  # noqa: S110 - an opaque token is allowed; default lifetime applies
            pass

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """Return the configured token."""
        return AccessToken(self._token, self._expires_on)

    def __repr__(self) -> str:
        return "StaticTokenCredential(<redacted>)"


class CachedTokenProvider:
    """Caches a Graph token until shortly before it expires; safe to share between threads.

    Also the one place where azure-identity's authentication errors become CredentialError.
    """

    def __init__(self, resolved: ResolvedCredential, scope: str = keys.GRAPH_SCOPE) -> None:
        self._resolved = resolved
        self._scope = scope
        self._lock = threading.Lock()
        self._cached: AccessToken | None = None

    @property
    def description(self) -> str:
        """Where the credential came from, for messages."""
        return self._resolved.description

    def token(self) -> str:
        """Return a token valid for at least a few more minutes (or as long as it lives)."""
        with self._lock:
            cached = self._cached
            if cached is not None and cached.expires_on - time.time() > REFRESH_MARGIN_SECONDS:
                return cached.token
            try:
                fresh = self._resolved.credential.get_token(self._scope)
            except (ClientAuthenticationError, CredentialUnavailableError) as exc:
                raise CredentialError(self._resolved.description, _first_line(str(exc))) from exc
            self._cached = fresh
            return fresh.token


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "authentication failed"
    return line[:400]


def _layers(config: ConfigGetter, environ: Mapping[str, str]) -> dict[str, _Field]:
    merged: dict[str, _Field] = {}
    for config_key, env_name in keys.CREDENTIAL_KEYS:
        candidates = (
            (f"{keys.NAMESPACE}:{config_key}", config(f"{keys.NAMESPACE}:{config_key}")),
            (f"{keys.AZUREAD_NAMESPACE}:{config_key}", config(f"{keys.AZUREAD_NAMESPACE}:{config_key}")),
            (env_name, environ.get(env_name)),
        )
        for source, value in candidates:
            if value is not None and value != "":
                merged[config_key] = _Field(value, source)
                break
    return merged


def _github_oidc_assertion(url: str, request_token: str) -> Callable[[], str]:
    """A callable that fetches a fresh federated token from a GitHub-Actions-style endpoint."""

    def fetch() -> str:
        sep = "&" if "?" in url else "?"
        try:
            resp = requests.get(
                f"{url}{sep}audience={keys.FEDERATED_TOKEN_AUDIENCE}",
                headers={"Authorization": f"Bearer {request_token}", "Accept": "application/json"},
                timeout=(10, 30),
            )
        except requests.RequestException as exc:
            raise CredentialUnavailableError(f"the OIDC token request failed ({type(exc).__name__})") from exc
        if resp.status_code != 200:
            raise CredentialUnavailableError(f"the OIDC token request returned HTTP {resp.status_code}")
        value = resp.json().get("value") if resp.content else None
        if not isinstance(value, str) or not value:
            raise CredentialUnavailableError("the OIDC token response had no 'value'")
        return value

    return fetch


def _file_assertion(path: str) -> Callable[[], str]:
    def read() -> str:
        # Re-read every time: federated token files are rotated by the platform.
        return Path(path).read_text(encoding="utf-8").strip()

    return read


def resolve_credential(
    config: ConfigGetter, environ: Mapping[str, str], *, authority_host: str
) -> ResolvedCredential:
    """Choose and construct the credential according to the module's precedence rules.

    Raises ConfigurationError (naming the key) for incomplete or contradictory settings; nothing is
    sent to the identity platform here, tokens are only requested on first use.
    """
    fields = _layers(config, environ)
    loopback = is_loopback_host(urlsplit(authority_host).hostname or "")
    common: dict[str, Any] = {
        "authority": authority_host,
        # Instance discovery asks the public cloud about the authority; a local emulator is unknown there.
        "disable_instance_discovery": loopback,
    }

    def value(name: str) -> str | None:
        f = fields.get(name)
        return None if f is None else str(f.value)

    def source(name: str) -> str:
        return fields[name].source

    def flag(name: str) -> bool:
        f = fields.get(name)
        return bool(f and parse_bool(f.value, field_name=f.source))

    # Every configured flag must be a boolean, even when another credential wins: a typo in
    # `useOidc` should fail loudly rather than silently fall back to a secret.
    for name in ("useOidc", "useMsi", "useCli"):
        flag(name)

    access_token = config(f"{keys.NAMESPACE}:{keys.ACCESS_TOKEN}") or environ.get(keys.ENV_ACCESS_TOKEN)
    if access_token:
        label = (
            f"{keys.NAMESPACE}:{keys.ACCESS_TOKEN}"
            if config(f"{keys.NAMESPACE}:{keys.ACCESS_TOKEN}")
            else keys.ENV_ACCESS_TOKEN
        )
        return ResolvedCredential(StaticTokenCredential(str(access_token)), f"static access token ({label})")

    def require_ids(kind: str) -> tuple[str, str]:
        # Name the key that asked for this credential kind, so the message points at the config.
        trigger = next(
            (f.source for n, f in fields.items() if n not in ("tenantId", "clientId", "environment")),
            kind,
        )
        for name in ("tenantId", "clientId"):
            if value(name) is None:
                raise ConfigurationError(
                    f"{keys.NAMESPACE}:{name}",
                    f"{kind} is configured (via {trigger}) but no {name} is set",
                    f"set {keys.NAMESPACE}:{name}, azuread:{name} or ARM_{_snake(name)}",
                )
        tenant = normalize_guid_field(value("tenantId") or "", source("tenantId"))
        client = normalize_guid_field(value("clientId") or "", source("clientId"))
        return tenant, client

    if value("clientCertificatePath") is not None:
        tenant, client = require_ids("a client certificate")
        path = value("clientCertificatePath") or ""
        if not Path(path).is_file():
            raise ConfigurationError(
                source("clientCertificatePath"), f"no file at {path!r}", "point it at a PEM or PFX file"
            )
        cred: TokenCredential = CertificateCredential(
            tenant, client, certificate_path=path, password=value("clientCertificatePassword"), **common
        )
        return ResolvedCredential(cred, f"client certificate ({source('clientCertificatePath')})")

    if value("clientSecret") is not None:
        tenant, client = require_ids("a client secret")
        cred = ClientSecretCredential(tenant, client, value("clientSecret") or "", **common)
        return ResolvedCredential(cred, f"client secret ({source('clientSecret')})")

    oidc_requested = (
        flag("useOidc") or value("oidcToken") is not None or value("oidcTokenFilePath") is not None
    )
    if oidc_requested:
        tenant, client = require_ids("OIDC (workload identity federation)")
        token = value("oidcToken")
        token_file = value("oidcTokenFilePath")
        request_url = value("oidcRequestUrl") or environ.get(keys.ENV_ACTIONS_ID_TOKEN_REQUEST_URL)
        request_token = value("oidcRequestToken") or environ.get(keys.ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN)
        if token is not None:
            fixed = token
            assertion: Callable[[], str] = lambda: fixed  # noqa: E731
            label = f"OIDC token ({source('oidcToken')})"
        elif token_file is not None:
            assertion = _file_assertion(token_file)
            label = f"OIDC token file ({source('oidcTokenFilePath')})"
        elif request_url and request_token:
            assertion = _github_oidc_assertion(request_url, request_token)
            label = "OIDC token from the CI token endpoint (GitHub Actions style)"
        else:
            raise ConfigurationError(
                source("useOidc") if "useOidc" in fields else "useOidc",
                "OIDC is enabled but no token source is set",
                "set oidcToken, oidcTokenFilePath, or oidcRequestUrl + oidcRequestToken "
                "(GitHub Actions provides ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN when the job has "
                "`permissions: id-token: write`)",
            )
        cred = ClientAssertionCredential(tenant, client, assertion, **common)
        return ResolvedCredential(cred, label)

    if flag("useMsi"):
        client_id = value("clientId")
        cred = ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()
        return ResolvedCredential(cred, f"managed identity ({source('useMsi')})")

    if flag("useCli"):
        tenant_id = value("tenantId")
        cred = AzureCliCredential(tenant_id=tenant_id) if tenant_id else AzureCliCredential()
        return ResolvedCredential(cred, f"Azure CLI ({source('useCli')})")

    partial = [
        f.source
        for n, f in fields.items()
        if n in ("clientId", "clientCertificatePassword", "oidcRequestUrl", "oidcRequestToken")
    ]
    if partial:
        raise ConfigurationError(
            partial[0],
            "a client id is configured but no way to authenticate it",
            "also set clientSecret, clientCertificatePath or useOidc in the same place (or useMsi / useCli)",
        )

    managed_identity_here = any(environ.get(name) for name in keys.MANAGED_IDENTITY_ENV_MARKERS)
    dac_kwargs: dict[str, Any] = {
        "exclude_managed_identity_credential": not managed_identity_here,
        "exclude_interactive_browser_credential": True,
        "exclude_visual_studio_code_credential": True,
        "exclude_shared_token_cache_credential": True,
    }
    dac_authority = environ.get(keys.ENV_AZURE_AUTHORITY_HOST) or authority_host
    dac_kwargs["authority"] = dac_authority
    if is_loopback_host(urlsplit(dac_authority).hostname or ""):
        dac_kwargs["disable_instance_discovery"] = True
    return ResolvedCredential(
        _ExplainingCredential(DefaultAzureCredential(**dac_kwargs)),
        "DefaultAzureCredential (AZURE_* variables, workload identity, Azure CLI)",
    )


def _snake(name: str) -> str:
    return "".join(f"_{c}" if c.isupper() else c.upper() for c in name)


def normalize_guid_field(raw: str, source: str) -> str:
    """Normalise a tenant or client id from config, naming its source on failure."""
    try:
        return normalize_guid(source, raw)
    except Exception as exc:
        raise ConfigurationError(source, f"{raw!r} is not a GUID", "use the id shown in Entra ID") from exc


class _ExplainingCredential:
    """Wraps DefaultAzureCredential so that 'nothing configured' becomes NoCredentialError."""

    def __init__(self, inner: DefaultAzureCredential) -> None:
        self._inner = inner

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        try:
            return self._inner.get_token(*scopes, **kwargs)
        except ClientAuthenticationError as exc:
            attempts = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()]
            raise NoCredentialError(attempts[:8]) from exc
