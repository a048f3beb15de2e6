"""The pack's validators as plain functions, importable without starting the policy pack's server.

Each validator takes pulumi-policy's args and a ``report_violation`` callback, so unit tests call
them directly with a collecting callback, and ``__main__.py`` only wires them into a PolicyPack.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

#: The type token of PersonalDataRemoval (pulumi_personal_data.TYPE_TOKEN).
REMOVAL_TYPE = "pulumi-python:dynamic/personaldata:PersonalDataRemoval"
#: Hosts of the global Microsoft Graph service (the removal API exists only there).
OFFICIAL_GRAPH_HOSTS = frozenset({"graph.microsoft.com"})
DEFAULT_MAX_REMOVALS_PER_UPDATE = 10

# Policy names (kebab-case, as CrossGuard shows them).
REASON_REQUIRED = "removal-requires-reason"
PROTECTED_USERS = "protected-users-never-removed"
REMOVAL_CAP = "removal-cap-per-update"
OFFICIAL_ENDPOINT = "graph-endpoint-official-or-loopback"
EXPECTED_TENANTS = "expected-home-tenant-required"

PROTECTED_USERS_SCHEMA: dict[str, Any] = {
    "protectedUserIds": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Object ids (GUIDs) that may never get a removal, e.g. executives or service owners.",
    }
}
REMOVAL_CAP_SCHEMA: dict[str, Any] = {
    "maxRemovalsPerUpdate": {
        "type": "integer",
        "minimum": 0,
        "default": DEFAULT_MAX_REMOVALS_PER_UPDATE,
        "description": "At most this many new removals in one update; raise it deliberately for a big batch.",
    }
}
EXPECTED_TENANTS_SCHEMA: dict[str, Any] = {
    "expectedHomeTenantIds": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "When non-empty, every removal must set expected_home_tenant_id to one of these.",
    }
}


def _is_removal(resource_type: str) -> bool:
    return resource_type == REMOVAL_TYPE


def _text(props: Mapping[str, Any], key: str) -> str | None:
    try:
        value = props.get(key)
    except UnknownValueError:
        return None
    return value if isinstance(value, str) else None


def _lower_set(values: Any) -> set[str]:
    if not isinstance(values, (list, tuple)):
        return set()
    return {str(v).strip().lower() for v in values}


def require_reason(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every removal carries a non-empty ``reason`` (the audit trail)."""
    if not _is_removal(args.resource_type):
        return
    try:
        reason = args.props.get("reason")
    except UnknownValueError:
        return  # computed in the program; known at update time
    if not isinstance(reason, str) or not reason.strip():
        report_violation(
            f"removal '{args.name}' has no reason. Fix: set reason to the ticket or request that "
            "authorises it (for example reason='HR-1234 contract ended').",
            None,
        )


def protect_users(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """User ids listed in ``protectedUserIds`` can never get a removal."""
    if not _is_removal(args.resource_type):
        return
    protected = _lower_set(args.get_config().get("protectedUserIds"))
    user_id = (_text(args.props, "user_id") or "").lower()
    if user_id and user_id in protected:
        report_violation(
            f"removal '{args.name}' targets protected user {user_id}. Fix: remove this row from the "
            "roster; a protected user can only be removed after the policy config is changed.",
            None,
        )


def _is_new(props: Mapping[str, Any]) -> bool:
    try:
        status = props.get("status")
    except UnknownValueError:
        return True
    return status is None


def cap_removals(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """At most ``maxRemovalsPerUpdate`` removals that do not exist yet (checked during preview).

    A removal that does not exist yet has no ``status`` output. `pulumi up` previews first, so the
    update stops before anything is sent; with ``--skip-preview`` run ``pulumi preview`` as the gate.
    """
    limit = args.get_config().get("maxRemovalsPerUpdate", DEFAULT_MAX_REMOVALS_PER_UPDATE)
    new = [r for r in args.resources if _is_removal(r.resource_type) and _is_new(r.props)]
    # Policy config arrives as JSON numbers (floats); booleans are not limits.
    if isinstance(limit, (int, float)) and not isinstance(limit, bool) and len(new) > limit:
        report_violation(
            f"{len(new)} new removals in one update exceed maxRemovalsPerUpdate={int(limit)} (first: "
            f"'{new[0].name}'). Fix: check the roster for a bad export, or raise "
            f"{REMOVAL_CAP}.maxRemovalsPerUpdate in the policy config for a deliberate large batch.",
            None,
        )


def stack_endpoint(config: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """The Graph endpoint the stack's provider will use: stack config, then environment, then default."""
    endpoint = config.get("personaldata:endpoint")
    if not endpoint:
        endpoint = environ.get("PULUMI_PERSONAL_DATA_ENDPOINT")
    return str(endpoint or "https://graph.microsoft.com/beta")


def endpoint_allowed(url: str) -> bool:
    """True for https://graph.microsoft.com and for loopback hosts (the local emulator)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return True
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:
        pass
    return parts.scheme == "https" and host in OFFICIAL_GRAPH_HOSTS


def _provider_config(args: ResourceValidationArgs) -> Mapping[str, Any]:
    # A dynamic resource's provider (pulumi:providers:pulumi-python) carries the stack's config as
    # its inputs, so the endpoint the provider process will read is visible here before any call.
    provider = args.provider
    if provider is None:
        return {}
    try:
        return {k: provider.props.get(k) for k in ("personaldata:endpoint",)}
    except UnknownValueError:
        return {}


def official_endpoint(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The Graph endpoint must be an official Graph host or loopback, so tokens go nowhere else."""
    if not _is_removal(args.resource_type):
        return
    endpoint = stack_endpoint(_provider_config(args), os.environ)
    if not endpoint_allowed(endpoint):
        report_violation(
            f"removal '{args.name}' would be sent to {endpoint}, which is neither "
            "https://graph.microsoft.com nor loopback. Fix: unset personaldata:endpoint (and "
            "PULUMI_PERSONAL_DATA_ENDPOINT) or point it at https://graph.microsoft.com/beta.",
            None,
        )


def expected_home_tenant(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """When ``expectedHomeTenantIds`` is configured, every removal sets one of them as its interlock."""
    if not _is_removal(args.resource_type):
        return
    allowed = _lower_set(args.get_config().get("expectedHomeTenantIds"))
    if not allowed:
        return
    try:
        value = args.props.get("expected_home_tenant_id")
    except UnknownValueError:
        return
    tenant = value.lower() if isinstance(value, str) else None
    if tenant not in allowed:
        report_violation(
            f"removal '{args.name}' sets expected_home_tenant_id={tenant or 'nothing'}; it must be one "
            f"of {', '.join(sorted(allowed))}. Fix: set expected_home_tenant_id to the partner "
            "tenant the user belongs to.",
            None,
        )
