"""Create once, never again: up, refresh, preview, replace and delete through the real Pulumi CLI."""

from __future__ import annotations

import pytest

from pulumi_personal_data.emulator.control_client import EmulatorControl
from tests.e2e.harness import changed, removal_post_counts
from tests.stack_fixtures import StackFactory
from tests.support import PROFILE_IDS, UNKNOWN_USER

pytestmark = pytest.mark.e2e


def test_25_removals_then_refreshes_completion_and_no_changes(
    make_stack: StackFactory, control: EmulatorControl
) -> None:
    users = control.generate_profiles(25)
    stack = make_stack()
    stack.users = list(users)

    up = stack.up()
    assert changed(up.summary.resource_changes) == {"create": 26}  # 25 removals + the stack
    assert removal_post_counts(control) == {uid: 1 for uid in users}
    assert stack.statuses() == ["requested"] * 25

    first = stack.refresh()
    second = stack.refresh()
    assert changed(second.summary.resource_changes) == {}
    assert first is not None
    assert sum(removal_post_counts(control).values()) == 25  # refresh never POSTs

    assert control.process_pending() == 25
    stack.refresh()
    completed = stack.resources()
    assert [r["outputs"]["status"] for r in completed] == ["completed"] * 25
    assert all(r["outputs"]["completed_at"] for r in completed)
    settled = stack.refresh()
    assert changed(settled.summary.resource_changes) == {}
    assert stack.resources() == completed  # the next refresh changes nothing at all
    assert sum(removal_post_counts(control).values()) == 25

    stack.up(expect_no_changes=True)
    preview = stack.preview()
    assert changed(preview.change_summary) == {}
    assert sum(removal_post_counts(control).values()) == 25


def test_preview_of_new_users_sends_nothing(make_stack: StackFactory, control: EmulatorControl) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:3]
    preview = stack.preview()
    assert changed(preview.change_summary) == {"create": 4}
    assert [e for e in control.journal() if e.method == "POST"] == []


def test_changed_user_id_replaces_and_removed_row_sends_nothing(
    make_stack: StackFactory, control: EmulatorControl
) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:3]
    stack.up()
    # Row 0 now names another user: a new resource (one POST), the old one just leaves state.
    stack.users = [PROFILE_IDS[3], PROFILE_IDS[1]]
    result = stack.up()
    assert changed(result.summary.resource_changes) == {"create": 1, "delete": 2}
    assert removal_post_counts(control) == {uid: 1 for uid in PROFILE_IDS[:4]}
    names = sorted(r["inputs"]["user_id"] for r in stack.resources())
    assert names == sorted([PROFILE_IDS[3], PROFILE_IDS[1]])


def test_reason_change_updates_in_place_without_a_post(
    make_stack: StackFactory, control: EmulatorControl
) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:1]
    stack.up()
    before = [r["outputs"] for r in stack.resources()]
    stack.reasons[PROFILE_IDS[0]] = "OFF-0 corrected ticket"
    result = stack.up()
    assert changed(result.summary.resource_changes) == {"update": 1}
    after = [r["outputs"] for r in stack.resources()]
    assert after[0]["reason"] == "OFF-0 corrected ticket"
    assert after[0]["request_id"] == before[0]["request_id"]
    assert removal_post_counts(control) == {PROFILE_IDS[0]: 1}


def test_fail_if_missing_both_ways(make_stack: StackFactory, control: EmulatorControl) -> None:
    lenient = make_stack(name="lenient")
    lenient.users = [UNKNOWN_USER, PROFILE_IDS[0]]
    lenient.up()
    assert lenient.statuses() == ["not_found", "requested"]
    assert any("not_found" in line for line in lenient.output)

    strict = make_stack(name="strict")
    strict.users = [UNKNOWN_USER]
    strict.fail_if_missing = True
    with pytest.raises(Exception) as info:
        strict.up()
    text = str(info.value)
    assert "Request_ResourceNotFound" in text
    assert "fail_if_missing" in text
    assert strict.resources() == []
