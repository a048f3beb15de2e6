"""The Graph beta routes: parsing, auth, throttling, faults, permissions, $batch, answer formatting."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from .context import TRANSPORT_KEY, RequestContext, Services, get_context
from .exceptions import (
    AuthorizationRequestDenied,
    BadRequest,
    EmulatorError,
    GatewayTimeout,
    GraphError,
    InternalServerError,
    InvalidAuthenticationToken,
    MethodNotAllowed,
    ServiceUnavailable,
    TooManyRequests,
    UnknownResource,
    to_wire,
)
from .faults import Fault
from .models import (
    PERMISSION_EXPORT,
    PERMISSION_GET,
    PERMISSION_LIST,
    PERMISSION_REMOVE,
    Permission,
    Principal,
    decode_skiptoken,
    encode_skiptoken,
    validate_guid,
)

MAX_BATCH_REQUESTS = 20
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999
_INBOUND = "/directory/inboundSharedUserProfiles"
_OUTBOUND = "/directory/outboundSharedUserProfiles"


@dataclass(frozen=True)
class GraphCall:
    """One parsed Graph request (top-level or a $batch item)."""

    method: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    ctx: RequestContext


@dataclass
class GraphResult:
    """A successful answer: status, JSON body (None for no content) and extra headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[GraphCall, Principal], GraphResult]


@dataclass(frozen=True)
class GraphOperation:
    """A Graph operation: its journal name, whether it writes, who may call it and what it does."""

    name: str
    method: str
    path: str
    write: bool
    permission: Permission | None
    handler: Handler


class _DroppedResponse(Response):
    """Sends nothing: the connection was aborted by a "reset" fault."""

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Let connection_lost run so the server sees a disconnect rather than a silent app.
        for _ in range(5):
            await asyncio.sleep(0.002)


def _fault_error(fault: Fault, authorization_uri: str = "") -> GraphError:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
    if fault.kind == "429":
        return TooManyRequests("Too many requests (injected fault).", retry_after=fault.retry_after)
    if fault.kind == "503":
        return ServiceUnavailable("The service is temporarily unavailable (injected fault).", headers=headers)
    if fault.kind == "504":
        return GatewayTimeout("The gateway timed out (injected fault).", headers=headers)
    if fault.kind == "400":
        return BadRequest("The request is invalid (injected fault).")
    if fault.kind == "401":
        return InvalidAuthenticationToken(
            "Access token validation failure (injected fault).", authorization_uri=authorization_uri
        )
    if fault.kind == "403":
        return AuthorizationRequestDenied(
            "Insufficient privileges to complete the operation (injected fault)."
        )
    return InternalServerError("An internal server error occurred (injected fault).")


