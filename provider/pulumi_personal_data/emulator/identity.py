"""Emulated Entra identity: signing keys, client-credentials grant, token checks, JWKS, GitHub OIDC."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .exceptions import AadError, GithubOidcError, InvalidAuthenticationToken
from .models import AppRegistration, EmulatorBackend, Principal, roles_to_wids

GRAPH_RESOURCE_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_AUDIENCES = ("https://graph.microsoft.com", GRAPH_RESOURCE_ID)
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_GRAPH_DEFAULT_SCOPES = frozenset(
    {f"{GRAPH_AUDIENCES[0]}/.default", f"{GRAPH_AUDIENCES[0]}//.default", f"{GRAPH_RESOURCE_ID}/.default"}
)
_TOKEN_CACHE_MAX = 10_000
# Tolerated clock skew when checking exp/nbf; small, so tests with already-expired tokens are quick.
_LEEWAY_SECONDS = 5


class SigningKey:
    """An RSA signing key with a stable key id, kept as PEM in the data dir when there is one."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        der = self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:20]).decode().rstrip("=")

    @classmethod
    def generate(cls) -> SigningKey:
        """Create a fresh 2048-bit key."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def load_or_create(cls, path: Path | None) -> SigningKey:
        """Load the PEM key at ``path``, or create it (and write it there) when missing."""
        if path is not None and path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"{path} does not hold an RSA private key")
            return cls(key)
        created = cls.generate()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(
                created.private_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            path.chmod(0o600)
        return created

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK, as Entra publishes it."""
        jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return jwk

    def sign(self, claims: Mapping[str, Any]) -> str:
        """Sign ``claims`` as an RS256 JWT carrying this key's kid."""
        return jwt.encode(dict(claims), self.private_key, algorithm="RS256", headers={"kid": self.kid})


