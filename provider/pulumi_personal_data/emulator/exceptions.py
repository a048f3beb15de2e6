"""Domain errors of the emulator, named after Graph and Entra error codes, and their single wire dispatcher.

Hierarchy::

    EmulatorError                      base; never raised directly
    ├── GraphError                     rendered as Graph's {"error": {...}} body
    │   ├── BadRequest                 400 BadRequest
    │   ├── InvalidAuthenticationToken 401 InvalidAuthenticationToken (+ WWW-Authenticate)
    │   ├── AuthorizationRequestDenied 403 Authorization_RequestDenied
    │   ├── ResourceNotFound           404 Request_ResourceNotFound (a profile or object)
    │   ├── UnknownResource            404 UnknownResource (no such route)
    │   ├── MethodNotAllowed           405 MethodNotAllowed
    │   ├── TooManyRequests            429 TooManyRequests (+ Retry-After)
    │   ├── InternalServerError        500 generalException
    │   ├── ServiceUnavailable         503 serviceNotAvailable
    │   └── GatewayTimeout             504 GatewayTimeout
    ├── AadError                       rendered as Entra's token body {"error", "error_description"}
    └── GithubOidcError                rendered as GitHub's {"message": ...} body
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class EmulatorError(Exception):
    """Base of every error the emulator answers with; ``status`` is the HTTP status."""

    status: ClassVar[int] = 500

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})


class GraphError(EmulatorError):
    """An error of the Graph API surface, carrying Graph's ``error.code``."""

    code: ClassVar[str] = "UnknownError"


class BadRequest(GraphError):
    """The request is malformed (bad id, forbidden body, bad query option, bad batch)."""

    status = 400
    code = "BadRequest"


class InvalidAuthenticationToken(GraphError):
    """The bearer token is missing, expired, badly signed or meant for another audience."""

    status = 401
    code = "InvalidAuthenticationToken"

    def __init__(self, message: str, *, authorization_uri: str) -> None:
        # Graph points clients at the authority in WWW-Authenticate; error/description follow RFC 6750.
        challenge = (
            f'Bearer realm="", authorization_uri="{authorization_uri}", '
            f'client_id="00000003-0000-0000-c000-000000000000", error="invalid_token", '
            f'error_description="{message}"'
        )
        super().__init__(message, headers={"WWW-Authenticate": challenge})


class AuthorizationRequestDenied(GraphError):
    """The token is valid but its roles, scopes or directory roles do not grant the operation."""

    status = 403
    code = "Authorization_RequestDenied"

    def __init__(self, message: str = "Insufficient privileges to complete the operation.") -> None:
        super().__init__(message)


class ResourceNotFound(GraphError):
    """The addressed profile, tenant reference or operation does not exist (or no longer exists)."""

    status = 404
    code = "Request_ResourceNotFound"

    def __init__(self, resource_id: str) -> None:
        super().__init__(
            f"Resource '{resource_id}' does not exist or one of its queried reference-property "
            "objects are not present."
        )
        self.resource_id = resource_id


class UnknownResource(GraphError):
    """No emulated route matches the path; a distinct code so clients never mistake it for a gone profile."""

    status = 404
    code = "UnknownResource"

    def __init__(self, path: str) -> None:
        super().__init__(f"Resource not found for the segment '{path}'.")
        self.path = path


class MethodNotAllowed(GraphError):
    """The route exists but does not support the HTTP method."""

    status = 405
    code = "MethodNotAllowed"

    def __init__(self, method: str, allowed: list[str]) -> None:
        super().__init__(
            f"The HTTP method '{method}' is not allowed on this resource.",
            headers={"Allow": ", ".join(sorted(allowed))} if allowed else None,
        )
        self.method = method
        self.allowed = allowed


class TooManyRequests(GraphError):
    """The call was throttled (or a 429 fault was injected); ``retry_after`` is the header text."""

    status = 429
    code = "TooManyRequests"

    def __init__(
        self,
        message: str = "Too many requests.",
        *,
        retry_after: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        merged = dict(headers or {})
        if retry_after is not None:
            merged["Retry-After"] = retry_after
        super().__init__(message, headers=merged)
        self.retry_after = retry_after


class InternalServerError(GraphError):
    """An injected (or genuine) server failure."""

    status = 500
    code = "generalException"


class ServiceUnavailable(GraphError):
    """An injected 503."""

    status = 503
    code = "serviceNotAvailable"


class GatewayTimeout(GraphError):
    """An injected 504."""

    status = 504
    code = "GatewayTimeout"


class AadError(EmulatorError):
    """A token-endpoint error in Entra's OAuth shape (what MSAL parses), e.g. AADSTS7000215."""

    def __init__(self, *, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(f"AADSTS{aadsts}: {description}")
        self.http_status = status
        self.error = error
        self.aadsts = aadsts


class GithubOidcError(EmulatorError):
    """The GitHub-Actions-style OIDC endpoint refused the request token or the query."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.http_status = status


@dataclass(frozen=True)
class WireError:
    """An error ready to send: status, extra headers and the JSON body."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _iso_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def to_wire(exc: EmulatorError, *, request_id: str, client_request_id: str) -> WireError:
    """Turn any emulator error into its wire form; the only place error bodies are built."""
    if isinstance(exc, AadError):
        now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return WireError(
            status=exc.http_status,
            headers=dict(exc.headers),
            body={
                "error": exc.error,
                "error_description": (
                    f"{exc.message} Trace ID: {request_id} Correlation ID: {client_request_id} "
                    f"Timestamp: {now}"
                ),
                "error_codes": [exc.aadsts],
                "timestamp": now,
                "trace_id": request_id,
                "correlation_id": client_request_id,
            },
        )
    if isinstance(exc, GithubOidcError):
        return WireError(status=exc.http_status, headers=dict(exc.headers), body={"message": exc.message})
    code = exc.code if isinstance(exc, GraphError) else "generalException"
    return WireError(
        status=exc.status,
        headers=dict(exc.headers),
        body={
            "error": {
                "code": code,
                "message": exc.message,
                "innerError": {
                    "date": _iso_now(),
                    "request-id": request_id,
                    "client-request-id": client_request_id,
                },
            }
        },
    )