class GraphApi:
    """Owns the Graph operations and runs each call through one pipeline, top-level or batched."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.backend = services.backend
        ops = [
            GraphOperation(
                "inboundSharedUserProfiles.list", "GET", _INBOUND, False, PERMISSION_LIST, self._list_inbound
            ),
            GraphOperation(
                "inboundSharedUserProfile.get",
                "GET",
                _INBOUND + "/{user_id}",
                False,
                PERMISSION_GET,
                self._get_inbound,
            ),
            GraphOperation(
                "inboundSharedUserProfile.removePersonalData",
                "POST",
                _INBOUND + "/{user_id}/removePersonalData",
                True,
                PERMISSION_REMOVE,
                self._remove_inbound,
            ),
            GraphOperation(
                "inboundSharedUserProfile.exportPersonalData",
                "POST",
                _INBOUND + "/{user_id}/exportPersonalData",
                True,
                PERMISSION_EXPORT,
                self._export_inbound,
            ),
            GraphOperation(
                "outboundSharedUserProfiles.list",
                "GET",
                _OUTBOUND,
                False,
                PERMISSION_LIST,
                self._list_outbound,
            ),
            GraphOperation(
                "outboundSharedUserProfile.get",
                "GET",
                _OUTBOUND + "/{user_id}",
                False,
                PERMISSION_GET,
                self._get_outbound,
            ),
            GraphOperation(
                "outboundSharedUserProfile.tenants.list",
                "GET",
                _OUTBOUND + "/{user_id}/tenants",
                False,
                PERMISSION_GET,
                self._tenants,
            ),
            GraphOperation(
                "tenantReference.removePersonalData",
                "POST",
                _OUTBOUND + "/{user_id}/tenants/{tenant_id}/removePersonalData",
                True,
                PERMISSION_REMOVE,
                self._remove_outbound,
            ),
            GraphOperation(
                "dataPolicyOperation.get",
                "GET",
                "/dataPolicyOperations/{op_id}",
                False,
                PERMISSION_GET,
                self._get_operation,
            ),
        ]
        self.operations = ops
        self._routes: list[tuple[Route, GraphOperation]] = [
            (Route(op.path, self._endpoint(op), methods=[op.method]), op) for op in ops
        ]

    # -- wiring ------------------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        """Starlette routes to mount under /beta."""
        batch = Route("/$batch", self._batch_endpoint, methods=["POST"])
        return [batch, *(route for route, _ in self._routes)]

    def _endpoint(self, op: GraphOperation) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            ctx = get_context(request.scope)
            ctx.operation = op.name
            call = GraphCall(
                method=request.method,
                path_params=request.path_params,
                query=dict(request.query_params),
                body=await request.body(),
                ctx=ctx,
            )
            fault = self._pre_fault(request.method, ctx)
            if fault is not None and fault.kind == "reset":
                transport = request.scope.get(TRANSPORT_KEY)
                if transport is not None:
                    ctx.dropped = True
                    # Journal first: the client sees the reset at once and may read the journal next.
                    ctx.write_journal(self.services.backend)
                    transport.abort()
                    return _DroppedResponse()
                raise InternalServerError("Connection reset requested but not supported by this server.")
            delay = self.services.faults.latency(request.method)
            if delay:
                await asyncio.sleep(delay)
            if fault is not None:
                raise _fault_error(
                    fault, f"{self.services.base_url}/{self.services.backend.tenant_id}/oauth2/v2.0/authorize"
                )
            result = self.execute(op, call, request.headers.get("authorization"))
            return _to_response(result)

        return endpoint

    def _pre_fault(self, method: str, ctx: RequestContext) -> Fault | None:
        return self.services.faults.decide(method)

    # -- the pipeline ------------------------------------------------------------------------
    def execute(
        self,
        op: GraphOperation,
        call: GraphCall,
        authorization: str | None,
        principal: Principal | None = None,
    ) -> GraphResult:
        """Authenticate, throttle, authorize, then run the handler; raises EmulatorError."""
        if principal is None:
            principal = self.services.identity.authenticate(authorization)
        call.ctx.app_id = principal.app_id
        decision = self.services.throttle.check(
            tenant_id=principal.tenant_id, app_id=principal.app_id, write=op.write
        )
        if not decision.allowed:
            raise TooManyRequests(
                "Too many requests. The application exceeded its throttling limit.",
                retry_after=decision.retry_after,
                headers=decision.headers,
            )
        if op.permission is not None:
            op.permission.check(principal)
        result = op.handler(call, principal)
        result.headers.update(decision.headers)
        return result

    def match(self, method: str, path: str) -> tuple[GraphOperation, dict[str, str]]:
        """Find the operation for a batch item's method and path (404/405 like the top level)."""
        scope = {"type": "http", "path": path, "root_path": "", "method": method}
        allowed: list[str] = []
        for route, op in self._routes:
            matched, child = route.matches(scope)
            if matched is Match.FULL:
                return op, dict(child["path_params"])
            if matched is Match.PARTIAL:
                allowed.append(op.method)
        if allowed:
            raise MethodNotAllowed(method, allowed)
        raise UnknownResource(path)

    # -- handlers ----------------------------------------------------------------------------
    def _context(self, what: str) -> str:
        return f"{self.services.graph_url}/$metadata#{what}"

    def _page(self, call: GraphCall) -> tuple[int, str | None]:
        raw_top = call.query.get("$top")
        top = DEFAULT_PAGE_SIZE
        if raw_top is not None:
            if not raw_top.isdigit() or not 1 <= int(raw_top) <= MAX_PAGE_SIZE:
                raise BadRequest(f"Invalid value '{raw_top}' for query option $top (1-{MAX_PAGE_SIZE}).")
            top = int(raw_top)
        token = call.query.get("$skiptoken")
        return top, decode_skiptoken(token) if token else None

    def _collection(self, path: str, items: list[Any], top: int, next_key: str | None) -> GraphResult:
        graph = self.services.graph_url
        body: dict[str, Any] = {"@odata.context": f"{graph}/$metadata#{path.lstrip('/')}", "value": items}
        if next_key is not None:
            body["@odata.nextLink"] = f"{graph}{path}?$top={top}&$skiptoken={encode_skiptoken(next_key)}"
        return GraphResult(200, body)

    def _list_inbound(self, call: GraphCall, principal: Principal) -> GraphResult:
        top, after = self._page(call)
        page = self.backend.list_inbound(after=after, top=top)
        return self._collection(_INBOUND, [p.to_graph() for p in page.items], top, page.next_key)

    def _get_inbound(self, call: GraphCall, principal: Principal) -> GraphResult:
        profile = self.backend.get_inbound(validate_guid(call.path_params["user_id"]))
        body = {"@odata.context": self._context("directory/inboundSharedUserProfiles/$entity")}
        body.update(profile.to_graph())
        return GraphResult(200, body)

    def _remove_inbound(self, call: GraphCall, principal: Principal) -> GraphResult:
        user_id = validate_guid(call.path_params["user_id"])
        if call.body:
            raise BadRequest("removePersonalData does not accept a request body.")
        self.backend.remove_inbound(user_id, app_id=principal.app_id)
        return GraphResult(204)

    def _export_inbound(self, call: GraphCall, principal: Principal) -> GraphResult:
        user_id = validate_guid(call.path_params["user_id"])
        try:
            doc = json.loads(call.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The request body is not valid JSON.") from None
        location = doc.get("storageLocation") if isinstance(doc, dict) else None
        if not isinstance(location, str) or not location:
            raise BadRequest("The request body must contain a non-empty 'storageLocation' string.")
        op = self.backend.export_inbound(user_id, location, app_id=principal.app_id)
        return GraphResult(202, None, {"Location": f"{self.services.graph_url}/dataPolicyOperations/{op.id}"})

    def _get_operation(self, call: GraphCall, principal: Principal) -> GraphResult:
        op = self.backend.get_operation(validate_guid(call.path_params["op_id"]))
        return GraphResult(200, self.backend.operation_to_graph(op))

    def _list_outbound(self, call: GraphCall, principal: Principal) -> GraphResult:
        top, after = self._page(call)
        page = self.backend.list_outbound(after=after, top=top)
        return self._collection(_OUTBOUND, page.items, top, page.next_key)

    def _get_outbound(self, call: GraphCall, principal: Principal) -> GraphResult:
        profile = self.backend.get_outbound(validate_guid(call.path_params["user_id"]))
        return GraphResult(
            200,
            {
                "@odata.context": self._context("directory/outboundSharedUserProfiles/$entity"),
                "userId": profile.user_id,
            },
        )

    def _tenants(self, call: GraphCall, principal: Principal) -> GraphResult:
        user_id = validate_guid(call.path_params["user_id"])
        profile = self.backend.get_outbound(user_id)
        return GraphResult(
            200,
            {
                "@odata.context": self._context(f"directory/outboundSharedUserProfiles('{user_id}')/tenants"),
                "value": [{"tenantId": t} for t in profile.tenant_ids],
            },
        )

    def _remove_outbound(self, call: GraphCall, principal: Principal) -> GraphResult:
        user_id = validate_guid(call.path_params["user_id"])
        tenant_id = validate_guid(call.path_params["tenant_id"], "tenant identifier")
        if call.body:
            raise BadRequest("removePersonalData does not accept a request body.")
        self.backend.remove_outbound(user_id, tenant_id, app_id=principal.app_id)
        return GraphResult(204)

    # -- $batch ------------------------------------------------------------------------------
    async def _batch_endpoint(self, request: Request) -> Response:
        ctx = get_context(request.scope)
        ctx.operation = "batch"
        fault = self.services.faults.decide("POST")
        if fault is not None and fault.kind != "reset":
            raise _fault_error(
                fault, f"{self.services.base_url}/{self.services.backend.tenant_id}/oauth2/v2.0/authorize"
            )
        principal = self.services.identity.authenticate(request.headers.get("authorization"))
        ctx.app_id = principal.app_id
        items = _parse_batch(await request.body())
        responses = [self._batch_item(item, principal, ctx) for item in items]
        # Graph answers in any order; answering in reverse keeps clients honest about matching by id.
        responses.reverse()
        return JSONResponse({"responses": responses})

    def _batch_item(
        self, item: dict[str, Any], principal: Principal, outer: RequestContext
    ) -> dict[str, Any]:
        headers = item["headers"]
        ctx = RequestContext(
            request_id=str(uuid.uuid4()),
            client_request_id=headers.get("client-request-id") or outer.client_request_id,
            method=item["method"],
            path=f"/beta/{item['url'].lstrip('/')}",
            started=outer.started,
        )
        try:
            split = urlsplit("/" + item["url"].lstrip("/"))
            op, params = self.match(item["method"], split.path)
            ctx.operation = op.name
            fault = self.services.faults.decide(item["method"], batch_item=True)
            if fault is not None:
                raise _fault_error(
                    fault, f"{self.services.base_url}/{self.services.backend.tenant_id}/oauth2/v2.0/authorize"
                )
            call = GraphCall(
                method=item["method"],
                path_params=params,
                query=dict(parse_qsl(split.query)),
                body=item["body"],
                ctx=ctx,
            )
            result = self.execute(op, call, None, principal)
            status, body, out_headers = result.status, result.body, result.headers
        except EmulatorError as exc:
            wire = to_wire(exc, request_id=ctx.request_id, client_request_id=ctx.echoed_client_request_id)
            status, body, out_headers = wire.status, wire.body, wire.headers
        ctx.status = status
        self.backend.record(
            method=ctx.method,
            path=ctx.path,
            status=status,
            client_request_id=ctx.client_request_id,
            request_id=ctx.request_id,
            app_id=principal.app_id,
            operation=f"batch:{ctx.operation}",
        )
        answer_headers = {"request-id": ctx.request_id, **out_headers}
        if body is not None:
            answer_headers["Content-Type"] = "application/json"
        answer: dict[str, Any] = {"id": item["id"], "status": status, "headers": answer_headers}
        if body is not None:
            answer["body"] = body
        return answer


def _parse_batch(raw: bytes) -> list[dict[str, Any]]:
    try:
        doc = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Invalid batch payload: the body is not valid JSON.") from None
    requests = doc.get("requests") if isinstance(doc, dict) else None
    if not isinstance(requests, list) or not requests:
        raise BadRequest("Invalid batch payload: 'requests' must be a non-empty array.")
    if len(requests) > MAX_BATCH_REQUESTS:
        raise BadRequest(
            f"Invalid batch payload: the number of requests exceeds the limit of {MAX_BATCH_REQUESTS}."
        )
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, req in enumerate(requests):
        if not isinstance(req, dict):
            raise BadRequest(f"Invalid batch payload: request {i} is not an object.")
        rid, method, url = req.get("id"), req.get("method"), req.get("url")
        if not isinstance(rid, str) or not rid or rid in seen:
            raise BadRequest(f"Invalid batch payload: request {i} needs a unique string 'id'.")
        seen.add(rid)
        if not isinstance(method, str) or method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise BadRequest(f"Invalid batch payload: request '{rid}' has an invalid 'method'.")
        if not isinstance(url, str) or not url or "://" in url:
            raise BadRequest(f"Invalid batch payload: request '{rid}' needs a relative 'url'.")
        headers = req.get("headers") or {}
        if not isinstance(headers, dict):
            raise BadRequest(f"Invalid batch payload: request '{rid}' has invalid 'headers'.")
        body = req.get("body")
        raw_body = (
            b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        )
        items.append(
            {
                "id": rid,
                "method": method.upper(),
                "url": url,
                "headers": {str(k).lower(): str(v) for k, v in headers.items()},
                "body": raw_body,
            }
        )
    return items


def _to_response(result: GraphResult) -> Response:
    if result.body is None:
        return Response(status_code=result.status, headers=result.headers)
    return JSONResponse(result.body, status_code=result.status, headers=result.headers)
