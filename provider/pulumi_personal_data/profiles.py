"""Read-only Graph lookups a Pulumi program may make while planning: which profiles exist.

A program that derives its removals from Graph (for example, every inbound profile of a partner
tenant) calls :func:`inbound_profiles` at plan time. It uses the same settings and credential
sources as the provider (stack config, then environment), sends only GETs, and returns ids only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .credentials import CachedTokenProvider, resolve_credential
from .graph_client import GraphClient, SharedProfileRef
from .inputs import normalize_guid
from .settings import ConfigGetter, resolve_settings

__all__ = ["inbound_profiles", "program_config"]


def program_config() -> ConfigGetter:
    """A getter over the running Pulumi program's stack config (secrets included, in memory only)."""
    import pulumi.runtime

    def get(key: str) -> object:
        return pulumi.runtime.get_config(key)

    return get


def inbound_profiles(
    *,
    home_tenant_id: str | None = None,
    page_size: int | None = None,
    config: ConfigGetter | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[SharedProfileRef]:
    """List inbound shared user profiles (ids only), following paging; optionally of one home tenant.

    Args:
        home_tenant_id: keep only profiles whose ``homeTenantId`` is this tenant.
        page_size: ``$top`` per page (Graph's default when None).
        config: stack config getter; defaults to the running program's config.
        environ: environment; defaults to ``os.environ``.
    """
    getter = config if config is not None else program_config()
    env = os.environ if environ is None else environ
    wanted = None if home_tenant_id is None else normalize_guid("home_tenant_id", home_tenant_id)
    settings = resolve_settings(getter, env)
    credential = resolve_credential(getter, env, authority_host=settings.authority_host)
    client = GraphClient(
        settings.endpoint,
        CachedTokenProvider(credential),
        retry=settings.retry,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    try:
        return [
            p
            for p in client.list_inbound_profiles(page_size=page_size)
            if wanted is None or p.home_tenant_id == wanted
        ]
    finally:
        client.close()
