"""The lifecycle of a PersonalDataRemoval: check, diff, create, read, update and delete.

This is the dynamic provider object Pulumi pickles into every resource's ``__provider``. It is
pickled by reference (the class lives in an importable module) and carries no state at all:
``configure()`` only records the stack config, and the Graph client and the credential are built
on the first Graph call inside the provider process, so no token, secret or setting from stack
config can end up in Pulumi state.

What each method sends to Microsoft Graph:

========  ===================================================================================
check     nothing (validation only; also runs during preview)
diff      nothing
create    GET the profile first only when ``expected_home_tenant_id`` is set; then one POST
          removePersonalData (retried on transient failures)
read      only while the status is ``requested``: one GET of the profile, or, once a refresh
          has asked about many removals, one paged listing shared by the rest; never a POST
update    nothing; returns the full outputs with the new non-replacing inputs
delete    nothing: a removal cannot be undone, deleting only forgets it
========  ===================================================================================
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import replace
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import __version__
from . import config_keys as keys
from .errors import (
    GraphAuthenticationError,
    GraphNotFoundError,
    GraphPermissionError,
    HomeTenantMismatchError,
)
from .inputs import (
    INPUT_FIELDS,
    UNKNOWN_SENTINEL,
    USER_ID,
    RemovalInputs,
    parse_inputs,
    validate_inputs,
)
from .state import RemovalOutputs, RemovalStatus, utc_now

if TYPE_CHECKING:
    from .graph_client import GraphClient
    from .progress import ProfileProbe
    from .settings import ConfigGetter

__all__ = ["RemovalProvider"]

_LOG = logging.getLogger("pulumi_personal_data")


def warn(message: str) -> None:
    """Print a warning the Pulumi CLI shows next to the resource (provider stderr reaches it)."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


class _Runtime:
    """What configure() builds: settings, credential and one shared GraphClient, created lazily.

    Configuration errors are kept and raised on first use, so `pulumi preview` (which never calls
    Graph) still works where no credential is available, for example on a pull request from a fork.
    """

    def __init__(self, config: ConfigGetter, environ: Mapping[str, str]) -> None:
        self._config = config
        self._environ = dict(environ)
        self._lock = threading.Lock()
        self._client: GraphClient | None = None
        self._probe: ProfileProbe | None = None

    def client(self) -> GraphClient:
        # Imported here, not at module load: azure-identity and requests take ~0.1 s to import,
        # and previews, diffs and no-change updates never call Graph.
        from .credentials import CachedTokenProvider, resolve_credential
        from .graph_client import GraphClient
        from .settings import resolve_settings

        with self._lock:
            if self._client is None:
                settings = resolve_settings(self._config, self._environ)
                resolved = resolve_credential(
                    self._config, self._environ, authority_host=settings.authority_host
                )
                _LOG.info("using %s against %s", resolved.description, settings.endpoint)
                self._client = GraphClient(
                    settings.endpoint,
                    CachedTokenProvider(resolved),
                    retry=settings.retry,
                    connect_timeout=settings.connect_timeout,
                    read_timeout=settings.read_timeout,
                )
            return self._client

    def probe(self) -> ProfileProbe:
        from .progress import ProfileProbe

        client = self.client()
        with self._lock:
            if self._probe is None:
                self._probe = ProfileProbe(client)
            return self._probe


def _configure_logging() -> None:
    level_name = os.environ.get(keys.ENV_LOG_LEVEL, "WARNING").upper()
    logger = logging.getLogger("pulumi_personal_data")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(getattr(logging, level_name, logging.WARNING))


def _is_unknown(value: Any) -> bool:
    return bool(value == UNKNOWN_SENTINEL)


def _accepted_at(date_header: str | None) -> str:
    """Graph's own Date of the accepted POST when present (it is the evidence), else now."""
    if date_header:
        try:
            stamp = parsedate_to_datetime(date_header)
            return stamp.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        except (TypeError, ValueError):
            pass
    return utc_now()