@dataclass(frozen=True)
class TokenResponse:
    """A successful token grant."""

    access_token: str
    expires_in: int

    def to_json(self) -> dict[str, Any]:
        """The token endpoint's JSON body."""
        return {
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "ext_expires_in": self.expires_in,
            "access_token": self.access_token,
        }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class IdentityService:
    """Issues and verifies tokens for the emulated tenant (Entra-like) and a GitHub-like OIDC issuer."""

    def __init__(
        self,
        backend: EmulatorBackend,
        *,
        base_url: str,
        aad_key: SigningKey,
        github_key: SigningKey,
        token_lifetime: int = 3600,
    ) -> None:
        self.backend = backend
        self.base_url = base_url
        self.aad_key = aad_key
        self.github_key = github_key
        self.token_lifetime = token_lifetime
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._cache_lock = threading.Lock()

    # -- URLs --------------------------------------------------------------------------------
    def issuer(self, tenant_id: str) -> str:
        """Issuer of tokens for ``tenant_id`` (also the discovery doc's issuer)."""
        return f"{self.base_url}/{tenant_id}/v2.0"

    def token_endpoint(self, tenant: str) -> str:
        """The tenant's token endpoint."""
        return f"{self.base_url}/{tenant}/oauth2/v2.0/token"

    @property
    def github_issuer(self) -> str:
        """Issuer of the GitHub-Actions-style OIDC tokens."""
        return f"{self.base_url}/github-actions"

    @property
    def github_request_url(self) -> str:
        """What a workflow sees as ACTIONS_ID_TOKEN_REQUEST_URL (clients append ``&audience=``)."""
        return f"{self.github_issuer}/idtoken?api-version=2.0"

    def _check_tenant(self, tenant: str) -> str:
        tid = self.backend.tenant_id
        if tenant.lower() != tid:
            raise AadError(
                status=400,
                error="invalid_tenant",
                aadsts=90002,
                description=(
                    f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."
                ),
            )
        return tid

    # -- discovery ---------------------------------------------------------------------------
    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        """OpenID discovery document; its issuer shares scheme and host with the authority (MSAL checks)."""
        tid = self._check_tenant(tenant)
        prefix = f"{self.base_url}/{tid}"
        return {
            "token_endpoint": f"{prefix}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{prefix}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": self.issuer(tid),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{prefix}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{prefix}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{prefix}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "tid",
                "ver",
                "oid",
                "roles",
                "scp",
                "wids",
                "appid",
                "azp",
            ],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "emulator.local",
            "cloud_graph_host_name": "graph.emulator.local",
            "msgraph_host": "graph.emulator.local",
        }

    def jwks(self, tenant: str) -> dict[str, Any]:
        """The tenant's signing keys."""
        self._check_tenant(tenant)
        return {"keys": [self.aad_key.jwk()]}

    def github_openid_configuration(self) -> dict[str, Any]:
        """Discovery document of the GitHub-like issuer."""
        return {
            "issuer": self.github_issuer,
            "jwks_uri": f"{self.github_issuer}/.well-known/jwks",
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        }

    def github_jwks(self) -> dict[str, Any]:
        """Keys of the GitHub-like issuer."""
        return {"keys": [self.github_key.jwk()]}

    # -- issuing -----------------------------------------------------------------------------
    def mint_access_token(
        self,
        *,
        app_id: str,
        roles: Sequence[str] = (),
        scopes: Sequence[str] = (),
        wids: Sequence[str] = (),
        user_id: str | None = None,
        user_principal_name: str | None = None,
        expires_in: int | None = None,
        audience: str = GRAPH_AUDIENCES[0],
        tenant_id: str | None = None,
        untrusted_key: bool = False,
        appidacr: str = "1",
    ) -> str:
        """Sign an access token (app-only without ``user_id``, delegated with it)."""
        now = int(time.time())
        lifetime = self.token_lifetime if expires_in is None else expires_in
        tid = tenant_id or self.backend.tenant_id
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": self.issuer(tid),
            "iat": min(now, now + lifetime) - 1,
            "nbf": min(now, now + lifetime) - 1,
            "exp": now + lifetime,
            "appid": app_id,
            "azp": app_id,
            "appidacr": appidacr,
            "idp": self.issuer(tid),
            "tid": tid,
            "uti": _b64url(uuid.uuid4().bytes),
            "ver": "1.0",
            "wids": list(wids),
        }
        if user_id is None:
            claims.update(
                {
                    "idtyp": "app",
                    "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, app_id)),
                    "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, app_id)),
                    "roles": list(roles),
                }
            )
        else:
            claims.update(
                {
                    "idtyp": "user",
                    "oid": user_id,
                    "sub": user_id,
                    "scp": " ".join(scopes),
                    "upn": user_principal_name or user_id,
                }
            )
            if roles:
                claims["roles"] = list(roles)
        # A throwaway key with the real kid yields a token that fails signature checks.
        key = SigningKey.generate() if untrusted_key else self.aad_key
        if untrusted_key:
            return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": self.aad_key.kid})
        return key.sign(claims)

    def mint_github_token(
        self,
        *,
        subject: str,
        audience: str | None,
        claims: Mapping[str, Any] | None = None,
        expires_in: int = 300,
    ) -> str:
        """Sign a GitHub-Actions-style OIDC token for ``subject``."""
        now = int(time.time())
        body: dict[str, Any] = dict(claims or {})
        body.update(
            {
                "iss": self.github_issuer,
                "sub": subject,
                "aud": audience or "https://github.com/contoso",
                "iat": min(now, now + expires_in) - 1,
                "nbf": min(now, now + expires_in) - 1,
                "exp": now + expires_in,
                "jti": str(uuid.uuid4()),
            }
        )
        return self.github_key.sign(body)

    def github_token(self, *, request_token: str | None, audience: str | None) -> str:
        """Answer the OIDC request endpoint: a federated token for the request token's workflow."""
        if not request_token:
            raise GithubOidcError("Bearer request token is required.")
        found = self.backend.github_subject(request_token)
        if found is None:
            raise GithubOidcError("Invalid request token.")
        return self.mint_github_token(subject=found.subject, audience=audience, claims=found.claims)

    # -- the token grant -----------------------------------------------------------------------
    def grant(
        self, tenant: str, form: Mapping[str, str], basic: tuple[str, str] | None = None
    ) -> TokenResponse:
        """The client-credentials grant with a secret or a client assertion (federated or certificate)."""
        tid = self._check_tenant(tenant)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise _missing("grant_type")
        if grant_type != "client_credentials":
            raise AadError(
                status=400,
                error="unsupported_grant_type",
                aadsts=70003,
                description=f"The app requested an unsupported grant type '{grant_type}'.",
            )
        client_id = form.get("client_id") or (basic[0] if basic else None)
        if not client_id:
            raise _missing("client_id")
        app = self.backend.app(client_id.lower())
        if app is None:
            raise AadError(
                status=400,
                error="unauthorized_client",
                aadsts=700016,
                description=(
                    f"Application with identifier '{client_id}' was not found in the directory "
                    f"'{tid}'. This can happen if the application has not been installed by the "
                    "administrator of the tenant or consented to by any user in the tenant."
                ),
            )
        scope = form.get("scope")
        if not scope:
            raise _missing("scope")
        self._check_scope(scope)
        secret = form.get("client_secret") or (basic[1] if basic else None)
        assertion = form.get("client_assertion")
        if secret is not None:
            if not any(hmac.compare_digest(secret.encode(), s.encode()) for s in app.secrets):
                raise AadError(
                    status=401,
                    error="invalid_client",
                    aadsts=7000215,
                    description=(
                        "Invalid client secret provided. Ensure the secret being sent in the request "
                        "is the client secret value, not the client secret ID, for a secret added to "
                        f"app '{app.app_id}'."
                    ),
                )
            acr = "1"
        elif assertion is not None:
            if form.get("client_assertion_type") != JWT_BEARER:
                raise AadError(
                    status=400,
                    error="invalid_request",
                    aadsts=70012,
                    description=f"client_assertion_type must be '{JWT_BEARER}'.",
                )
            self._verify_assertion(app, tid, assertion)
            acr = "2"
        else:
            raise AadError(
                status=401,
                error="invalid_client",
                aadsts=7000218,
                description="The request body must contain the following parameter: "
                "'client_assertion' or 'client_secret'.",
            )
        token = self.mint_access_token(app_id=app.app_id, roles=app.roles, appidacr=acr)
        return TokenResponse(token, self.token_lifetime)

    @staticmethod
    def _check_scope(scope: str) -> None:
        wanted = [s for s in scope.split() if s not in _RESERVED_SCOPES]
        if not wanted:
            raise _missing("scope")
        for s in wanted:
            if s in _GRAPH_DEFAULT_SCOPES:
                continue
            if not s.endswith("/.default"):
                raise AadError(
                    status=400,
                    error="invalid_scope",
                    aadsts=1002012,
                    description=(
                        f"The provided value for scope {s} is not valid. Client credential flows "
                        "must have a scope value with /.default suffixed to the resource identifier "
                        "(application ID URI)."
                    ),
                )
            raise AadError(
                status=400,
                error="invalid_resource",
                aadsts=500011,
                description=(
                    f"The resource principal named {s.removesuffix('/.default')} was not found in "
                    "the tenant. Only Microsoft Graph is emulated."
                ),
            )

    def _verify_assertion(self, app: AppRegistration, tid: str, assertion: str) -> None:
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AadError(
                status=400,
                error="invalid_client",
                aadsts=50027,
                description="JWT token is invalid or malformed.",
            ) from None
        if "x5t" in header or "x5t#S256" in header:
            self._verify_certificate_assertion(app, tid, assertion, header)
            return
        issuer = str(unverified.get("iss", ""))
        creds = [
            c for c in app.federated_credentials if c.issuer.replace("{base_url}", self.base_url) == issuer
        ]
        if not creds:
            raise AadError(
                status=400,
                error="invalid_client",
                aadsts=700211,
                description=(
                    f"No matching federated identity record found for presented assertion issuer '{issuer}'."
                ),
            )
        if issuer != self.github_issuer:
            raise AadError(
                status=400,
                error="invalid_client",
                aadsts=50166,
                description=(
                    f"Request to External OIDC endpoint failed: issuer '{issuer}' is not "
                    "served by the emulator."
                ),
            )
        claims = self._decode_assertion(assertion, self.github_key.public_key, None)
        subject = str(claims.get("sub", ""))
        creds = [c for c in creds if c.subject == subject]
        if not creds:
            raise AadError(
                status=400,
                error="invalid_client",
                aadsts=700213,
                description=(
                    "No matching federated identity record found for presented assertion "
                    f"subject '{subject}'."
                ),
            )
        aud = claims.get("aud")
        auds = {aud} if isinstance(aud, str) else set(aud or [])
        if not any(auds & set(c.audiences) for c in creds):
            raise AadError(
                status=400,
                error="invalid_client",
                aadsts=700212,
                description=(
                    f"No matching federated identity record found for presented assertion audience '{aud}'."
                ),
            )

    def _verify_certificate_assertion(
        self, app: AppRegistration, tid: str, assertion: str, header: Mapping[str, Any]
    ) -> None:
        public_key = None
        # MSAL keeps base64 padding on thumbprints; compare without it.
        x5t = str(header.get("x5t", "")).rstrip("=")
        x5t_s256 = str(header.get("x5t#S256", "")).rstrip("=")
        for pem in app.certificates:
            cert = x509.load_pem_x509_certificate(pem.encode())
            sha1 = _b64url(cert.fingerprint(hashes.SHA1()))  # noqa: S303 - x5t is SHA-1 by spec
            if (x5t and x5t == sha1) or (x5t_s256 and x5t_s256 == _b64url(cert.fingerprint(hashes.SHA256()))):
                public_key = cert.public_key()
                break
        if public_key is None:
            raise AadError(
                status=401,
                error="invalid_client",
                aadsts=700027,
                description=(
                    "The certificate with identifier used to sign the client assertion is not "
                    f"registered on application '{app.app_id}'."
                ),
            )
        claims = self._decode_assertion(
            assertion, public_key, [self.token_endpoint(tid), self.token_endpoint(tid.upper())]
        )
        if claims.get("iss") != app.app_id or claims.get("sub") != app.app_id:
            raise AadError(
                status=401,
                error="invalid_client",
                aadsts=700023,
                description="Client assertion iss and sub must be the client id.",
            )

    @staticmethod
    def _decode_assertion(assertion: str, key: Any, audience: list[str] | None) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                key,
                algorithms=["RS256", "PS256"],
                audience=audience,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp"], "verify_aud": audience is not None},
            )
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
            raise AadError(
                status=400,
                error="invalid_client",
                aadsts=700024,
                description="Client assertion is not within its valid time range.",
            ) from None
        except jwt.InvalidAudienceError:
            raise AadError(
                status=401,
                error="invalid_client",
                aadsts=700021,
                description="Client assertion audience claim does not match the token endpoint.",
            ) from None
        except jwt.PyJWTError:
            raise AadError(
                status=401,
                error="invalid_client",
                aadsts=700027,
                description="Client assertion failed signature validation.",
            ) from None
        return claims

    # -- verification of Graph access tokens -------------------------------------------------
    def authenticate(self, authorization: str | None) -> Principal:
        """Return the caller of a Graph request from its Authorization header, or raise 401."""
        if not authorization:
            raise self._unauthorized("Access token is empty.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self._unauthorized("Access token is empty.")
        token = token.strip()
        now = time.time()
        cached = self._cache.get(token)
        # Verified tokens are cached until they expire, so RS256 is checked once per token.
        if cached is not None and now < cached[1] + _LEEWAY_SECONDS:
            return cached[0]
        principal, exp = self._verify(token)
        with self._cache_lock:
            if len(self._cache) >= _TOKEN_CACHE_MAX:
                self._cache.clear()
            self._cache[token] = (principal, exp)
        return principal

    def _unauthorized(self, message: str) -> InvalidAuthenticationToken:
        tid = self.backend.tenant_id
        return InvalidAuthenticationToken(
            message, authorization_uri=f"{self.base_url}/{tid}/oauth2/v2.0/authorize"
        )

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise self._unauthorized("IDX14100: JWT is not well formed.") from None
        if header.get("kid") != self.aad_key.kid:
            raise self._unauthorized("Access token validation failure. Unknown signing key.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.aad_key.public_key,
                algorithms=["RS256"],
                audience=list(GRAPH_AUDIENCES),
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "nbf", "aud", "iss", "tid"]},
            )
        except jwt.ExpiredSignatureError:
            raise self._unauthorized("Lifetime validation failed, the token is expired.") from None
        except jwt.InvalidAudienceError:
            raise self._unauthorized("Access token validation failure. Invalid audience.") from None
        except jwt.InvalidSignatureError:
            raise self._unauthorized("Access token validation failure. Invalid signature.") from None
        except jwt.PyJWTError as exc:
            raise self._unauthorized(f"Access token validation failure. {exc}") from None
        tid = str(claims["tid"])
        # The path, not the port, identifies the issuer: tokens stay valid across a restart on a new port.
        if tid != self.backend.tenant_id or not str(claims["iss"]).endswith(f"/{tid}/v2.0"):
            raise self._unauthorized("Access token validation failure. Invalid issuer.")
        app_id = str(claims.get("appid") or claims.get("azp") or "")
        scp = claims.get("scp")
        principal = Principal(
            tenant_id=tid,
            app_id=app_id,
            roles=frozenset(claims.get("roles") or ()),
            scopes=frozenset(str(scp).split()) if scp else frozenset(),
            wids=frozenset(claims.get("wids") or ()),
            user_id=str(claims.get("oid")) if claims.get("idtyp") == "user" or scp else None,
        )
        return principal, float(claims["exp"])

    def mint_for_user(
        self,
        *,
        user: str,
        app_id: str,
        scopes: Sequence[str],
        directory_roles: Sequence[str] | None,
        expires_in: int | None,
        audience: str,
        untrusted_key: bool,
    ) -> str:
        """Mint a delegated token for a seeded user (its directory roles become ``wids``)."""
        found = self.backend.user(user)
        if found is None:
            raise KeyError(user)
        wids = roles_to_wids(directory_roles) if directory_roles is not None else list(found.wids)
        return self.mint_access_token(
            app_id=app_id,
            scopes=scopes,
            wids=wids,
            user_id=found.user_id,
            user_principal_name=found.user_principal_name,
            expires_in=expires_in,
            audience=audience,
            untrusted_key=untrusted_key,
        )


def _missing(param: str) -> AadError:
    return AadError(
        status=400,
        error="invalid_request",
        aadsts=900144,
        description=f"The request body must contain the following parameter: '{param}'.",
    )
