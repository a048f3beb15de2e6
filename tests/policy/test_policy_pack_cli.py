"""The policy pack through the real CLI: violating stacks stop before any POST, compliant ones pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi import automation as auto

from pulumi_personal_data.emulator.control_client import EmulatorControl
from tests.e2e.harness import changed
from tests.stack_fixtures import StackFactory
from tests.support import PROFILE_IDS, removal_posts

pytestmark = pytest.mark.e2e
PACK = Path(__file__).resolve().parents[2] / "policy" / "pack.sh"


def pack_config(tmp_path: Path, config: dict[str, object]) -> str:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_missing_reason_stops_preview_and_up_before_any_post(
    make_stack: StackFactory, control: EmulatorControl
) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:2]
    stack.reasons[PROFILE_IDS[1]] = ""
    with pytest.raises(auto.CommandError) as preview_error:
        stack.preview(policy_packs=[str(PACK)])
    with pytest.raises(auto.CommandError) as up_error:
        stack.up(policy_packs=[str(PACK)])
    for text in (str(preview_error.value), str(up_error.value)):
        assert "removal-requires-reason" in text
        assert f"removal-{PROFILE_IDS[1]}" in text
        assert "Fix: set reason" in text
    assert removal_posts(control) == []


def test_protected_user_is_refused(
    make_stack: StackFactory, control: EmulatorControl, tmp_path: Path
) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:3]
    config = pack_config(
        tmp_path, {"protected-users-never-removed": {"protectedUserIds": [PROFILE_IDS[2].upper()]}}
    )
    with pytest.raises(auto.CommandError) as info:
        stack.up(policy_packs=[str(PACK)], policy_pack_configs=[config])
    assert "protected-users-never-removed" in str(info.value)
    assert PROFILE_IDS[2] in str(info.value)
    assert removal_posts(control) == []


def test_cap_stops_a_mass_removal_in_preview(
    make_stack: StackFactory, control: EmulatorControl, tmp_path: Path
) -> None:
    stack = make_stack()
    stack.users = PROFILE_IDS[:4]
    config = pack_config(tmp_path, {"removal-cap-per-update": {"maxRemovalsPerUpdate": 3}})
    with pytest.raises(auto.CommandError) as info:
        stack.preview(policy_packs=[str(PACK)], policy_pack_configs=[config])
    assert "4 new removals in one update exceed maxRemovalsPerUpdate=3" in str(info.value)
    assert removal_posts(control) == []
    # Three at a time pass, and existing removals no longer count against the cap.
    stack.users = PROFILE_IDS[:3]
    stack.preview(policy_packs=[str(PACK)], policy_pack_configs=[config])
    stack.up(policy_packs=[str(PACK)], policy_pack_configs=[config])
    stack.users = PROFILE_IDS[:6]
    stack.preview(policy_packs=[str(PACK)], policy_pack_configs=[config])
    assert len(removal_posts(control)) == 3


def test_unofficial_endpoint_is_refused(make_stack: StackFactory, control: EmulatorControl) -> None:
    stack = make_stack()
    stack.stack.set_config("personaldata:endpoint", auto.ConfigValue("https://graph.evil.example/beta"))
    stack.users = PROFILE_IDS[:1]
    with pytest.raises(auto.CommandError) as info:
        stack.preview(policy_packs=[str(PACK)])
    assert "graph-endpoint-official-or-loopback" in str(info.value)
    assert "graph.evil.example" in str(info.value)
    assert removal_posts(control) == []


def test_expected_home_tenants_and_compliant_stack_passes(
    make_stack: StackFactory, control: EmulatorControl, tmp_path: Path
) -> None:
    from tests.support import PROFILES

    partner = PROFILES[0]["homeTenantId"]
    stack = make_stack()
    stack.users = [p["userId"] for p in PROFILES if p["homeTenantId"] == partner][:2]
    config = pack_config(tmp_path, {"expected-home-tenant-required": {"expectedHomeTenantIds": [partner]}})
    with pytest.raises(auto.CommandError) as info:
        stack.up(policy_packs=[str(PACK)], policy_pack_configs=[config])
    assert "expected-home-tenant-required" in str(info.value)
    assert removal_posts(control) == []

    stack.expected_home_tenant_id = partner
    preview = stack.preview(policy_packs=[str(PACK)], policy_pack_configs=[config])
    assert changed(preview.change_summary) == {"create": 3}
    stack.up(policy_packs=[str(PACK)], policy_pack_configs=[config])
    assert len(removal_posts(control)) == 2
