"""The examples users copy, run through the real Pulumi CLI against the Graph emulator."""

from __future__ import annotations

import runpy
from collections.abc import Mapping
from pathlib import Path

import pytest
from pulumi import automation as auto

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from pulumi_personal_data.local_stack import LocalBackend, open_stack
from tests.stack_fixtures import azuread_config
from tests.support import PROFILES, WRITER, removal_posts

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_stack(name: str, work: Path, emulator: EmulatorServer, config: Mapping[str, str]) -> auto.Stack:
    program_file = EXAMPLES / name / "__main__.py"

    def program() -> None:
        runpy.run_path(str(program_file), run_name="__main__")

    project = work / "project"
    project.mkdir(parents=True)
    return open_stack(
        project_dir=project,
        stack_name="test",
        project_name=name,
        program=program,
        backend=LocalBackend(work / "pulumi", extra_env={"REQUESTS_CA_BUNDLE": str(emulator.ca_path)}),
        config={**azuread_config(emulator), **config},
        secret_config={"azuread:clientSecret": WRITER["secrets"][0]},
    )


def test_offboarding_csv_example(
    emulator: EmulatorServer, control: EmulatorControl, tmp_path: Path, pulumi_cli: Path
) -> None:
    stack = example_stack("offboarding-csv", tmp_path, emulator, {})
    result = stack.up(color="never")
    expected = [
        line.split(",", 1)[0]
        for line in (EXAMPLES / "offboarding-csv" / "hr-export.csv").read_text().splitlines()
        if line and not line.startswith(("#", "user_id"))
    ]
    assert result.outputs["requested"].value == expected
    assert result.outputs["statuses"].value == ["requested"] * len(expected)
    assert sorted(e.path.rsplit("/", 2)[-2] for e in removal_posts(control)) == sorted(expected)
    stack.up(color="never", expect_no_changes=True)
    assert len(removal_posts(control)) == len(expected)


def test_partner_example_removes_exactly_the_partners_profiles(
    emulator: EmulatorServer,
    control: EmulatorControl,
    tmp_path: Path,
    pulumi_cli: Path,
    trust_emulator: Path,  # the program itself lists profiles, in this process
) -> None:
    tenants = sorted({p["homeTenantId"] for p in PROFILES})
    partner = max(tenants, key=lambda t: sum(p["homeTenantId"] == t for p in PROFILES))
    partner_ids = sorted(p["userId"] for p in PROFILES if p["homeTenantId"] == partner)
    others = {p["userId"] for p in PROFILES} - set(partner_ids)
    assert len(partner_ids) > 5 and others  # paging is exercised and there is someone to spare
    stack = example_stack(
        "partner-offboarding",
        tmp_path,
        emulator,
        {
            "partner-offboarding:partnerTenantId": partner,
            "partner-offboarding:ticket": "LEGAL-77",
            "partner-offboarding:pageSize": "5",
        },
    )
    preview = stack.preview(color="never")
    assert preview.change_summary.get(auto.OpType.CREATE) == len(partner_ids) + 1
    assert removal_posts(control) == []

    result = stack.up(color="never")
    assert result.outputs["partnerProfiles"].value == len(partner_ids)
    requested = sorted(e.path.rsplit("/", 2)[-2] for e in removal_posts(control))
    assert requested == partner_ids
    assert not others & set(requested)
    lists = [
        e
        for e in control.journal()
        if e.method == "GET" and e.path.split("?", 1)[0].endswith("/inboundSharedUserProfiles")
    ]
    assert len(lists) >= 2 * ((len(PROFILES) + 4) // 5)  # preview and up each walked every page

    # Graph finishes the removals, so the partner's profiles leave the listing: a rerun must keep
    # every record (remembered through the stack's own outputs), send nothing, and change nothing.
    assert control.process_pending() == len(partner_ids)
    stack.up(color="never", expect_no_changes=True)
    stack.refresh(color="never")
    rerun = stack.up(color="never", expect_no_changes=True)
    assert rerun.outputs["partner"].value == {"tenantId": partner, "userIds": partner_ids}
    deployment = stack.export_stack().deployment or {}
    removals = [r for r in deployment["resources"] if r["type"].endswith(":PersonalDataRemoval")]
    assert sorted(r["outputs"]["user_id"] for r in removals) == partner_ids
    assert {r["outputs"]["status"] for r in removals} == {"completed"}
    assert len(removal_posts(control)) == len(partner_ids)

    # One stack per partner: pointing this stack at another tenant is refused before anything is sent.
    other = next(t for t in tenants if t != partner)
    stack.set_config("partner-offboarding:partnerTenantId", auto.ConfigValue(other))
    with pytest.raises(auto.CommandError, match="use one stack per partner"):
        stack.preview(color="never")
    assert len(removal_posts(control)) == len(partner_ids)
