"""The main job, end to end: the offboarding stack through the real Pulumi CLI against the emulator.

Steps: start the HTTPS Graph emulator -> `pulumi up` -> `pulumi refresh` twice (the second
changes nothing) -> the emulator finishes processing and a refresh records completion ->
`pulumi up --expect-no-changes` -> the emulator's journal (exactly one POST per user) ->
`pulumi destroy` (sends nothing) -> stop the emulator. Exits non-zero at the first failure.
Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sys
from pathlib import Path

from pulumi import automation as auto

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.process import EmulatorProcess, start_emulator_process
from pulumi_personal_data.emulator.seed import default_seed_document
from pulumi_personal_data.emulator.server import EmulatorStartError
from pulumi_personal_data.local_stack import LocalBackend, find_pulumi_bin_dir, open_stack
from pulumi_personal_data.offboarding import offboarding_program
from pulumi_personal_data.roster import load_roster

ROOT = Path(__file__).resolve().parent.parent
REMOVE_SUFFIX = "/removePersonalData"


class DemoFailure(Exception):
    """A step's expectation did not hold."""


def step(number: int, total: int, title: str) -> None:
    print(f"\n=== [{number}/{total}] {title} ===", flush=True)


def start_emulator(work: Path) -> EmulatorProcess:
    """The emulator in its own process, data kept in the work dir (so a restart keeps the state)."""
    data_dir = work / "emulator"
    data_dir.mkdir(parents=True, exist_ok=True)
    options = [
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        "--processing-delay",
        "none",
    ]
    return start_emulator_process(
        options, ready_file=data_dir / "ready.json", log_file=data_dir / "emulator.log"
    )


def seed_app() -> tuple[str, str, str]:
    seed = default_seed_document()
    app = next(
        a
        for a in seed["applications"]
        if "CrossTenantUserProfileSharing.ReadWrite.All" in a.get("roles", []) and a.get("secrets")
    )
    return seed["tenant"]["id"], app["appId"], app["secrets"][0]


def removal_posts(control: EmulatorControl) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for entry in control.journal():
        if entry.method == "POST" and entry.path.endswith(REMOVE_SUFFIX):
            counts[entry.path.rsplit("/", 2)[-2]] += 1
    return counts


def state_statuses(stack: auto.Stack) -> dict[str, int]:
    """Removal statuses as recorded in the stack's state (what `pulumi stack export` shows)."""
    deployment = stack.export_stack().deployment or {}
    resources = deployment.get("resources", [])
    counts = collections.Counter(
        r["outputs"]["status"] for r in resources if r["type"].endswith(":PersonalDataRemoval")
    )
    return dict(sorted(counts.items()))


def changes(summary: auto.UpdateSummary) -> dict[str, int]:
    return {k: v for k, v in (summary.resource_changes or {}).items() if k != "same"}


