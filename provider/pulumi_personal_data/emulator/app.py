"""The Starlette app factory: routes, the request envelope (ids, date, journal), the error dispatcher."""

from __future__ import annotations

import email.utils
import json
import time
import uuid

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import CONTEXT_KEY, RequestContext, Services, get_context
from .control_routes import CONTROL_PREFIX, control_routes
from .exceptions import EmulatorError, InternalServerError, MethodNotAllowed, UnknownResource, to_wire
from .graph_routes import GraphApi
from .identity_routes import identity_routes
from .models import EmulatorBackend

_DIAGNOSTIC = json.dumps(
    {
        "ServerInfo": {
            "DataCenter": "Local Emulator",
            "Slice": "E",
            "Ring": "0",
            "ScaleUnit": "000",
            "RoleInstance": "graph-emulator",
            "ADSiteName": "LOC",
        }
    },
    separators=(",", ":"),
).encode()


class _DateCache:
    """RFC 7231 date, formatted at most once per second (it is on every response)."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def now(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._value = email.utils.formatdate(second, usegmt=True).encode()
        return self._value


class Envelope:
    """Pure-ASGI outermost layer: request context, Graph's standard response headers, the journal."""

    def __init__(self, app: ASGIApp, backend: EmulatorBackend) -> None:
        self.app = app
        self.backend = backend
        self._date = _DateCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client_request_id = None
        for name, value in scope["headers"]:
            if name == b"client-request-id":
                client_request_id = value.decode("latin-1")
                break
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        ctx = RequestContext(
            request_id=str(uuid.uuid4()),
            client_request_id=client_request_id,
            method=scope["method"],
            path=path + ("?" + query.decode("latin-1") if query else ""),
            started=time.time(),
            journal=not path.startswith(CONTROL_PREFIX + "/"),
        )
        scope[CONTEXT_KEY] = ctx

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ctx.status = message["status"]
                headers = list(message.get("headers", []))
                headers.extend(
                    [
                        (b"request-id", ctx.request_id.encode()),
                        (b"client-request-id", ctx.echoed_client_request_id.encode("latin-1")),
                        (b"date", self._date.now()),
                        (b"x-ms-ags-diagnostic", _DIAGNOSTIC),
                    ]
                )
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            ctx.write_journal(self.backend)


async def render_error(request: Request, exc: Exception) -> Response:
    """The single dispatcher from exceptions to wire errors (Graph, AAD or GitHub shape)."""
    ctx = get_context(request.scope)
    if isinstance(exc, HTTPException):
        # Starlette's router signals unknown paths and methods this way; answer as Graph would.
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            exc = MethodNotAllowed(request.method, [m.strip() for m in allowed.split(",") if m.strip()])
        else:
            exc = UnknownResource(request.url.path)
    elif not isinstance(exc, EmulatorError):
        exc = InternalServerError("An unexpected error occurred in the emulator.")
    wire = to_wire(exc, request_id=ctx.request_id, client_request_id=ctx.echoed_client_request_id)
    return JSONResponse(wire.body, status_code=wire.status, headers=wire.headers)


def create_app(services: Services) -> ASGIApp:
    """Build the emulator's ASGI application."""
    graph = GraphApi(services)
    services.extra["graph"] = graph
    app = Starlette(
        routes=[
            Mount(CONTROL_PREFIX, routes=control_routes(services)),
            Mount("/beta", routes=graph.routes()),
            *identity_routes(services),
        ],
        exception_handlers={
            EmulatorError: render_error,
            HTTPException: render_error,
            Exception: render_error,
        },
    )
    return Envelope(app, services.backend)
