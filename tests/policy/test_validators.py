"""Each policy's validator, passing and violating, called directly with a collecting report_violation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pytest
from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from policy import validators as v

USER = "c228b2ae-c4fb-4eda-9620-7e73dddd1cac"
TENANT = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"


class Collector:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.messages.append(message)


def resource_args(
    props: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    provider_config: Mapping[str, Any] | None = None,
    resource_type: str = v.REMOVAL_TYPE,
) -> ResourceValidationArgs:
    provider = PolicyProviderResource(
        "pulumi:providers:pulumi-python", dict(provider_config or {}), "urn:p", "default"
    )
    return ResourceValidationArgs(
        resource_type,
        dict(props),
        f"urn:pulumi:s::p::{resource_type}::removal-x",
        "removal-x",
        cast(PolicyResourceOptions, None),
        provider,
        config=config,
    )


def run(validator: Any, args: Any) -> list[str]:
    collect = Collector()
    validator(args, collect)
    return collect.messages


def test_reason_required() -> None:
    assert run(v.require_reason, resource_args({"user_id": USER, "reason": "OFF-1"})) == []
    for props in ({"user_id": USER}, {"user_id": USER, "reason": "  "}):
        messages = run(v.require_reason, resource_args(props))
        assert len(messages) == 1 and "removal-x" in messages[0] and "Fix: set reason" in messages[0]
    assert run(v.require_reason, resource_args({}, resource_type="aws:s3/bucket:Bucket")) == []


def test_protected_users() -> None:
    config = {"protectedUserIds": [USER.upper()]}
    violating = run(v.protect_users, resource_args({"user_id": USER}, config=config))
    assert len(violating) == 1 and USER in violating[0]
    other = "4bece0e4-5140-5a2b-b331-991bf0240f19"
    assert run(v.protect_users, resource_args({"user_id": other}, config=config)) == []
    assert run(v.protect_users, resource_args({"user_id": USER}, config={})) == []


def policy_resource(props: Mapping[str, Any], name: str) -> PolicyResource:
    return PolicyResource(
        v.REMOVAL_TYPE,
        dict(props),
        f"urn:{name}",
        name,
        cast(PolicyResourceOptions, None),
        None,
        None,
        [],
        {},
    )


@pytest.mark.parametrize(
    ("new", "existing", "limit", "violates"), [(3, 5, 3, False), (4, 0, 3, True), (0, 50, 3, False)]
)
def test_cap_counts_only_new_removals(new: int, existing: int, limit: int, violates: bool) -> None:
    resources = [policy_resource({"user_id": f"u{i}"}, f"new-{i}") for i in range(new)]
    resources += [
        policy_resource({"user_id": f"e{i}", "status": "requested"}, f"old-{i}") for i in range(existing)
    ]
    args = StackValidationArgs(resources, config={"maxRemovalsPerUpdate": float(limit)})
    messages = run(v.cap_removals, args)
    assert bool(messages) == violates
    if violates:
        assert f"exceed maxRemovalsPerUpdate={limit}" in messages[0] and "new-0" in messages[0]


def test_cap_default_is_small() -> None:
    resources = [
        policy_resource({"user_id": f"u{i}"}, f"n{i}") for i in range(v.DEFAULT_MAX_REMOVALS_PER_UPDATE + 1)
    ]
    assert run(v.cap_removals, StackValidationArgs(resources, config={})) != []


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        (None, True),
        ("https://graph.microsoft.com/beta", True),
        ("https://127.0.0.1:8443/beta", True),
        ("http://localhost:8080/beta", True),
        ("https://graph.microsoft.com.evil.example/beta", False),
        ("http://graph.microsoft.com/beta", False),
        ("https://graph.microsoft.us/beta", False),
    ],
)
def test_official_endpoint(endpoint: str | None, allowed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_PERSONAL_DATA_ENDPOINT", raising=False)
    config = {} if endpoint is None else {"personaldata:endpoint": endpoint}
    messages = run(v.official_endpoint, resource_args({"user_id": USER}, provider_config=config))
    assert (messages == []) == allowed


def test_official_endpoint_reads_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_PERSONAL_DATA_ENDPOINT", "https://collector.example/beta")
    messages = run(v.official_endpoint, resource_args({"user_id": USER}))
    assert len(messages) == 1 and "collector.example" in messages[0]


def test_expected_home_tenant() -> None:
    config = {"expectedHomeTenantIds": [TENANT]}
    assert (
        run(v.expected_home_tenant, resource_args({"expected_home_tenant_id": TENANT.upper()}, config=config))
        == []
    )
    missing = run(v.expected_home_tenant, resource_args({"user_id": USER}, config=config))
    assert len(missing) == 1 and "nothing" in missing[0]
    wrong = run(v.expected_home_tenant, resource_args({"expected_home_tenant_id": USER}, config=config))
    assert len(wrong) == 1
    assert run(v.expected_home_tenant, resource_args({"user_id": USER}, config={})) == []
