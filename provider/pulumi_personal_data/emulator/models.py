"""State and logic of the emulated tenant: profiles, removal lifecycle, exports, permissions, journal."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .exceptions import AuthorizationRequestDenied, BadRequest, ResourceNotFound
from .store import InboundRow, JournalRow, OperationRow, RemovalRow, Store

ProfileState = Literal["present", "pending", "removed", "unknown"]

# Directory role template ids (the values Entra puts into the `wids` claim).
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
DIRECTORY_ROLE_IDS: dict[str, str] = {
    "Global Administrator": GLOBAL_ADMINISTRATOR,
    "Global Reader": GLOBAL_READER,
}

_READ_ALL = "CrossTenantUserProfileSharing.Read.All"
_READWRITE_ALL = "CrossTenantUserProfileSharing.ReadWrite.All"
_READ = "CrossTenantUserProfileSharing.Read"
_READWRITE = "CrossTenantUserProfileSharing.ReadWrite"


# -- app registrations and users (from the seed) -------------------------------------------
@dataclass(frozen=True)
class FederatedCredential:
    """A federated identity credential on an app: the (issuer, subject, audiences) it trusts."""

    name: str
    issuer: str
    subject: str
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class AppRegistration:
    """An app registration: client id, secrets, granted application roles, trusted credentials."""

    app_id: str
    display_name: str
    secrets: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    federated_credentials: tuple[FederatedCredential, ...] = ()
    certificates: tuple[str, ...] = ()  # PEM certificates whose keys may sign client assertions


@dataclass(frozen=True)
class DirectoryUser:
    """A user of the emulated tenant, for delegated tokens (its directory roles become `wids`)."""

    user_id: str
    user_principal_name: str
    display_name: str
    directory_roles: tuple[str, ...] = ()

    @property
    def wids(self) -> tuple[str, ...]:
        """Role template ids of the user's directory roles (unknown names are passed through)."""
        return tuple(DIRECTORY_ROLE_IDS.get(r, r) for r in self.directory_roles)


@dataclass(frozen=True)
class GithubOidcSubject:
    """A GitHub-Actions-style OIDC request token and the workflow identity it yields."""

    request_token: str
    subject: str
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundProfile:
    """An inboundSharedUserProfile (Graph's four read-only properties)."""

    user_id: str
    user_principal_name: str
    display_name: str
    home_tenant_id: str

    def to_graph(self) -> dict[str, str]:
        """Return the Graph JSON representation."""
        return {
            "userId": self.user_id,
            "userPrincipalName": self.user_principal_name,
            "displayName": self.display_name,
            "homeTenantId": self.home_tenant_id,
        }


@dataclass(frozen=True)
class OutboundProfile:
    """An outboundSharedUserProfile with the tenant ids it is still shared with."""

    user_id: str
    tenant_ids: tuple[str, ...]


