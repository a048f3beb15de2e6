"""The azuread-guests example under Pulumi's unit-test mocks (the azuread plugin cannot be fetched here).

The mocks answer every resource registration, ours included, so this proves which resources the
program declares and with which inputs; the removal itself is proven against the emulator elsewhere.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "azuread-guests"
PARTNER_TENANT = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingMocks]:
    # pulumi's mocks run on the thread's current event loop; give each test its own, so an
    # earlier test's asyncio.run() (which leaves none behind) cannot break this one.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monkeypatch.syspath_prepend(str(EXAMPLE))
    for module in ("program", "partners"):
        sys.modules.pop(module, None)
    recorder = RecordingMocks()
    pulumi.runtime.set_mocks(recorder, project="azuread-guests", stack="test", preview=False)
    yield recorder
    asyncio.set_event_loop(None)
    loop.close()


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_active_users_are_invited_and_departed_users_get_removals(mocks: RecordingMocks) -> Any:
    partners = importlib.import_module("partners")
    program = importlib.import_module("program")

    declared = program.declare(partners.PARTNER_USERS, PARTNER_TENANT)

    def check(_: Any) -> None:
        by_type: dict[str, list[pulumi.runtime.MockResourceArgs]] = {}
        for r in mocks.resources:
            by_type.setdefault(r.typ, []).append(r)
        invitations = by_type["azuread:index/invitation:Invitation"]
        removals = by_type["pulumi-python:dynamic/personaldata:PersonalDataRemoval"]
        active = [u for u in partners.PARTNER_USERS if u.active]
        departed = [u for u in partners.PARTNER_USERS if not u.active]
        assert sorted(r.name for r in invitations) == sorted(f"guest-{u.key}" for u in active)
        assert sorted(r.inputs["user_id"] for r in removals) == sorted(u.object_id for u in departed)
        for r in removals:
            assert r.inputs["expected_home_tenant_id"] == PARTNER_TENANT
            assert r.inputs["reason"].startswith("OFF-")
            assert "@" not in str(r.inputs)  # no invite address leaks into a removal

    return pulumi.Output.all(*[r.urn for r in declared]).apply(check)


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_a_user_leaving_the_list_turns_invitation_into_removal(mocks: RecordingMocks) -> Any:
    import dataclasses

    partners = importlib.import_module("partners")
    program = importlib.import_module("program")

    users = [dataclasses.replace(u, active=True) for u in partners.PARTNER_USERS]
    users[1] = dataclasses.replace(users[1], active=False, ticket="OFF-9")
    declared = program.declare(users, PARTNER_TENANT)

    def check(_: Any) -> None:
        names = sorted(r.name for r in mocks.resources)
        assert "removal-p2" in names and "guest-p2" not in names
        assert sum(n.startswith("guest-") for n in names) == len(users) - 1

    return pulumi.Output.all(*[r.urn for r in declared]).apply(check)
