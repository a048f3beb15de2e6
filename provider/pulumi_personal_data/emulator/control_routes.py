"""The control API under /_emulator/: reset, seed, faults, throttle, journal, process, tokens, state."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .context import Services, get_context
from .exceptions import BadRequest
from .faults import ConfigError, FaultSpec, ThrottleSpec
from .identity import GRAPH_AUDIENCES
from .seed import SeedError, parse_seed

CONTROL_PREFIX = "/_emulator"


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The control request body is not valid JSON.") from None


async def _object(request: Request) -> dict[str, Any]:
    doc = await _json(request)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise BadRequest("The control request body must be a JSON object.")
    return doc


def _strings(doc: dict[str, Any], key: str) -> list[str] | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"'{key}' must be a list of strings.")
    return value


def control_routes(services: Services) -> list[BaseRoute]:
    """Build the control routes; mounted at /_emulator, never journaled, never faulted."""
    backend = services.backend
    identity = services.identity

    def info_doc() -> dict[str, Any]:
        return {
            "baseUrl": services.base_url,
            "graphUrl": services.graph_url,
            "authority": services.base_url,
            "tenantId": backend.tenant_id,
            "githubOidcUrl": identity.github_request_url,
            "githubIssuer": identity.github_issuer,
            "processingDelay": backend.processing_delay,
        }

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def info(request: Request) -> Response:
        return JSONResponse(info_doc())

    async def reset(request: Request) -> Response:
        backend.reset()
        services.faults.configure(services.initial_faults)
        services.throttle.configure(services.initial_throttle)
        return JSONResponse({"status": "reset"})

    async def seed(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(backend.seed.raw)
        try:
            parsed = parse_seed(await _object(request))
        except SeedError as exc:
            raise BadRequest(str(exc)) from None
        backend.load_seed(parsed)
        services.faults.configure(services.initial_faults)
        services.throttle.configure(services.initial_throttle)
        return JSONResponse({"status": "seeded", "tenantId": parsed.tenant_id})

    async def generate(request: Request) -> Response:
        doc = await _object(request)
        count = doc.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1_000_000:
            raise BadRequest("'count' must be an integer between 1 and 1000000.")
        home = str(doc.get("homeTenantId", "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"))
        ids = backend.generate_inbound(
            count, home_tenant_id=home, prefix=str(doc.get("prefix", "Generated User"))
        )
        return JSONResponse({"userIds": ids})

    def config_endpoint(
        get: Callable[[], dict[str, Any] | None],
        put: Callable[[dict[str, Any] | None], None],
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if request.method == "PUT":
                doc = await _json(request)
                if doc is not None and not isinstance(doc, dict):
                    raise BadRequest("The body must be a JSON object or null.")
                try:
                    put(doc)
                except ConfigError as exc:
                    raise BadRequest(str(exc)) from None
            elif request.method == "DELETE":
                put(None)
            return JSONResponse({"config": get()})

        return endpoint

    def get_faults() -> dict[str, Any] | None:
        spec = services.faults.spec
        return None if spec is None else spec.to_json()

    def put_faults(doc: dict[str, Any] | None) -> None:
        services.faults.configure(None if doc is None else FaultSpec.from_json(doc))

    def get_throttle() -> dict[str, Any] | None:
        spec = services.throttle.spec
        return None if spec is None else spec.to_json()

    def put_throttle(doc: dict[str, Any] | None) -> None:
        services.throttle.configure(None if doc is None else ThrottleSpec.from_json(doc))

    async def journal(request: Request) -> Response:
        if request.method == "DELETE":
            backend.store.clear_journal()
            return JSONResponse({"entries": []})
        raw_after = request.query_params.get("after", "0")
        if not raw_after.isdigit():
            raise BadRequest("'after' must be a non-negative integer.")
        entries = backend.journal(after_seq=int(raw_after))
        return JSONResponse({"entries": [e.to_json() for e in entries]})

    async def process(request: Request) -> Response:
        return JSONResponse({"processed": backend.process_pending()})

    async def tokens(request: Request) -> Response:
        doc = await _object(request)
        kind = doc.get("kind", "access")
        expires_in = doc.get("expiresIn")
        if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, int)):
            raise BadRequest("'expiresIn' must be an integer (negative for an expired token).")
        if kind == "federated":
            subject = doc.get("subject")
            if not isinstance(subject, str) or not subject:
                raise BadRequest("'subject' is required for a federated token.")
            token = identity.mint_github_token(
                subject=subject,
                audience=str(doc.get("audience", "api://AzureADTokenExchange")),
                expires_in=300 if expires_in is None else expires_in,
            )
            return JSONResponse({"token": token})
        if kind != "access":
            raise BadRequest("'kind' must be 'access' or 'federated'.")
        audience = str(doc.get("audience", GRAPH_AUDIENCES[0]))
        untrusted = bool(doc.get("untrustedKey", False))
        app_id = doc.get("appId")
        user = doc.get("user")
        if user is not None:
            if not isinstance(user, str):
                raise BadRequest("'user' must be a user id or UPN.")
            try:
                token = identity.mint_for_user(
                    user=user,
                    app_id=str(app_id or backend.seed.applications[0].app_id),
                    scopes=_strings(doc, "scopes") or [],
                    directory_roles=_strings(doc, "directoryRoles"),
                    expires_in=expires_in,
                    audience=audience,
                    untrusted_key=untrusted,
                )
            except KeyError:
                raise BadRequest(f"Unknown user '{user}'.") from None
            return JSONResponse({"token": token})
        if not isinstance(app_id, str) or not app_id:
            raise BadRequest("'appId' or 'user' is required.")
        app = backend.app(app_id.lower())
        roles = _strings(doc, "roles")
        if roles is None:
            roles = list(app.roles) if app else []
        token = identity.mint_access_token(
            app_id=app_id,
            roles=roles,
            wids=_strings(doc, "wids") or [],
            expires_in=expires_in,
            audience=audience,
            untrusted_key=untrusted,
            tenant_id=str(doc["tenantId"]) if doc.get("tenantId") else None,
        )
        return JSONResponse({"token": token})

    async def app_roles(request: Request) -> Response:
        doc = await _object(request)
        roles = _strings(doc, "roles")
        if roles is None:
            raise BadRequest("'roles' is required: the application roles to grant.")
        try:
            app = backend.set_app_roles(request.path_params["app_id"], roles)
        except KeyError:
            return JSONResponse(
                {"error": {"code": "Request_ResourceNotFound", "message": "No such application."}},
                status_code=404,
            )
        return JSONResponse({"appId": app.app_id, "roles": list(app.roles)})

    async def profile(request: Request) -> Response:
        user_id = request.path_params["user_id"]
        state = backend.profile_state(user_id)
        return JSONResponse({"userId": user_id.lower(), "state": state})

    def quiet(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        # Control calls are not journaled, so reading the journal never changes it.
        async def wrapped(request: Request) -> Response:
            ctx = get_context(request.scope)
            ctx.journal = False
            ctx.operation = "control"
            response: Response = await endpoint(request)
            return response

        return wrapped

    table: list[tuple[str, Callable[[Request], Any], list[str]]] = [
        ("/health", health, ["GET"]),
        ("/info", info, ["GET"]),
        ("/reset", reset, ["POST"]),
        ("/seed", seed, ["GET", "PUT", "POST"]),
        ("/seed/generate", generate, ["POST"]),
        ("/faults", config_endpoint(get_faults, put_faults), ["GET", "PUT", "DELETE"]),
        ("/throttle", config_endpoint(get_throttle, put_throttle), ["GET", "PUT", "DELETE"]),
        ("/journal", journal, ["GET", "DELETE"]),
        ("/process", process, ["POST"]),
        ("/tokens", tokens, ["POST"]),
        ("/profiles/{user_id}", profile, ["GET"]),
        ("/applications/{app_id}/roles", app_roles, ["PUT"]),
    ]
    return [Route(path, quiet(endpoint), methods=methods) for path, endpoint, methods in table]