@dataclass(frozen=True)
class Seed:
    """Everything the emulated tenant starts from (see seed.py for the JSON format)."""

    tenant_id: str
    tenant_display_name: str
    applications: tuple[AppRegistration, ...]
    users: tuple[DirectoryUser, ...]
    github_oidc: tuple[GithubOidcSubject, ...]
    inbound: tuple[InboundProfile, ...]
    outbound: tuple[OutboundProfile, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class DataPolicyOperation:
    """An export request (Graph's dataPolicyOperation)."""

    id: str
    user_id: str
    storage_location: str
    submitted_at: float
    complete_at: float | None

    def status(self, now: float) -> str:
        """Return Graph's status value at ``now``."""
        return "complete" if self.complete_at is not None and self.complete_at <= now else "running"


# -- callers and permissions ---------------------------------------------------------------
@dataclass(frozen=True)
class Principal:
    """The verified caller of a Graph request, taken from the access token's claims."""

    tenant_id: str
    app_id: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    wids: frozenset[str] = frozenset()
    user_id: str | None = None

    @property
    def delegated(self) -> bool:
        """True for a user (delegated) token, False for an app-only token."""
        return self.user_id is not None


@dataclass(frozen=True)
class Permission:
    """What grants an operation: app roles, or delegated scopes plus one of some directory roles."""

    app_roles: frozenset[str]
    delegated_scopes: frozenset[str]
    delegated_wids: frozenset[str]

    def check(self, principal: Principal) -> None:
        """Raise AuthorizationRequestDenied unless ``principal`` is granted this permission."""
        if principal.delegated:
            if principal.scopes & self.delegated_scopes and principal.wids & self.delegated_wids:
                return
        elif principal.roles & self.app_roles:
            return
        raise AuthorizationRequestDenied()


_READERS = frozenset({GLOBAL_READER, GLOBAL_ADMINISTRATOR})
PERMISSION_LIST = Permission(
    frozenset({_READ_ALL, _READWRITE_ALL}), frozenset({_READ_ALL, _READWRITE_ALL}), _READERS
)
PERMISSION_GET = Permission(
    frozenset({_READ_ALL, _READWRITE_ALL}),
    frozenset({_READ, _READ_ALL, _READWRITE, _READWRITE_ALL}),
    _READERS,
)
PERMISSION_EXPORT = PERMISSION_LIST
PERMISSION_REMOVE = Permission(
    frozenset({_READWRITE_ALL}),
    frozenset({_READWRITE, _READWRITE_ALL}),
    frozenset({GLOBAL_ADMINISTRATOR}),
)


def validate_guid(value: str, what: str = "object identifier") -> str:
    """Return the canonical lower-case GUID, or raise BadRequest as Graph does for a bad id."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadRequest(f"Invalid {what} '{value}'.") from None


#: Meta key of the role grants made through the control API since the last seed or reset.
_GRANTS_KEY = "appRoleGrants"


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class JournalEntry:
    """One recorded request: what was called, by which app, and how it was answered."""

    seq: int
    method: str
    path: str
    status: int
    client_request_id: str | None
    request_id: str
    app_id: str | None
    operation: str
    time: str

    def to_json(self) -> dict[str, Any]:
        """Return the control API's JSON form."""
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "clientRequestId": self.client_request_id,
            "requestId": self.request_id,
            "appId": self.app_id,
            "operation": self.operation,
            "time": self.time,
        }


@dataclass(frozen=True)
class Page:
    """One page of a collection and the key to continue after it (None on the last page)."""

    items: list[Any]
    next_key: str | None


