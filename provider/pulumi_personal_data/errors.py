"""The exception tree of pulumi_personal_data: every failure the provider can report.

::

    PersonalDataError                     root; catch this to catch everything below
    ├── ConfigurationError                provider/stack configuration is wrong (field, fix)
    │   └── NoCredentialError             no credential source is configured at all
    ├── InputValidationError              a resource input is invalid (field, fix)
    ├── CredentialError                   a credential source failed to produce a token
    ├── HomeTenantMismatchError           the safety interlock refused to send a removal
    └── GraphError                        Microsoft Graph answered with an error status
        ├── GraphBadRequestError          400
        ├── GraphAuthenticationError      401
        ├── GraphPermissionError          403 (names the permission that is needed)
        ├── GraphNotFoundError            404
        ├── GraphTransientError           429, 503, 504 after retries ran out (retry_after)
        └── GraphConnectionError          no HTTP answer at all (status is None)

Errors carry fields, not only text: ``status``, ``code`` (Graph's ``error.code``), ``request_id``
and ``client_request_id``, so callers branch on data and support tickets get the ids. No error
ever carries an access token, a client secret or personal data (UPN, display name).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfigurationError",
    "CredentialError",
    "GraphAuthenticationError",
    "GraphBadRequestError",
    "GraphConnectionError",
    "GraphError",
    "GraphNotFoundError",
    "GraphPermissionError",
    "GraphTransientError",
    "HomeTenantMismatchError",
    "InputValidationError",
    "NoCredentialError",
    "PersonalDataError",
]


class PersonalDataError(Exception):
    """Root of every error raised by pulumi_personal_data."""


class ConfigurationError(PersonalDataError):
    """A provider setting is missing or invalid.

    Attributes:
        field: the configuration key or environment variable at fault.
        fix: what to change so the next run succeeds.
    """

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}. Fix: {fix}")


class NoCredentialError(ConfigurationError):
    """No credential source produced a token; the message lists every way to configure one.

    Attributes:
        attempts: one line per credential source that was tried and why it was skipped.
    """

    def __init__(self, attempts: list[str]) -> None:
        self.attempts = list(attempts)
        fix = (
            "configure one of: (a) personaldata:clientId + personaldata:clientSecret "
            "(or clientCertificatePath, useOidc, accessToken) and personaldata:tenantId in stack "
            "config; (b) the azuread:* keys (tenantId, clientId, clientSecret, "
            "clientCertificatePath, useOidc/oidcToken/oidcTokenFilePath/oidcRequestToken+"
            "oidcRequestUrl, useMsi, useCli); (c) the ARM_TENANT_ID, ARM_CLIENT_ID, "
            "ARM_CLIENT_SECRET / ARM_USE_OIDC / ARM_OIDC_TOKEN_FILE_PATH environment variables; "
            "(d) AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
            "AZURE_FEDERATED_TOKEN_FILE (DefaultAzureCredential). See docs/credentials.md"
        )
        detail = "; ".join(self.attempts) if self.attempts else "no source was configured"
        super().__init__("credentials", f"no credential is available ({detail})", fix)


class InputValidationError(PersonalDataError):
    """A resource input is invalid; raised before any request is sent.

    Attributes:
        field: the input property name (for example ``user_id``).
        reason: what is wrong and how to fix it.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class CredentialError(PersonalDataError):
    """A configured credential source failed to produce an access token.

    Attributes:
        source: which credential source was used (for example ``azuread config: client secret``).
        detail: the identity platform's explanation, with secrets never included.
    """

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        self.detail = detail
        super().__init__(f"could not get a Microsoft Graph token from {source}: {detail}")


class HomeTenantMismatchError(PersonalDataError):
    """The ``expected_home_tenant_id`` interlock refused to send a removal request.

    Attributes:
        user_id: the external user's object id.
        expected: the home tenant the stack declared.
        actual: the home tenant Microsoft Graph reports for the profile.
    """

    def __init__(self, user_id: str, expected: str, actual: str) -> None:
        self.user_id = user_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"refusing to request removal for user {user_id}: its home tenant is {actual}, "
            f"but expected_home_tenant_id is {expected}. Nothing was sent. Fix: check that the "
            "user id belongs to the partner you meant, or correct expected_home_tenant_id"
        )


@dataclass(frozen=True)
class GraphErrorDetails:
    """The identifying details of one failed Microsoft Graph exchange."""

    method: str
    path: str
    status: int | None
    code: str | None
    message: str
    request_id: str | None
    client_request_id: str | None
    date: str | None = None
    retry_after: float | None = None


class GraphError(PersonalDataError):
    """Microsoft Graph answered with an error (or, for a subclass, not at all).

    Attributes:
        status: the HTTP status, or ``None`` when no answer arrived.
        code: Graph's ``error.code`` (for example ``Authorization_RequestDenied``); branch on this,
            never on the message.
        graph_message: Graph's ``error.message``.
        request_id: the ``request-id`` Graph assigned; quote it to Microsoft support.
        client_request_id: the ``client-request-id`` this client sent.
        method, path: the request, path only (no host, no query, no token).
    """

    def __init__(self, details: GraphErrorDetails, hint: str | None = None) -> None:
        self.details = details
        self.status = details.status
        self.code = details.code
        self.graph_message = details.message
        self.request_id = details.request_id
        self.client_request_id = details.client_request_id
        self.method = details.method
        self.path = details.path
        self.hint = hint
        status = "no response" if details.status is None else f"HTTP {details.status}"
        parts = [f"Microsoft Graph {details.method} {details.path} failed: {status}"]
        if details.code:
            parts.append(f"code {details.code}")
        if details.message:
            parts.append(details.message)
        ids = (
            f"request-id {details.request_id or 'n/a'}, "
            f"client-request-id {details.client_request_id or 'n/a'}"
        )
        text = "; ".join(parts) + f" ({ids})"
        if hint:
            text += f". Fix: {hint}"
        super().__init__(text)


class GraphBadRequestError(GraphError):
    """HTTP 400: Graph rejected the request as malformed."""


class GraphAuthenticationError(GraphError):
    """HTTP 401: the access token was missing, expired or not meant for Graph."""


class GraphPermissionError(GraphError):
    """HTTP 403: the caller lacks the permission or directory role the operation needs."""


class GraphNotFoundError(GraphError):
    """HTTP 404: the shared user profile does not exist (or no longer does)."""


class GraphTransientError(GraphError):
    """HTTP 429, 503 or 504 that persisted after every retry allowed by the retry policy.

    Attributes:
        retry_after: the last ``Retry-After`` Graph asked for, in seconds, if any.
    """

    def __init__(self, details: GraphErrorDetails, hint: str | None = None) -> None:
        super().__init__(details, hint)
        self.retry_after = details.retry_after


class GraphConnectionError(GraphError):
    """No HTTP answer: connection refused or reset, TLS failure, or timeout."""
