"""The Microsoft Graph HTTP client: one pooled requests session, typed errors, retries, audit ids.

Flow of one call: build the URL under the configured base -> per attempt, take a cached token and
send with a fresh ``client-request-id`` -> translate the answer (success keeps ``request-id``,
``date`` and ``x-ms-ags-diagnostic``; errors become GraphError subclasses, the single place where
requests' exceptions are translated) -> RetryPolicy decides whether to try again.

One ``GraphClient`` (and so one connection pool) serves a whole provider process; requests'
connection pool is thread-safe, and cookies are disabled so the session holds no mutable state
shared between the provider's four worker threads.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from . import __version__
from .endpoint import validate_endpoint
from .errors import (
    GraphAuthenticationError,
    GraphBadRequestError,
    GraphConnectionError,
    GraphError,
    GraphErrorDetails,
    GraphNotFoundError,
    GraphPermissionError,
    GraphTransientError,
)
from .inputs import normalize_guid
from .pacing import ThrottleGate, TurnTooFar
from .retry import RetryPolicy

__all__ = ["GraphClient", "GraphResponse", "SharedProfileRef", "TokenProvider"]

_LOG = logging.getLogger("pulumi_personal_data.graph")
_TRANSIENT_STATUSES = frozenset({429, 503, 504})
_MAX_MESSAGE = 300

REMOVE_PERMISSION_HINT = (
    "grant the application permission CrossTenantUserProfileSharing.ReadWrite.All (with admin "
    "consent), or for a delegated caller the scope CrossTenantUserProfileSharing.ReadWrite and "
    "the Global Administrator role; then rerun `pulumi up` (requests already made are not repeated)"
)
READ_PERMISSION_HINT = (
    "grant CrossTenantUserProfileSharing.Read.All (or ReadWrite.All) to read shared profiles"
)
AUTH_HINT = (
    "check the tenant id, client id and credential, and that the token's audience is "
    "https://graph.microsoft.com"
)


class TokenProvider(Protocol):
    """Something that returns a valid bearer token for Microsoft Graph, cached as it sees fit."""

    def token(self) -> str:
        """Return an access token string (never logged)."""
        ...


@dataclass(frozen=True)
class GraphResponse:
    """A successful Graph exchange with the identifiers support and auditors ask for."""

    status: int
    request_id: str | None
    client_request_id: str
    date: str | None
    diagnostic: str | None
    body: Any = None


@dataclass(frozen=True)
class SharedProfileRef:
    """The non-personal part of an inboundSharedUserProfile: ids only, never names or UPNs."""

    user_id: str
    home_tenant_id: str | None


class _BearerAuth(requests.auth.AuthBase):
    """Sets the Authorization header; explicit auth also stops requests reading ~/.netrc."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:  # never render the token
        return "_BearerAuth(<redacted>)"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: fractional seconds or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        now = email.utils.parsedate_to_datetime(email.utils.formatdate(usegmt=True))
        seconds = (when - now).total_seconds()
    if math.isnan(seconds) or seconds < 0:
        return 0.0
    return min(seconds, 3600.0)


def _error_details(
    resp: requests.Response, method: str, path: str, client_request_id: str
) -> GraphErrorDetails:
    code: str | None = None
    message = ""
    inner_request_id: str | None = None
    try:
        payload = resp.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        err = payload["error"]
        code = err.get("code") if isinstance(err.get("code"), str) else None
        raw = err.get("message")
        message = raw[:_MAX_MESSAGE] if isinstance(raw, str) else ""
        inner = err.get("innerError")
        if isinstance(inner, dict) and isinstance(inner.get("request-id"), str):
            inner_request_id = inner["request-id"]
    return GraphErrorDetails(
        method=method,
        path=path,
        status=resp.status_code,
        code=code,
        message=message,
        request_id=resp.headers.get("request-id") or inner_request_id,
        client_request_id=resp.headers.get("client-request-id") or client_request_id,
        date=resp.headers.get("date"),
        retry_after=parse_retry_after(resp.headers.get("Retry-After")),
    )


