"""HTTP routes of the emulated identity platform: token, discovery, JWKS, GitHub-style OIDC."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .context import Services, get_context
from .exceptions import AadError

_NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (unquote_plus(user), unquote_plus(password)) if sep else None


def identity_routes(services: Services) -> list[BaseRoute]:
    """Build the identity routes (they are never subject to Graph faults or throttling)."""
    identity = services.identity

    async def token(request: Request) -> Response:
        ctx = get_context(request.scope)
        ctx.operation = "token"
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise AadError(
                status=400,
                error="invalid_request",
                aadsts=900144,
                description="The request body must be application/x-www-form-urlencoded.",
            )
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        basic = _basic_auth(request.headers.get("authorization"))
        ctx.app_id = form.get("client_id") or (basic[0] if basic else None)
        result = identity.grant(request.path_params["tenant"], form, basic)
        return JSONResponse(result.to_json(), headers=_NO_STORE)

    async def discovery(request: Request) -> Response:
        get_context(request.scope).operation = "openidConfiguration"
        return JSONResponse(identity.openid_configuration(request.path_params["tenant"]))

    async def keys(request: Request) -> Response:
        get_context(request.scope).operation = "jwks"
        return JSONResponse(identity.jwks(request.path_params["tenant"]))

    async def github_token(request: Request) -> Response:
        get_context(request.scope).operation = "githubOidc.token"
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        request_token = value.strip() if scheme.lower() == "bearer" else None
        jwt_value = identity.github_token(
            request_token=request_token, audience=request.query_params.get("audience")
        )
        return JSONResponse({"count": 1, "value": jwt_value}, headers=_NO_STORE)

    async def github_discovery(request: Request) -> Response:
        get_context(request.scope).operation = "githubOidc.openidConfiguration"
        return JSONResponse(identity.github_openid_configuration())

    async def github_keys(request: Request) -> Response:
        get_context(request.scope).operation = "githubOidc.jwks"
        return JSONResponse(identity.github_jwks())

    return [
        Route("/github-actions/idtoken", github_token, methods=["GET"]),
        Route("/github-actions/.well-known/openid-configuration", github_discovery, methods=["GET"]),
        Route("/github-actions/.well-known/jwks", github_keys, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route("/{tenant}/discovery/v2.0/keys", keys, methods=["GET"]),
    ]