def run(work: Path) -> None:
    total = 9
    users = load_roster(ROOT / "data" / "departed-users.csv")
    step(1, total, "start the local Microsoft Graph emulator (HTTPS on loopback)")
    emulator = start_emulator(work)
    info = emulator.info
    try:
        print(
            f"Graph endpoint: {info['graph_url']}\n"
            f"Token authority: {info['authority']}\n"
            f"CA bundle: {info['ca_path']}"
        )
        control = EmulatorControl(info["base_url"], Path(info["ca_path"]))
        tenant, client_id, secret = seed_app()

        step(
            2,
            total,
            f"select stack 'demo' (file backend in {work.relative_to(ROOT)}/, azuread:* credentials)",
        )
        backend = LocalBackend(
            work / "pulumi",
            passphrase="demo-only-local-passphrase",
            extra_env={"REQUESTS_CA_BUNDLE": info["ca_path"], "OFFBOARDING_PROJECT_DIR": str(ROOT)},
        )
        stack = open_stack(
            project_dir=ROOT,
            stack_name="demo",
            program=offboarding_program,
            backend=backend,
            config={
                "personaldata:endpoint": info["graph_url"],
                "personaldata:authorityHost": info["authority"],
                "azuread:tenantId": tenant,
                "azuread:clientId": client_id,
            },
            secret_config={"azuread:clientSecret": secret},
        )
        print(f"{len(users)} departed users in data/departed-users.csv")

        step(3, total, "pulumi up --yes: one removal request per departed user")
        up = stack.up(on_output=print, color="never")
        print(f"outputs: removalsByStatus = {up.outputs['removalsByStatus'].value}")

        step(4, total, "pulumi refresh --yes: reads progress, never re-sends")
        stack.refresh(on_output=print, color="never")
        print(f"statuses in state: {state_statuses(stack)}")

        step(5, total, "pulumi refresh --yes again: must report no changes")
        second = stack.refresh(on_output=print, color="never")
        if changes(second.summary):
            raise DemoFailure(f"the second refresh changed resources: {second.summary.resource_changes}")

        step(6, total, "Graph finishes processing; pulumi refresh records completion")
        print(f"emulator processed {control.process_pending()} pending removal(s)")
        stack.refresh(on_output=print, color="never")
        print(f"statuses in state after refresh: {state_statuses(stack)}")

        step(7, total, "pulumi up --expect-no-changes")
        stack.up(on_output=print, color="never", expect_no_changes=True)

        step(8, total, "emulator journal: removePersonalData POSTs per user")
        posts = removal_posts(control)
        for user in users:
            print(f"  {user.user_id}  POSTs: {posts.get(user.user_id, 0)}")
        wrong = {u.user_id: posts.get(u.user_id, 0) for u in users if posts.get(u.user_id, 0) != 1}
        if wrong or sum(posts.values()) != len(users):
            raise DemoFailure(f"expected exactly one POST per user, got {dict(posts)}")
        print(f"exactly one POST for each of {len(users)} users, {sum(posts.values())} in total")

        step(9, total, "pulumi destroy --yes: forgets the removals, sends nothing to Graph")
        before = sum(removal_posts(control).values())
        stack.destroy(on_output=print, color="never")
        if sum(removal_posts(control).values()) != before:
            raise DemoFailure("destroy sent a request to Graph")
        print("\nDemo complete: every user requested exactly once; refresh, re-run and destroy sent no POST.")
    finally:
        emulator.stop()
        print("emulator stopped")


def run_against_tenant(stack_name: str) -> None:
    """The same stack against a real tenant: uses the stack's own config and your backend.

    Configure it first (see README, "Pointing the stack at a real tenant"). Nothing here starts
    the emulator or destroys anything: a real run keeps its evidence in state.
    """
    bin_dir = find_pulumi_bin_dir()
    command = auto.PulumiCommand(root=str(bin_dir.parent))
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "PULUMI_PYTHON_CMD": sys.executable}
    options = auto.LocalWorkspaceOptions(work_dir=str(ROOT), pulumi_command=command, env_vars=env)
    stack = auto.select_stack(stack_name, program=offboarding_program, opts=options)
    step(1, 3, f"pulumi preview --diff (stack {stack_name}): review who gets a removal")
    stack.preview(on_output=print, color="never", diff=True)
    if input("Request these removals? Type 'yes' to continue: ").strip() != "yes":
        raise DemoFailure("stopped before `pulumi up`; nothing was sent")
    step(2, 3, "pulumi up --yes")
    stack.up(on_output=print, color="never")
    step(3, 3, "pulumi refresh --yes: records removals Graph has finished")
    stack.refresh(on_output=print, color="never")
    print(f"statuses in state: {state_statuses(stack)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--work-dir", type=Path, default=ROOT / ".demo", help="where state and logs go (recreated)"
    )
    parser.add_argument(
        "--stack",
        help="run against a real tenant with this existing, configured stack instead of the emulator",
    )
    args = parser.parse_args()
    if args.stack:
        try:
            run_against_tenant(args.stack)
        except (DemoFailure, auto.CommandError) as exc:
            print(f"\nFAILED: {exc}", file=sys.stderr)
            return 1
        return 0
    work: Path = args.work_dir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    (ROOT / "Pulumi.demo.yaml").unlink(missing_ok=True)
    work.mkdir(parents=True)
    os.environ.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
    try:
        run(work)
    except (DemoFailure, EmulatorStartError, auto.CommandError) as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