def _raise_for(details: GraphErrorDetails, *, permission_hint: str) -> None:
    status = details.status
    if status in _TRANSIENT_STATUSES:
        raise GraphTransientError(details, "Graph is throttling or unavailable; rerun later")
    if status == 400:
        raise GraphBadRequestError(details)
    if status == 401:
        raise GraphAuthenticationError(details, AUTH_HINT)
    if status == 403:
        raise GraphPermissionError(details, permission_hint)
    if status == 404:
        raise GraphNotFoundError(details)
    raise GraphError(details)


class GraphClient:
    """A thread-safe client for the Graph shared-user-profile APIs the provider needs.

    Args:
        endpoint: Graph base URL including the version segment, for example
            ``https://graph.microsoft.com/beta``; HTTPS unless loopback.
        tokens: source of bearer tokens.
        retry: the retry policy for transient failures.
        connect_timeout, read_timeout: seconds; requests has no timeout by default.
    """

    def __init__(
        self,
        endpoint: str,
        tokens: TokenProvider,
        *,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
    ) -> None:
        self.endpoint = validate_endpoint(endpoint)
        self._tokens = tokens
        self._retry = retry or RetryPolicy()
        self._timeout = (connect_timeout, read_timeout)
        self._origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.endpoint))
        session = requests.Session()
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        # Four provider worker threads plus headroom; no blocking, no per-thread sessions.
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=8, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers["User-Agent"] = f"pulumi-personal-data/{__version__}"
        session.headers["Accept"] = "application/json"
        self._session = session
        # Graph keeps separate read and write quotas; a 429 on one must not hold back the other.
        self._gates = {"read": ThrottleGate(), "write": ThrottleGate()}
        self._last_throttled: dict[str, GraphErrorDetails] = {}

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def throttle_gate(self, method: str) -> ThrottleGate:
        """The :class:`ThrottleGate` that requests with this HTTP method wait at (reads or writes)."""
        return self._gates[_quota(method)]

    # -- operations -------------------------------------------------------------------------

    def remove_inbound_personal_data(self, user_id: str) -> GraphResponse:
        """POST ``/directory/inboundSharedUserProfiles/{userId}/removePersonalData`` (204 expected).

        Raises GraphNotFoundError for an unknown (or already removed) profile and the other
        GraphError subclasses for the remaining failures, after retries.
        """
        uid = normalize_guid("user_id", user_id)
        path = f"/directory/inboundSharedUserProfiles/{quote(uid, safe='')}/removePersonalData"
        return self._send("POST", path, permission_hint=REMOVE_PERMISSION_HINT)

    def get_inbound_profile(self, user_id: str) -> SharedProfileRef:
        """GET one inbound shared user profile, keeping only its ids."""
        uid = normalize_guid("user_id", user_id)
        path = f"/directory/inboundSharedUserProfiles/{quote(uid, safe='')}"
        resp = self._send("GET", path, permission_hint=READ_PERMISSION_HINT)
        return _profile_ref(resp.body)

    def list_inbound_profiles(self, *, page_size: int | None = None) -> Iterator[SharedProfileRef]:
        """Yield every inbound shared user profile (ids only), following ``@odata.nextLink``."""
        path: str | None = "/directory/inboundSharedUserProfiles"
        if page_size is not None:
            path = f"{path}?$top={int(page_size)}"
        while path is not None:
            resp = self._send("GET", path, permission_hint=READ_PERMISSION_HINT)
            body = resp.body if isinstance(resp.body, dict) else {}
            for item in body.get("value", []):
                yield _profile_ref(item)
            next_link = body.get("@odata.nextLink")
            path = self._relative(next_link) if isinstance(next_link, str) else None

    # -- machinery --------------------------------------------------------------------------

    def _relative(self, link: str) -> str:
        """Turn a nextLink into a path under our endpoint; refuse links to any other origin."""
        if not link.startswith(self.endpoint + "/"):
            parsed = urlsplit(link)
            raise GraphError(
                GraphErrorDetails(
                    method="GET",
                    path=parsed.path,
                    status=None,
                    code="UnexpectedNextLink",
                    message="@odata.nextLink points outside the configured endpoint; not followed",
                    request_id=None,
                    client_request_id=None,
                )
            )
        return link[len(self.endpoint) :]

    def _send(self, method: str, path: str, *, permission_hint: str) -> GraphResponse:
        url = self.endpoint + path
        log_path = path.split("?", 1)[0]
        quota = _quota(method)
        gate = self._gates[quota]
        started = time.monotonic()

        def attempt() -> GraphResponse:
            try:
                gate.wait_turn(self._retry.deadline_seconds - (time.monotonic() - started))
            except TurnTooFar as far:
                raise self._held_back(quota, method, log_path, far.delay) from None
            client_request_id = str(uuid.uuid4())
            headers = {"client-request-id": client_request_id, "return-client-request-id": "true"}
            try:
                resp = self._session.request(
                    method,
                    url,
                    headers=headers,
                    auth=_BearerAuth(self._tokens.token()),
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                _LOG.info("%s %s: no response (%s)", method, log_path, type(exc).__name__)
                raise GraphConnectionError(
                    GraphErrorDetails(
                        method=method,
                        path=log_path,
                        status=None,
                        code=None,
                        message=f"{type(exc).__name__}: connection failed or timed out",
                        request_id=None,
                        client_request_id=client_request_id,
                    ),
                    "check network access to the Graph endpoint and rerun",
                ) from exc
            _LOG.debug(
                "%s %s -> %d request-id=%s client-request-id=%s date=%s diagnostic=%s",
                method,
                log_path,
                resp.status_code,
                resp.headers.get("request-id"),
                client_request_id,
                resp.headers.get("date"),
                resp.headers.get("x-ms-ags-diagnostic"),
            )
            if resp.status_code == 429:
                details = _error_details(resp, method, log_path, client_request_id)
                if details.retry_after is not None:
                    self._last_throttled[quota] = details
                    gate.throttled(details.retry_after)
                _raise_for(details, permission_hint=permission_hint)
            if resp.status_code < 500:  # 503/504 mean overloaded, not a recovered quota
                gate.passed()
            if resp.status_code >= 300:
                _raise_for(
                    _error_details(resp, method, log_path, client_request_id),
                    permission_hint=permission_hint,
                )
            body: Any = None
            if resp.content:
                try:
                    body = resp.json()
                except ValueError:
                    body = None
            return GraphResponse(
                status=resp.status_code,
                request_id=resp.headers.get("request-id"),
                client_request_id=client_request_id,
                date=resp.headers.get("date"),
                diagnostic=resp.headers.get("x-ms-ags-diagnostic"),
                body=body,
            )

        return self._retry.call(attempt, describe=f"{method} {log_path}")

    def _held_back(self, quota: str, method: str, path: str, delay: float) -> GraphTransientError:
        """The error for a request the shared Retry-After would hold past the retry deadline.

        It carries the 429 that set the wait (its request id is the evidence) and, as
        ``retry_after``, the wait still ahead, so the retry policy stops instead of sleeping.
        """
        last = self._last_throttled.get(quota)
        note = f"not sent: Graph asked every request to wait {delay:.1f} s more"
        details = GraphErrorDetails(
            method=method,
            path=path,
            status=429,
            code=last.code if last else None,
            message=f"{last.message}; {note}" if last and last.message else note,
            request_id=last.request_id if last else None,
            client_request_id=None,
            retry_after=delay,
        )
        return GraphTransientError(details, "Graph is throttling this app; rerun later")


def _quota(method: str) -> str:
    """Which of Graph's two quotas a request draws on."""
    return "read" if method.upper() == "GET" else "write"


def _profile_ref(item: Any) -> SharedProfileRef:
    if not isinstance(item, dict) or not isinstance(item.get("userId"), str):
        raise GraphError(
            GraphErrorDetails(
                method="GET",
                path="/directory/inboundSharedUserProfiles",
                status=200,
                code="UnexpectedResponse",
                message="a profile without userId was returned",
                request_id=None,
                client_request_id=None,
            )
        )
    home = item.get("homeTenantId")
    return SharedProfileRef(
        user_id=item["userId"].lower(),
        home_tenant_id=home.lower() if isinstance(home, str) else None,
    )
