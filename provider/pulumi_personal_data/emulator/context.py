"""Per-request context kept in the ASGI scope, and the bundle of services the route modules share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .faults import FaultInjector, FaultSpec, Throttle, ThrottleSpec
from .identity import IdentityService
from .models import EmulatorBackend

CONTEXT_KEY = "emulator.context"
# Set by server.EmulatorProtocol so a "reset" fault can really drop the connection.
TRANSPORT_KEY = "emulator.transport"


@dataclass
class RequestContext:
    """What the envelope knows about one request; handlers fill in app id and operation."""

    request_id: str
    client_request_id: str | None
    method: str
    path: str
    started: float
    app_id: str | None = None
    operation: str = "unknown"
    journal: bool = True
    dropped: bool = False
    status: int = 0

    @property
    def echoed_client_request_id(self) -> str:
        """The client-request-id to send back (Graph mirrors the request id when none was sent)."""
        return self.client_request_id or self.request_id

    def write_journal(self, backend: EmulatorBackend) -> None:
        """Record this request in the journal once (status 0 when the connection was dropped)."""
        if not self.journal:
            return
        self.journal = False
        backend.record(
            method=self.method,
            path=self.path,
            status=0 if self.dropped else self.status,
            client_request_id=self.client_request_id,
            request_id=self.request_id,
            app_id=self.app_id,
            operation=self.operation,
            when=self.started,
        )


def get_context(scope: dict[str, Any] | Any) -> RequestContext:
    """Return the request context the envelope put into ``scope``."""
    ctx = scope[CONTEXT_KEY]
    assert isinstance(ctx, RequestContext)
    return ctx


@dataclass
class Services:
    """Everything a route needs: state, identity, faults, throttling, and the public URLs."""

    backend: EmulatorBackend
    identity: IdentityService
    faults: FaultInjector
    throttle: Throttle
    base_url: str
    initial_faults: FaultSpec | None = None
    initial_throttle: ThrottleSpec | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def graph_url(self) -> str:
        """The Graph beta base URL."""
        return f"{self.base_url}/beta"