def encode_skiptoken(key: str) -> str:
    """Opaque $skiptoken for keyset paging."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> str:
    """Inverse of encode_skiptoken; BadRequest for a token we did not issue."""
    try:
        key = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        key = ""
    if not key:
        raise BadRequest(f"Invalid $skiptoken '{token}'.")
    return key


class EmulatorBackend:
    """The emulated tenant: all Graph operations, with removals processed lazily by timestamp."""

    def __init__(
        self,
        store: Store,
        *,
        processing_delay: float | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.processing_delay = processing_delay
        self.clock = clock
        self._lock = threading.RLock()
        self._seed: Seed | None = None
        self._apps: dict[str, AppRegistration] = {}
        self._users: dict[str, DirectoryUser] = {}
        self._github: dict[str, GithubOidcSubject] = {}
        self._next_due = store.next_due()

    # -- seed ------------------------------------------------------------------------------
    @property
    def seed(self) -> Seed:
        """The current seed."""
        if self._seed is None:
            raise RuntimeError("the emulator has not been seeded")
        return self._seed

    @property
    def tenant_id(self) -> str:
        """The emulated tenant's id."""
        return self.seed.tenant_id

    def adopt_seed(self, seed: Seed) -> None:
        """Use ``seed``'s apps and users without touching stored profiles (restart on a data dir).

        Role grants made through :meth:`set_app_roles` since the last seed or reset are stored
        with the data and applied on top, so they survive a restart too.
        """
        with self._lock:
            self._seed = seed
            self._apps = {a.app_id: a for a in seed.applications}
            for app_id, roles in json.loads(self.store.get_meta(_GRANTS_KEY) or "{}").items():
                if app_id in self._apps:
                    self._apps[app_id] = replace(self._apps[app_id], roles=tuple(roles))
            self._users = {u.user_id: u for u in seed.users}
            self._github = {g.request_token: g for g in seed.github_oidc}
            self._next_due = self.store.next_due()

    def load_seed(self, seed: Seed) -> None:
        """Replace the whole state (profiles, requests, journal) with ``seed``."""
        with self._lock:
            self.store.replace_all(
                inbound=[
                    (p.user_id, p.user_principal_name, p.display_name, p.home_tenant_id) for p in seed.inbound
                ],
                outbound=[(p.user_id, t) for p in seed.outbound for t in p.tenant_ids],
                meta={"seed": json.dumps(seed.raw)},
            )
            self.adopt_seed(seed)

    def reset(self) -> None:
        """Return to the current seed's state."""
        self.load_seed(self.seed)

    def set_app_roles(self, app_id: str, roles: Sequence[str]) -> AppRegistration:
        """Grant exactly ``roles`` to an app, as an admin consent does; tokens issued later carry them.

        Stored with the data (a restart on a data dir keeps it); a reset or a new seed drops it.
        """
        with self._lock:
            app = self._apps.get(app_id.lower()) or self._apps.get(app_id)
            if app is None:
                raise KeyError(app_id)
            updated = replace(app, roles=tuple(roles))
            grants = json.loads(self.store.get_meta(_GRANTS_KEY) or "{}")
            grants[updated.app_id] = list(updated.roles)
            self.store.set_meta(_GRANTS_KEY, json.dumps(grants, sort_keys=True))
            self._apps[updated.app_id] = updated
            return updated

    def app(self, app_id: str) -> AppRegistration | None:
        """Return an app registration by client id."""
        return self._apps.get(app_id)

    def user(self, user_id_or_upn: str) -> DirectoryUser | None:
        """Return a directory user by object id or UPN."""
        user = self._users.get(user_id_or_upn)
        if user is None:
            for candidate in self._users.values():
                if candidate.user_principal_name.lower() == user_id_or_upn.lower():
                    return candidate
        return user

    def github_subject(self, request_token: str) -> GithubOidcSubject | None:
        """Return the workflow identity a GitHub OIDC request token stands for."""
        return self._github.get(request_token)

    def generate_inbound(self, count: int, *, home_tenant_id: str, prefix: str) -> list[str]:
        """Bulk-create ``count`` synthetic inbound profiles (for benchmarks); return their ids."""
        rows = []
        for i in range(count):
            uid = str(uuid.uuid4())
            rows.append((uid, f"{prefix}{i}@partner.example", f"{prefix} {i}", home_tenant_id))
        self.store.add_inbound(rows)
        return [r[0] for r in rows]

    # -- lifecycle -------------------------------------------------------------------------
    def _process_due(self) -> None:
        # Cheap check first: this runs on every Graph call.
        due = self._next_due
        if due is None:
            return
        now = self.clock()
        if now < due:
            return
        with self._lock:
            self.store.complete_due(now)
            self._next_due = self.store.next_due()

    def process_pending(self) -> int:
        """Finish every pending removal now, whatever its schedule; return how many."""
        with self._lock:
            done = self.store.complete_due(None)
            self._next_due = self.store.next_due()
        return done

    def profile_state(self, user_id: str) -> ProfileState:
        """Return an inbound profile's lifecycle state (or an outbound user's, summarised)."""
        self._process_due()
        row = self.store.get_inbound(user_id.lower())
        if row is not None:
            return row.state  # type: ignore[return-value]
        states = {s for _, s in self.store.outbound_tenants(user_id.lower())}
        if not states:
            return "unknown"
        if "present" in states:
            return "present"
        return "pending" if "pending" in states else "removed"

    def _queue(self, kind: str, user_id: str, tenant_id: str | None, app_id: str | None) -> None:
        now = self.clock()
        process_at = None if self.processing_delay is None else now + self.processing_delay
        with self._lock:
            self.store.queue_inbound_removal(
                RemovalRow(
                    id=str(uuid.uuid4()),
                    kind=kind,
                    user_id=user_id,
                    tenant_id=tenant_id,
                    app_id=app_id,
                    created_at=now,
                    process_at=process_at,
                    state="pending",
                )
            )
            if process_at is not None and (self._next_due is None or process_at < self._next_due):
                self._next_due = process_at

    # -- inbound ---------------------------------------------------------------------------
    def list_inbound(self, *, after: str | None, top: int) -> Page:
        """Return one page of visible inbound profiles."""
        self._process_due()
        rows = self.store.list_inbound(after=after, limit=top + 1)
        items = [_profile(r) for r in rows[:top]]
        return Page(items, rows[top - 1].user_id if len(rows) > top else None)

    def _visible_inbound(self, user_id: str) -> InboundRow:
        self._process_due()
        row = self.store.get_inbound(user_id)
        if row is None or row.state == "removed":
            raise ResourceNotFound(user_id)
        return row

    def get_inbound(self, user_id: str) -> InboundProfile:
        """Return one inbound profile; ResourceNotFound when unknown or removed."""
        return _profile(self._visible_inbound(user_id))

    def remove_inbound(self, user_id: str, *, app_id: str | None) -> None:
        """Queue a removal; a second call while pending is accepted and changes nothing."""
        row = self._visible_inbound(user_id)
        if row.state == "pending":
            return
        self._queue("inbound", user_id, None, app_id)

    def export_inbound(
        self, user_id: str, storage_location: str, *, app_id: str | None
    ) -> DataPolicyOperation:
        """Start an export of one profile's data; completes after the processing delay."""
        self._visible_inbound(user_id)
        now = self.clock()
        op = OperationRow(
            id=str(uuid.uuid4()),
            user_id=user_id,
            storage_location=storage_location,
            app_id=app_id,
            submitted_at=now,
            complete_at=None if self.processing_delay is None else now + self.processing_delay,
        )
        self.store.add_operation(op)
        return _operation(op)

    def get_operation(self, op_id: str) -> DataPolicyOperation:
        """Return an export operation by id."""
        row = self.store.get_operation(op_id)
        if row is None:
            raise ResourceNotFound(op_id)
        return _operation(row)

    def operation_to_graph(self, op: DataPolicyOperation) -> dict[str, Any]:
        """Return the Graph JSON of a dataPolicyOperation."""
        now = self.clock()
        status = op.status(now)
        return {
            "id": op.id,
            "userId": op.user_id,
            "storageLocation": op.storage_location,
            "status": status,
            "progress": 100.0 if status == "complete" else 0.0,
            "submittedDateTime": _iso(op.submitted_at),
            "completedDateTime": _iso(op.complete_at) if status == "complete" and op.complete_at else None,
        }

    # -- outbound --------------------------------------------------------------------------
    def list_outbound(self, *, after: str | None, top: int) -> Page:
        """Return one page of outbound profiles (users still shared with some tenant)."""
        self._process_due()
        ids = self.store.list_outbound(after=after, limit=top + 1)
        return Page([{"userId": u} for u in ids[:top]], ids[top - 1] if len(ids) > top else None)

    def _outbound_tenants(self, user_id: str) -> list[tuple[str, str]]:
        self._process_due()
        refs = [(t, s) for t, s in self.store.outbound_tenants(user_id) if s != "removed"]
        if not refs:
            raise ResourceNotFound(user_id)
        return refs

    def get_outbound(self, user_id: str) -> OutboundProfile:
        """Return one outbound profile; ResourceNotFound when it has no tenant left."""
        return OutboundProfile(user_id, tuple(t for t, _ in self._outbound_tenants(user_id)))

    def remove_outbound(self, user_id: str, tenant_id: str, *, app_id: str | None) -> None:
        """Queue removal of one user's data from one tenant; pending again -> accepted."""
        states = dict(self._outbound_tenants(user_id))
        if tenant_id not in states:
            raise ResourceNotFound(tenant_id)
        if states[tenant_id] == "pending":
            return
        self._queue("outbound", user_id, tenant_id, app_id)

    # -- journal ---------------------------------------------------------------------------
    def record(
        self,
        *,
        method: str,
        path: str,
        status: int,
        client_request_id: str | None,
        request_id: str,
        app_id: str | None,
        operation: str,
        when: float | None = None,
    ) -> None:
        """Append a journal entry (callers must never pass tokens or headers)."""
        self.store.append_journal(
            time=_iso(self.clock() if when is None else when),
            method=method,
            path=path,
            status=status,
            client_request_id=client_request_id,
            request_id=request_id,
            app_id=app_id,
            operation=operation,
        )

    def journal(self, *, after_seq: int = 0, limit: int = 10_000) -> list[JournalEntry]:
        """Return journal entries after ``after_seq``, oldest first."""
        return [_entry(r) for r in self.store.journal(after_seq=after_seq, limit=limit)]


def _profile(row: InboundRow) -> InboundProfile:
    return InboundProfile(row.user_id, row.user_principal_name, row.display_name, row.home_tenant_id)


def _operation(row: OperationRow) -> DataPolicyOperation:
    return DataPolicyOperation(row.id, row.user_id, row.storage_location, row.submitted_at, row.complete_at)


def _entry(row: JournalRow) -> JournalEntry:
    return JournalEntry(
        seq=row.seq,
        method=row.method,
        path=row.path,
        status=row.status,
        client_request_id=row.client_request_id,
        request_id=row.request_id,
        app_id=row.app_id,
        operation=row.operation,
        time=row.time,
    )


def roles_to_wids(names: Sequence[str]) -> list[str]:
    """Map directory role names (or ids) to role template ids."""
    return [DIRECTORY_ROLE_IDS.get(n, n) for n in names]
