"""The engine floor for the benchmarks: a dynamic resource whose provider does nothing at all.

``NoopRemoval`` takes the same input property bag as ``PersonalDataRemoval`` and its provider
returns at once from every call, so a stack of N of them costs only what the Pulumi engine, the
Python SDK and the dynamic-provider host cost. The class lives in an importable module (never
``__main__``) so dill pickles the provider by reference, exactly as it does ``RemovalProvider``;
the provider process imports it through ``PYTHONPATH`` (see ``bench/stacks.py``).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CreateResult, ReadResult, ResourceProvider

__all__ = ["NoopProvider", "NoopRemoval", "declare_noops"]


class NoopProvider(ResourceProvider):
    """Creates by echoing the inputs back; reads by returning the stored state unchanged."""

    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Return immediately: the id is the user id, the outputs are the inputs."""
        return CreateResult(str(props["user_id"]), dict(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Return the stored state as it is."""
        return ReadResult(id_, props)


_PROVIDER = NoopProvider()


class NoopRemoval(pulumi.dynamic.Resource, module="bench", name="NoopRemoval"):
    """A resource with PersonalDataRemoval's inputs and a provider that does nothing."""

    def __init__(self, resource_name: str, user_id: str, reason: str) -> None:
        """Declare one no-op resource with the same input properties as a removal."""
        props: dict[str, Any] = {
            "user_id": user_id,
            "fail_if_missing": False,
            "reason": reason,
            "expected_home_tenant_id": None,
        }
        super().__init__(_PROVIDER, resource_name, props)


def declare_noops(user_ids: list[str]) -> list[NoopRemoval]:
    """One no-op resource per user id, named like the removals (``noop-<user_id>``)."""
    return [NoopRemoval(f"noop-{uid}", uid, f"OFF-{i}") for i, uid in enumerate(user_ids)]
