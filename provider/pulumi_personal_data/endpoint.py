"""Validation of the Microsoft Graph base URL: where bearer tokens may be sent."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = ["is_loopback_host", "validate_endpoint"]

_OFFICIAL_GRAPH_HOSTS = frozenset({"graph.microsoft.com"})


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_endpoint(url: str, *, field: str = "personaldata:endpoint") -> str:
    """Return ``url`` without a trailing slash, or raise ConfigurationError naming ``field``.

    HTTPS is required except on loopback (the local emulator may run plain HTTP for debugging),
    because the provider sends a bearer token with every request. User info, query strings and
    fragments are refused: they have no meaning for a Graph base URL and could hide a redirect.
    """
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    example = "https://graph.microsoft.com/beta"
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(field, f"{url!r} is not an absolute http(s) URL", f"use {example}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(
            field,
            f"{url!r} uses plain HTTP to a non-loopback host, which would expose the access token",
            f"use https:// (for example {example})",
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(
            field,
            f"{url!r} carries credentials, a query or a fragment",
            f"use a bare base URL like {example}",
        )
    return url.strip().rstrip("/")


def is_official_graph_endpoint(url: str) -> bool:
    """True when ``url`` points at the global Microsoft Graph service."""
    host = (urlsplit(url).hostname or "").lower()
    return host in _OFFICIAL_GRAPH_HOSTS