class RemovalProvider(ResourceProvider):
    """Dynamic provider for :class:`~pulumi_personal_data.PersonalDataRemoval`.

    Safe to pickle: it holds no state until ``configure()`` runs in the provider process, and
    ``__reduce__`` drops whatever configure() set, so ``__provider`` is a ~100 byte reference to
    this class and never a secret.
    """

    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._runtime: _Runtime | None = None

    def __reduce__(self) -> tuple[type[RemovalProvider], tuple[()]]:
        """Pickle as "call RemovalProvider()": no state at all, so no credential, session or lock.

        Returning no state dict also matters for scale: pulumi's serialize_provider wraps
        ``pickle._Pickler._batch_setitems`` once per resource and never unwraps it, so pickling
        any dict state recurses deeper with every resource (RecursionError near 1000 resources).
        """
        return (RemovalProvider, ())

    def configure(self, req: ConfigureRequest) -> None:
        """Read stack config (own namespace, ``azuread:*``) and the environment; build nothing yet."""
        _configure_logging()
        _LOG.info("pulumi-personal-data %s configured", __version__)
        config = req.config
        self._runtime = _Runtime(config.get, os.environ)

    def _runtime_or_default(self) -> _Runtime:
        if self._runtime is None:
            # Used outside the engine (tests, scripts): config comes from the environment only.
            self._runtime = _Runtime(lambda _key: None, os.environ)
        return self._runtime

    def _client(self) -> GraphClient:
        return self._runtime_or_default().client()

    # -- lifecycle --------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate every input, one failure per field; normalise GUIDs. Sends nothing."""
        failures = validate_inputs(news)
        if failures:
            return CheckResult(news, [CheckFailure(f.field, f.reason) for f in failures])
        if any(_is_unknown(news.get(k)) for k in INPUT_FIELDS):
            return CheckResult(news, [])
        normalised = parse_inputs(news).to_dict()
        extra = {k: v for k, v in news.items() if k.startswith("__")}
        return CheckResult({**normalised, **extra}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare real inputs only (never ``__provider``): a new user_id replaces, others update."""
        defaults: dict[str, Any] = {"fail_if_missing": False}
        changed = [
            key
            for key in INPUT_FIELDS
            if olds.get(key, defaults.get(key)) != news.get(key, defaults.get(key))
        ]
        replaces = [USER_ID] if USER_ID in changed else []
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Request the removal: one POST; 404 becomes ``not_found`` or an error (fail_if_missing)."""
        inputs = parse_inputs(props)
        client = self._client()
        uid = inputs.user_id
        try:
            if inputs.expected_home_tenant_id is not None:
                profile = client.get_inbound_profile(uid)
                if profile.home_tenant_id != inputs.expected_home_tenant_id:
                    raise HomeTenantMismatchError(
                        uid, inputs.expected_home_tenant_id, profile.home_tenant_id or "unknown"
                    )
            resp = client.remove_inbound_personal_data(uid)
        except GraphNotFoundError as exc:
            if inputs.fail_if_missing:
                raise GraphNotFoundError(
                    exc.details,
                    "no inbound shared user profile has this user id (never shared, or already "
                    "removed); check the id, or set fail_if_missing = false to record not_found",
                ) from None
            warn(
                f"user {uid}: no inbound shared user profile exists (request-id "
                f"{exc.request_id or 'n/a'}); recorded as not_found, nothing was removed"
            )
            return CreateResult(uid, RemovalOutputs(inputs, RemovalStatus.NOT_FOUND).to_dict())
        outputs = RemovalOutputs(
            inputs,
            RemovalStatus.REQUESTED,
            requested_at=_accepted_at(resp.date),
            request_id=resp.request_id,
            client_request_id=resp.client_request_id,
        )
        return CreateResult(uid, outputs.to_dict())

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: never POSTs. While ``requested``, a GET 404 means the removal completed."""
        inputs = _stored_inputs(props)
        outputs = RemovalOutputs.from_props(inputs, props)
        resource_id = id_ or inputs.user_id  # an empty id would drop the resource from state
        if outputs.status is RemovalStatus.REQUESTED:
            try:
                if not self._runtime_or_default().probe().exists(inputs.user_id):
                    outputs = replace(outputs, status=RemovalStatus.COMPLETED, completed_at=utc_now())
            except (GraphPermissionError, GraphAuthenticationError) as exc:
                warn(
                    f"user {inputs.user_id}: cannot read the profile to check progress "
                    f"(HTTP {exc.status}, {exc.code}); keeping the last known status. Grant "
                    "CrossTenantUserProfileSharing.Read.All to let refresh see completion"
                )
        return ReadResult(resource_id, outputs.to_dict(), inputs.to_dict())

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only audit inputs changed (reason, flags): keep the evidence, send nothing."""
        inputs = parse_inputs(news)
        return UpdateResult(RemovalOutputs.from_props(inputs, olds).to_dict())

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Forget the removal. Nothing is sent: Graph has no way to undo a personal-data removal."""


def _stored_inputs(props: Mapping[str, Any]) -> RemovalInputs:
    """Inputs as stored in state; tolerant, because state written by older versions must load."""
    try:
        return parse_inputs({k: v for k, v in props.items() if k in INPUT_FIELDS})
    except Exception:
        return RemovalInputs(
            user_id=str(props.get(USER_ID, "")).lower(),
            reason=props.get("reason") if isinstance(props.get("reason"), str) else None,
            fail_if_missing=bool(props.get("fail_if_missing", False)),
            expected_home_tenant_id=props.get("expected_home_tenant_id")
            if isinstance(props.get("expected_home_tenant_id"), str)
            else None,
        )
