"""A small typed client for the emulator's control API (/_emulator/), over plain requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from .models import JournalEntry

__all__ = ["ControlApiError", "EmulatorControl", "JournalEntry"]

_TIMEOUT_SECONDS = 30.0


class ControlApiError(RuntimeError):
    """The control API refused a call; carries the HTTP status and Graph error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"control API error {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class EmulatorControl:
    """Drives a running emulator: reset, seed, faults, throttling, journal, processing, tokens."""

    def __init__(
        self, base_url: str, ca_path: Path | str | None = None, *, timeout: float = _TIMEOUT_SECONDS
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Passed per request: requests lets REQUESTS_CA_BUNDLE override a session-level verify.
        self.verify: str | bool = str(ca_path) if ca_path is not None else True
        self.timeout = timeout
        self._session = requests.Session()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def _call(self, method: str, path: str, body: Any = None, *, send_body: bool = False) -> Any:
        response = self._session.request(
            method,
            f"{self.base_url}/_emulator{path}",
            timeout=self.timeout,
            verify=self.verify,
            json=body if (body is not None or send_body) else None,
        )
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                code, message = str(error["code"]), str(error["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "Unknown", response.text
            raise ControlApiError(response.status_code, code, message)
        return response.json()

    def health(self) -> bool:
        """True when the emulator answers."""
        return bool(self._call("GET", "/health")["status"] == "ok")

    def info(self) -> dict[str, Any]:
        """Base URL, Graph URL, authority, tenant id, GitHub OIDC URL."""
        result: dict[str, Any] = self._call("GET", "/info")
        return result

    def reset(self) -> None:
        """Return to the current seed; faults and throttling back to their start-up values."""
        self._call("POST", "/reset")

    def seed(self, document: Mapping[str, Any]) -> None:
        """Replace the whole state with ``document`` (the seed format of docs/emulator.md)."""
        self._call("PUT", "/seed", dict(document))

    def generate_profiles(self, count: int, *, home_tenant_id: str | None = None) -> list[str]:
        """Bulk-create ``count`` synthetic inbound profiles; return their user ids."""
        body: dict[str, Any] = {"count": count}
        if home_tenant_id is not None:
            body["homeTenantId"] = home_tenant_id
        return [str(u) for u in self._call("POST", "/seed/generate", body)["userIds"]]

    def set_faults(self, spec: Mapping[str, Any] | None) -> None:
        """Set the fault specification (None clears it)."""
        if spec is None:
            self._call("DELETE", "/faults")
        else:
            self._call("PUT", "/faults", dict(spec))

    def faults(self) -> dict[str, Any] | None:
        """The active fault specification."""
        config: dict[str, Any] | None = self._call("GET", "/faults")["config"]
        return config

    def set_throttle(self, spec: Mapping[str, Any] | None) -> None:
        """Set the throttling limits (None clears them)."""
        if spec is None:
            self._call("DELETE", "/throttle")
        else:
            self._call("PUT", "/throttle", dict(spec))

    def throttle(self) -> dict[str, Any] | None:
        """The active throttling limits."""
        config: dict[str, Any] | None = self._call("GET", "/throttle")["config"]
        return config

    def journal(self, *, after: int = 0) -> list[JournalEntry]:
        """Recorded requests, oldest first (never tokens or Authorization headers)."""
        entries = self._call("GET", f"/journal?after={after}")["entries"]
        return [
            JournalEntry(
                seq=int(e["seq"]),
                method=e["method"],
                path=e["path"],
                status=int(e["status"]),
                client_request_id=e["clientRequestId"],
                request_id=e["requestId"],
                app_id=e["appId"],
                operation=e["operation"],
                time=e["time"],
            )
            for e in entries
        ]

    def clear_journal(self) -> None:
        """Forget every recorded request."""
        self._call("DELETE", "/journal")

    def process_pending(self) -> int:
        """Finish every pending removal now; return how many were finished."""
        return int(self._call("POST", "/process")["processed"])

    def set_app_roles(self, app_id: str, roles: Sequence[str]) -> None:
        """Grant exactly ``roles`` to an application (tokens issued afterwards carry them)."""
        self._call("PUT", f"/applications/{app_id}/roles", {"roles": list(roles)})

    def profile_state(self, user_id: str) -> str:
        """'present', 'pending', 'removed' or 'unknown'."""
        return str(self._call("GET", f"/profiles/{user_id}")["state"])

    def mint_token(
        self,
        *,
        app_id: str | None = None,
        user: str | None = None,
        roles: Sequence[str] | None = None,
        scopes: Sequence[str] | None = None,
        directory_roles: Sequence[str] | None = None,
        wids: Sequence[str] | None = None,
        expires_in: int | None = None,
        audience: str | None = None,
        tenant_id: str | None = None,
        untrusted_key: bool = False,
    ) -> str:
        """Mint a Graph access token: app-only (``app_id``) or delegated (``user`` id or UPN).

        ``roles`` defaults to the app's seeded roles; ``directory_roles`` to the user's.
        A negative ``expires_in`` gives an expired token; ``untrusted_key`` a badly signed one.
        """
        body: dict[str, Any] = {"kind": "access", "untrustedKey": untrusted_key}
        optional = {
            "appId": app_id,
            "user": user,
            "roles": roles,
            "scopes": scopes,
            "directoryRoles": directory_roles,
            "wids": wids,
            "expiresIn": expires_in,
            "audience": audience,
            "tenantId": tenant_id,
        }
        body.update(
            {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in optional.items() if v is not None}
        )
        return str(self._call("POST", "/tokens", body)["token"])

    def mint_federated_token(
        self, subject: str, *, audience: str = "api://AzureADTokenExchange", expires_in: int | None = None
    ) -> str:
        """Mint a GitHub-style federated token (for assertion tests with any subject)."""
        body: dict[str, Any] = {"kind": "federated", "subject": subject, "audience": audience}
        if expires_in is not None:
            body["expiresIn"] = expires_in
        return str(self._call("POST", "/tokens", body)["token"])
