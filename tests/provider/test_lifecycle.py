"""Every lifecycle branch of RemovalProvider, called as the engine calls it, against the HTTPS emulator."""

from __future__ import annotations

import re

import pytest

from pulumi_personal_data import (
    GraphAuthenticationError,
    GraphError,
    GraphNotFoundError,
    GraphPermissionError,
    HomeTenantMismatchError,
    RemovalStatus,
)
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.support import (
    API_PAGE_USER,
    NO_ROLES,
    PROFILES,
    READER,
    UNKNOWN_USER,
    configured_provider,
    graph_calls,
    removal_posts,
    stack_config,
)

pytestmark = pytest.mark.usefixtures("trust_emulator")
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def posts(control: EmulatorControl) -> list[str]:
    return [e.path for e in removal_posts(control)]


def test_create_sends_one_post_and_records_the_evidence(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    provider = configured_provider(stack_config(emulator))
    result = provider.create({"user_id": API_PAGE_USER.upper(), "reason": "OFF-1 ended"})

    assert result.id == API_PAGE_USER
    outs = result.outs or {}
    assert outs["user_id"] == API_PAGE_USER
    assert outs["status"] == RemovalStatus.REQUESTED.value == "requested"
    assert ISO_Z.fullmatch(outs["requested_at"])
    assert outs["completed_at"] is None
    journal = removal_posts(control)
    assert [e.path for e in journal] == [
        f"/beta/directory/inboundSharedUserProfiles/{API_PAGE_USER}/removePersonalData"
    ]
    assert journal[0].status == 204
    assert outs["client_request_id"] == journal[0].client_request_id
    assert outs["request_id"] == journal[0].request_id
    assert control.profile_state(API_PAGE_USER) == "pending"


def test_create_for_unknown_user_records_not_found_with_a_warning(
    emulator: EmulatorServer, control: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = configured_provider(stack_config(emulator))
    outs = provider.create({"user_id": UNKNOWN_USER}).outs or {}
    assert outs["status"] == "not_found"
    assert outs["requested_at"] is None and outs["request_id"] is None
    assert "not_found" in capsys.readouterr().err


def test_create_for_unknown_user_fails_when_fail_if_missing(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    provider = configured_provider(stack_config(emulator))
    with pytest.raises(GraphNotFoundError) as info:
        provider.create({"user_id": UNKNOWN_USER, "fail_if_missing": True})
    err = info.value
    assert err.status == 404
    assert err.code == "Request_ResourceNotFound"
    assert err.request_id
    assert "fail_if_missing" in str(err)


def test_expected_home_tenant_matching_sends_the_post(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    profile = PROFILES[0]
    provider = configured_provider(stack_config(emulator))
    outs = (
        provider.create(
            {"user_id": profile["userId"], "expected_home_tenant_id": profile["homeTenantId"].upper()}
        ).outs
        or {}
    )
    assert outs["status"] == "requested"
    assert outs["expected_home_tenant_id"] == profile["homeTenantId"].lower()
    assert [e.method for e in graph_calls(control)] == ["GET", "POST"]


def test_expected_home_tenant_mismatch_refuses_and_sends_no_post(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    profile = PROFILES[0]
    other = next(p["homeTenantId"] for p in PROFILES if p["homeTenantId"] != profile["homeTenantId"])
    provider = configured_provider(stack_config(emulator))
    with pytest.raises(HomeTenantMismatchError) as info:
        provider.create({"user_id": profile["userId"], "expected_home_tenant_id": other})
    assert info.value.actual == profile["homeTenantId"].lower()
    assert "Nothing was sent" in str(info.value)
    assert posts(control) == []


def test_permission_denied_fails_at_once_naming_the_permission(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    provider = configured_provider(stack_config(emulator, READER))
    with pytest.raises(GraphPermissionError) as info:
        provider.create({"user_id": API_PAGE_USER})
    err = info.value
    assert (err.status, err.code) == (403, "Authorization_RequestDenied")
    assert err.request_id and err.request_id in str(err)
    assert "CrossTenantUserProfileSharing.ReadWrite.All" in str(err)
    assert len(posts(control)) == 1  # no retry of a permanent failure


def test_expired_token_is_an_authentication_error(emulator: EmulatorServer, control: EmulatorControl) -> None:
    from tests.support import WRITER

    token = control.mint_token(app_id=WRITER["appId"], expires_in=-60)
    provider = configured_provider(
        {"personaldata:endpoint": emulator.graph_url, "personaldata:accessToken": token}
    )
    with pytest.raises(GraphAuthenticationError) as info:
        provider.create({"user_id": API_PAGE_USER})
    assert info.value.status == 401
    assert info.value.code == "InvalidAuthenticationToken"
    assert token not in str(info.value)


def test_server_error_is_not_retried(emulator: EmulatorServer, control: EmulatorControl) -> None:
    control.set_faults({"sequence": ["500"], "methods": ["POST"]})
    provider = configured_provider(stack_config(emulator))
    with pytest.raises(GraphError) as info:
        provider.create({"user_id": API_PAGE_USER})
    assert info.value.status == 500
    assert len(posts(control)) == 1


def test_refresh_keeps_requested_then_marks_completed_once(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    provider = configured_provider(stack_config(emulator))
    created = provider.create({"user_id": API_PAGE_USER, "reason": "OFF-2"})
    state = {**(created.outs or {}), "__provider": "x"}

    pending = provider.read(created.id, state)
    assert pending.id == API_PAGE_USER
    assert (pending.outs or {})["status"] == "requested"
    assert pending.outs == created.outs
    assert pending.inputs == {"user_id": API_PAGE_USER, "reason": "OFF-2", "fail_if_missing": False}

    assert control.process_pending() >= 1
    done = provider.read(created.id, state)
    assert (done.outs or {})["status"] == "completed"
    done_outs = done.outs or {}
    assert ISO_Z.fullmatch(done_outs["completed_at"])
    assert done_outs["request_id"] == (created.outs or {})["request_id"]

    before = len(control.journal())
    again = provider.read(created.id, {**done_outs, "__provider": "x"})
    assert again.outs == done_outs  # a second refresh reports no change
    assert len(control.journal()) == before  # a completed removal needs no Graph call at all
    assert posts(control) == [posts(control)[0]]


def test_refresh_without_read_rights_keeps_outputs_and_warns(
    emulator: EmulatorServer, control: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = configured_provider(stack_config(emulator))
    created = writer.create({"user_id": API_PAGE_USER})
    blind = configured_provider(stack_config(emulator, NO_ROLES))
    result = blind.read(created.id, dict(created.outs or {}))
    assert result.id == API_PAGE_USER
    assert result.outs == created.outs
    assert "keeping the last known status" in capsys.readouterr().err


def test_refresh_of_not_found_sends_nothing(emulator: EmulatorServer, control: EmulatorControl) -> None:
    provider = configured_provider(stack_config(emulator))
    created = provider.create({"user_id": UNKNOWN_USER})
    before = len(control.journal())
    result = provider.read(created.id, dict(created.outs or {}))
    assert (result.outs or {})["status"] == "not_found"
    assert len(control.journal()) == before


def test_update_returns_full_outputs_and_sends_nothing(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    provider = configured_provider(stack_config(emulator))
    created = provider.create({"user_id": API_PAGE_USER, "reason": "old"})
    before = len(control.journal())
    updated = provider.update(
        created.id, dict(created.outs or {}), {"user_id": API_PAGE_USER, "reason": "new"}
    )
    outs = updated.outs or {}
    assert outs["reason"] == "new"
    for key in ("status", "requested_at", "request_id", "client_request_id"):
        assert outs[key] == (created.outs or {})[key]
    assert len(control.journal()) == before


def test_delete_sends_nothing(emulator: EmulatorServer, control: EmulatorControl) -> None:
    provider = configured_provider(stack_config(emulator))
    created = provider.create({"user_id": API_PAGE_USER})
    before = len(control.journal())
    provider.delete(created.id, dict(created.outs or {}))
    assert len(control.journal()) == before
    assert control.profile_state(API_PAGE_USER) == "pending"


def test_diff_ignores_provider_and_classifies_changes() -> None:
    from pulumi_personal_data import RemovalProvider

    provider = RemovalProvider()
    olds = {
        "user_id": API_PAGE_USER,
        "reason": "a",
        "fail_if_missing": False,
        "status": "requested",
        "__provider": "old-pickle",
    }
    same = provider.diff(API_PAGE_USER, olds, {"user_id": API_PAGE_USER, "reason": "a", "__provider": "new"})
    assert same.changes is False and same.replaces == []
    reason = provider.diff(API_PAGE_USER, olds, {"user_id": API_PAGE_USER, "reason": "b"})
    assert reason.changes is True and reason.replaces == []
    user = provider.diff(API_PAGE_USER, olds, {"user_id": PROFILES[1]["userId"], "reason": "a"})
    assert user.changes is True and user.replaces == ["user_id"]
    flag = provider.diff(
        API_PAGE_USER, olds, {"user_id": API_PAGE_USER, "reason": "a", "fail_if_missing": True}
    )
    assert flag.changes is True and flag.replaces == []


def test_refresh_of_many_removals_switches_from_gets_to_one_listing(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from pulumi_personal_data.progress import ProfileProbe

    users = control.generate_profiles(40)
    provider = configured_provider(stack_config(emulator))
    created = [provider.create({"user_id": uid}) for uid in users]
    # Half of them finish on Graph's side; then a refresh reads all 40, four at a time.
    control.process_pending()
    finished = set(users)
    before = len(control.journal())
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: provider.read(c.id, dict(c.outs or {})), created))
    assert {(r.outs or {})["status"] for r in results} == {"completed"}
    assert {r.id for r in results} == finished
    calls = control.journal()[before:]
    gets = [e for e in calls if e.method == "GET" and "/inboundSharedUserProfiles/" in e.path]
    lists = [
        e for e in calls if e.method == "GET" and e.path.split("?")[0].endswith("/inboundSharedUserProfiles")
    ]
    assert len(gets) == ProfileProbe(provider._client())._list_after  # the listing answered the rest
    assert 1 <= len(lists) <= 2


def test_listing_sees_profiles_that_still_exist(emulator: EmulatorServer, control: EmulatorControl) -> None:
    users = control.generate_profiles(30)
    provider = configured_provider(stack_config(emulator))
    created = [provider.create({"user_id": uid}) for uid in users]
    results = [provider.read(c.id, dict(c.outs or {})) for c in created]  # nothing processed yet
    assert {(r.outs or {})["status"] for r in results} == {"requested"}
