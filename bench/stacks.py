"""Benchmarks B1-B5 of issue 6: PersonalDataRemoval stacks through the real Pulumi CLI vs the engine floor.

Run from the repository root (the pinned CLI from scripts/install-pulumi.sh on PATH, or its
directory in PULUMI_PERSONAL_DATA_PULUMI_BIN_DIR)::

    .venv/bin/python -m bench.stacks                  # N = 100, 300, 1000
    .venv/bin/python -m bench.stacks --quick          # smoke run, N = 20, 50

What is measured (every figure is wall-clock time of one Automation API call; the stack and its
file backend are fresh for every measurement and their creation is not timed):

- B1 ``pulumi up`` creating N removals against the emulator vs the floor: N resources of a no-op
  dynamic provider (bench/noop_provider.py) in the same stack shape (N resources + the stack).
- B2 ``pulumi refresh`` of the same stacks right after the up.
- B3 state bytes per resource (``pulumi stack export``), removal vs no-op.
- B4 removals per second with 50 ms of emulated latency on every POST, through ``pulumi up``, vs a
  naive sequential script using the provider's own GraphClient, vs the bound of the dynamic
  provider's 4 worker threads (4 / 0.05 s = 80 removals/s).
- B5 ``pulumi up`` under the emulator's token bucket (20 writes/s, burst 20) vs N / quota.

The emulator runs as a separate process on loopback (so it does not share this process's GIL
with the inline program's language host) and is reset between measurements. Results: a table on
stdout, ``<out>/stacks.json`` and the plot ``<out>/stacks.png`` (``stacks-quick.*`` with --quick).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from bench.noop_provider import declare_noops
from pulumi_personal_data.credentials import CachedTokenProvider, resolve_credential
from pulumi_personal_data.emulator.control_client import EmulatorControl, JournalEntry
from pulumi_personal_data.emulator.process import running_emulator
from pulumi_personal_data.emulator.seed import default_seed_document
from pulumi_personal_data.graph_client import GraphClient
from pulumi_personal_data.local_stack import LocalBackend, find_pulumi_bin_dir, open_stack
from pulumi_personal_data.offboarding import declare_removals
from pulumi_personal_data.roster import DepartedUser
from pulumi_personal_data.settings import resolve_settings

REPO = Path(__file__).resolve().parent.parent
REMOVE_SUFFIX = "/removePersonalData"
WORKER_THREADS = 4  # pulumi.dynamic's provider host: futures.ThreadPoolExecutor(max_workers=4)
B4_LATENCY_S = 0.05
B5_QUOTA = 20.0  # writes per second, burst 20: the throttling test of issue 6 item 5
KINDS = ("removal", "noop")

# pulumi.dynamic.serialize_provider wraps pickle._Pickler._batch_setitems once per resource and never
# unwraps it (Pulumi Python SDK 3.272). Under the CLI every update runs the program in a fresh
# process; the Automation API runs every inline program in this one, so the wrappers would pile
# up across measurements. Restoring the original before each measurement gives each stack the
# fresh-process behaviour it has in real use (see docs/performance.md, "RecursionError").
_PRISTINE_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]


def fresh_program_process() -> None:
    """Undo what earlier programs' dynamic resources did to the pure-Python pickler."""
    pickle._Pickler._batch_setitems = _PRISTINE_BATCH_SETITEMS  # type: ignore[attr-defined]


def log(message: str) -> None:
    """Progress on stderr, timestamped, so a long run can be followed."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _writer_app() -> dict[str, Any]:
    """The default seed's app with CrossTenantUserProfileSharing.ReadWrite.All and a secret."""
    seed = default_seed_document()
    for app in seed["applications"]:
        if app.get("secrets") and any(r.endswith("ReadWrite.All") for r in app.get("roles", [])):
            return dict(app)
    raise LookupError("no writer app in the default seed")


# -- the emulator, as a separate process --------------------------------------------------------


@dataclass
class Emulator:
    """A running emulator process and its control client."""

    process: subprocess.Popen[bytes]
    base_url: str
    graph_url: str
    ca_path: str
    tenant_id: str
    control: EmulatorControl

    def stack_config(self, app: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Plain and secret stack config pointing the provider at this emulator."""
        plain = {
            "personaldata:endpoint": self.graph_url,
            "personaldata:authorityHost": self.base_url,
            "azuread:tenantId": self.tenant_id,
            "azuread:clientId": str(app["appId"]),
        }
        return plain, {"azuread:clientSecret": str(app["secrets"][0])}

    def fresh(self, profiles: int) -> list[str]:
        """Back to the seed with no faults or throttling, ``profiles`` new profiles, empty journal."""
        self.control.reset()
        ids = self.control.generate_profiles(profiles) if profiles else []
        self.control.clear_journal()
        return ids


@contextlib.contextmanager
def run_emulator(tmp: Path) -> Iterator[Emulator]:
    """Start ``python -m pulumi_personal_data.emulator`` on a free loopback port; stop it after."""
    env = {k: v for k, v in os.environ.items() if k != "REQUESTS_CA_BUNDLE"}
    options = ["--host", "127.0.0.1", "--port", "0", "--processing-delay", "none"]
    with running_emulator(
        options, ready_file=tmp / "emulator-ready.json", log_file=tmp / "emulator.log", env=env
    ) as child:
        info = child.info
        control = EmulatorControl(info["base_url"], info["ca_path"])
        try:
            yield Emulator(
                child.process,
                info["base_url"],
                info["graph_url"],
                info["ca_path"],
                info["tenant_id"],
                control,
            )
        finally:
            control.close()


# -- one measured stack -------------------------------------------------------------------------


@dataclass
class StackRun:
    """Timings and state size of one fresh stack: up, optionally refresh, export."""

    kind: str
    n: int
    up_s: float
    refresh_s: float | None
    state: dict[str, Any]
    posts: int | None = None
    distinct_users_posted: int | None = None
    throttled: int | None = None
    post_window_s: float | None = None


class BenchStack:
    """A fresh project, file backend and stack of ``n`` removals or no-op resources."""

    def __init__(self, root: Path, kind: str, users: Sequence[str], emulator: Emulator) -> None:
        self.kind = kind
        self.users = list(users)
        self.root = Path(tempfile.mkdtemp(prefix=f"{kind}-{len(users)}-", dir=root))
        project = self.root / "project"
        project.mkdir()
        plain, secret = emulator.stack_config(_writer_app())
        backend = LocalBackend(
            self.root / "pulumi",
            # The CLI and the provider process trust the emulator's CA and can import bench/.
            extra_env={"REQUESTS_CA_BUNDLE": emulator.ca_path, "PYTHONPATH": str(REPO)},
        )
        self.stack = open_stack(
            project_dir=project,
            stack_name="bench",
            program=self._program,
            backend=backend,
            config=plain,
            secret_config=secret,
        )

    def _program(self) -> None:
        if self.kind == "removal":
            declare_removals([DepartedUser(uid, f"OFF-{i}", i) for i, uid in enumerate(self.users)])
        else:
            declare_noops(self.users)

    def up(self) -> float:
        """Seconds taken by ``pulumi up --yes``; checks every resource was created."""
        start = time.perf_counter()
        result = self.stack.up(color="never")
        elapsed = time.perf_counter() - start
        created = (result.summary.resource_changes or {}).get(auto.OpType.CREATE, 0)
        if created != len(self.users) + 1:
            raise RuntimeError(f"{self.kind}: expected {len(self.users) + 1} creates, got {created}")
        return elapsed

    def refresh(self) -> float:
        """Seconds taken by ``pulumi refresh --yes``."""
        start = time.perf_counter()
        self.stack.refresh(color="never")
        return time.perf_counter() - start

    def state(self) -> dict[str, Any]:
        """Bytes of the exported deployment: total, per resource and its parts."""
        deployment: dict[str, Any] = dict(self.stack.export_stack().deployment or {})
        suffix = ":PersonalDataRemoval" if self.kind == "removal" else ":NoopRemoval"
        ours = [r for r in deployment.get("resources", []) if str(r.get("type", "")).endswith(suffix)]

        def size(value: Any) -> int:
            return len(json.dumps(value, separators=(",", ":")).encode())

        per = [size(r) for r in ours]
        first = ours[0] if ours else {}
        inputs = {k: v for k, v in first.get("inputs", {}).items() if k != "__provider"}
        outputs = {k: v for k, v in first.get("outputs", {}).items() if k != "__provider"}
        provider_ref = first.get("inputs", {}).get("__provider", "")
        return {
            "total_bytes": size(deployment),
            "total_bytes_indented": len(json.dumps(deployment, indent=4).encode()),
            "resources": len(ours),
            "per_resource_bytes_mean": statistics.fmean(per) if per else 0.0,
            "per_resource_bytes_max": max(per, default=0),
            "example_inputs_bytes": size(inputs),
            "example_outputs_bytes": size(outputs),
            "provider_ref_bytes": len(str(provider_ref)),
            "example_field_bytes": {key: size(value) for key, value in first.items()},
            "provider_refs_per_resource": sum(
                1 for part in ("inputs", "outputs") if "__provider" in first.get(part, {})
            ),
        }

    def close(self) -> None:
        """Remove the project and backend directories."""
        shutil.rmtree(self.root, ignore_errors=True)


def _posts(journal: list[JournalEntry]) -> list[JournalEntry]:
    return [e for e in journal if e.method == "POST" and e.path.endswith(REMOVE_SUFFIX)]


def _epoch(stamp: str) -> float:
    from datetime import datetime

    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def measure(
    emulator: Emulator,
    root: Path,
    kind: str,
    n: int,
    *,
    refresh: bool,
    faults: dict[str, Any] | None = None,
    throttle: dict[str, Any] | None = None,
) -> StackRun:
    """One fresh stack of ``n`` resources: time the up (and refresh), export, read the journal."""
    fresh_program_process()
    users = emulator.fresh(n) if kind == "removal" else [str(uuid.uuid4()) for _ in range(n)]
    if faults:
        emulator.control.set_faults(faults)
    if throttle:
        emulator.control.set_throttle(throttle)
    bench = BenchStack(root, kind, users, emulator)
    try:
        up_s = bench.up()
        run = StackRun(kind, n, up_s, None, {})
        if kind == "removal":
            posts = _posts(emulator.control.journal())
            run.posts = len(posts)
            run.distinct_users_posted = len({e.path for e in posts if e.status < 300})
            run.throttled = sum(1 for e in posts if e.status == 429)
            ok = sorted(_epoch(e.time) for e in posts if e.status < 300)
            run.post_window_s = ok[-1] - ok[0] if len(ok) > 1 else None
            if run.distinct_users_posted != n:
                raise RuntimeError(f"{n} removals declared, {run.distinct_users_posted} accepted")
        if refresh:
            emulator.control.set_faults(None)
            emulator.control.set_throttle(None)
            run.refresh_s = bench.refresh()
        run.state = bench.state()
        return run
    finally:
        bench.close()


# -- B4's naive script --------------------------------------------------------------------------


def naive_sequential(emulator: Emulator, n: int, faults: dict[str, Any]) -> dict[str, float]:
    """POST ``n`` removals one by one with the provider's GraphClient; removals per second."""
    users = emulator.fresh(n)
    emulator.control.set_faults(faults)
    plain, secret = emulator.stack_config(_writer_app())
    config = {**plain, **secret}
    previous = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = emulator.ca_path  # what the provider process sees
    try:
        settings = resolve_settings(config.get, {})
        credential = resolve_credential(config.get, {}, authority_host=settings.authority_host)
        client = GraphClient(settings.endpoint, CachedTokenProvider(credential), retry=settings.retry)
        start = time.perf_counter()
        for uid in users:
            client.remove_inbound_personal_data(uid)
        elapsed = time.perf_counter() - start
        client.close()
    finally:
        if previous is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = previous
    accepted = len({e.path for e in _posts(emulator.control.journal()) if e.status < 300})
    if accepted != n:
        raise RuntimeError(f"naive script: {accepted} of {n} accepted")
    return {"n": n, "wall_s": elapsed, "per_second": n / elapsed}


# -- analysis and output ------------------------------------------------------------------------


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of wall seconds against N (seconds per resource)."""
    if len(points) < 2:
        return float("nan")
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den


def marginal(points: Sequence[tuple[float, float]]) -> list[float]:
    """Seconds per added resource between consecutive sizes (rising values mean superlinear)."""
    ordered = sorted(points)
    return [(y2 - y1) / (x2 - x1) for (x1, y1), (x2, y2) in itertools.pairwise(ordered)]


def machine() -> dict[str, Any]:
    """Where the figures come from."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    bin_dir = find_pulumi_bin_dir()
    version = subprocess.run(
        [str(bin_dir / "pulumi"), "version"], capture_output=True, text=True, check=False, timeout=60
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pulumi_cli": version,
    }


def plot(growth: dict[str, dict[str, list[tuple[int, float]]]], path: Path) -> None:
    """Wall time vs N for up and refresh, ours and the floor, with least-squares lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, op in zip(axes, ("up", "refresh"), strict=True):
        for kind, style in (("removal", "o-"), ("noop", "s--")):
            pts = sorted(growth[op][kind])
            if not pts:
                continue
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            label = "PersonalDataRemoval" if kind == "removal" else "no-op floor"
            ax.plot(xs, ys, style, label=f"{label} ({slope(pts) * 1000:.1f} ms/resource)")
        ax.set_title(f"pulumi {op}: wall time vs N (median)")
        ax.set_xlabel("resources N")
        ax.set_ylabel("seconds")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def median(values: Sequence[float]) -> float:
    """The median of the repeats."""
    return float(statistics.median(values))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every benchmark; returns the JSON document."""
    sizes: list[int] = args.sizes
    results: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, "-m", "bench.stacks", *sys.argv[1:]]),
        "machine": machine(),
        "sizes": sizes,
        "repeat": args.repeat,
        "b1_b2": {},
        "b3": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-stacks-") as tmp_name:
        tmp = Path(tmp_name)
        with run_emulator(tmp) as emulator:
            for n in sizes:
                row: dict[str, Any] = {}
                for kind in KINDS:
                    runs = []
                    for i in range(args.repeat):
                        log(f"B1/B2 {kind} N={n} repeat {i + 1}/{args.repeat}")
                        started = time.perf_counter()
                        try:
                            r = measure(emulator, tmp, kind, n, refresh=True)
                        except auto.CommandError as exc:
                            # A failed update is a result too (deterministic: not repeated).
                            elapsed = time.perf_counter() - started
                            row[kind] = {"error": _first_error(str(exc)), "failed_after_s": elapsed}
                            log(f"  FAILED after {elapsed:.1f}s: {row[kind]['error']}")
                            break
                        log(f"  up {r.up_s:.2f}s refresh {r.refresh_s or 0:.2f}s")
                        runs.append(r)
                    if not runs:
                        continue
                    row[kind] = {
                        "up_s": [r.up_s for r in runs],
                        "refresh_s": [r.refresh_s for r in runs],
                        "up_median_s": median([r.up_s for r in runs]),
                        "refresh_median_s": median([r.refresh_s or 0.0 for r in runs]),
                    }
                    results["b3"].setdefault(str(n), {})[kind] = runs[0].state
                for op in ("up", "refresh"):
                    if all("error" not in row[k] for k in KINDS):
                        row[f"{op}_ratio"] = row["removal"][f"{op}_median_s"] / row["noop"][f"{op}_median_s"]
                results["b1_b2"][str(n)] = row

            faults = {"latencyMs": B4_LATENCY_S * 1000, "methods": ["POST"]}
            log(f"B4 pulumi up N={args.b4_size} with {B4_LATENCY_S * 1000:.0f} ms POST latency")
            b4 = measure(emulator, tmp, "removal", args.b4_size, refresh=False, faults=faults)
            log(f"B4 noop floor N={args.b4_size}")
            b4_floor = measure(emulator, tmp, "noop", args.b4_size, refresh=False)
            log(f"B4 naive sequential N={args.b4_naive_size}")
            naive = naive_sequential(emulator, args.b4_naive_size, faults)
            bound = WORKER_THREADS / B4_LATENCY_S
            up_rate = args.b4_size / b4.up_s
            window_rate = (args.b4_size - 1) / b4.post_window_s if b4.post_window_s else float("nan")
            results["b4"] = {
                "n": args.b4_size,
                "latency_ms": B4_LATENCY_S * 1000,
                "up_s": b4.up_s,
                "noop_up_s": b4_floor.up_s,
                "up_per_second": up_rate,
                "post_window_s": b4.post_window_s,
                "post_window_per_second": window_rate,
                # None when the floor took as long or longer: our part is within the noise.
                "net_of_floor_per_second": args.b4_size / (b4.up_s - b4_floor.up_s)
                if b4.up_s > b4_floor.up_s
                else None,
                "naive": naive,
                "bound_per_second": bound,
                "up_ratio_to_bound": up_rate / bound,
                "window_ratio_to_bound": window_rate / bound,
                "up_vs_naive": up_rate / naive["per_second"],
            }

            results["b5"] = []
            for n in args.b5_sizes:
                log(f"B5 pulumi up N={n} throttled at {B5_QUOTA:.0f} writes/s, burst {B5_QUOTA:.0f}")
                throttle = {"writesPerSecond": B5_QUOTA, "writeBurst": B5_QUOTA}
                r = measure(emulator, tmp, "removal", n, refresh=False, throttle=throttle)
                ideal = n / B5_QUOTA
                results["b5"].append(
                    {
                        "n": n,
                        "up_s": r.up_s,
                        "n_over_quota_s": ideal,
                        "ratio": r.up_s / ideal,
                        "posts": r.posts,
                        "throttled_429": r.throttled,
                        "post_window_s": r.post_window_s,
                    }
                )
                log(f"  up {r.up_s:.2f}s vs {ideal:.1f}s; {r.throttled} x 429")
    growth: dict[str, dict[str, list[tuple[int, float]]]] = {
        op: {
            kind: [
                (n, results["b1_b2"][str(n)][kind][f"{op}_median_s"])
                for n in sizes
                if "error" not in results["b1_b2"][str(n)][kind]
            ]
            for kind in KINDS
        }
        for op in ("up", "refresh")
    }
    results["growth"] = {
        op: {
            kind: {"slope_s_per_resource": slope(pts), "marginal_s_per_resource": marginal(pts)}
            for kind, pts in growth[op].items()
        }
        for op in growth
    }
    return results | {"_growth_points": growth}


def table(results: dict[str, Any]) -> str:
    """The human-readable table."""
    lines = [
        f"machine: {results['machine']['cpus']} CPUs, {results['machine']['cpu_model']}, "
        f"{results['machine']['pulumi_cli']}",
        "",
    ]
    lines.append(f"B1/B2  wall seconds, median of {results['repeat']} (ratio = removal / no-op floor)")
    lines.append(
        f"{'N':>6} {'up':>9} {'up floor':>9} {'ratio':>6} {'refresh':>9} {'ref floor':>9} {'ratio':>6}"
    )
    for n, row in results["b1_b2"].items():
        failed = [k for k in KINDS if "error" in row[k]]
        if failed:
            for k in failed:
                lines.append(f"{n:>6} {k}: FAILED after {row[k]['failed_after_s']:.1f} s: {row[k]['error']}")
            ok = [k for k in KINDS if k not in failed]
            for k in ok:
                lines.append(
                    f"{n:>6} {k}: up {row[k]['up_median_s']:.2f} s, "
                    f"refresh {row[k]['refresh_median_s']:.2f} s"
                )
            continue
        lines.append(
            f"{n:>6} {row['removal']['up_median_s']:>9.2f} {row['noop']['up_median_s']:>9.2f} "
            f"{row['up_ratio']:>6.2f} {row['removal']['refresh_median_s']:>9.2f} "
            f"{row['noop']['refresh_median_s']:>9.2f} {row['refresh_ratio']:>6.2f}"
        )
    lines.append("")
    lines.append("growth  least-squares slope ms/resource (marginal between sizes)")
    for op, kinds in results["growth"].items():
        for kind, g in kinds.items():
            marg = ", ".join(f"{m * 1000:.1f}" for m in g["marginal_s_per_resource"])
            lines.append(f"  {op:<8} {kind:<8} {g['slope_s_per_resource'] * 1000:7.1f}   ({marg})")
    lines.append("")
    lines.append("B3  state bytes (compact JSON of `stack export`)")
    lines.append(f"{'N':>6} {'kind':<8} {'total':>10} {'per resource':>13} {'inputs':>7} {'outputs':>8}")
    for n, kinds in results["b3"].items():
        for kind, s in kinds.items():
            lines.append(
                f"{n:>6} {kind:<8} {s['total_bytes']:>10} {s['per_resource_bytes_mean']:>13.0f} "
                f"{s['example_inputs_bytes']:>7} {s['example_outputs_bytes']:>8}"
            )
    b4 = results["b4"]
    lines.append("")
    lines.append(f"B4  {b4['latency_ms']:.0f} ms POST latency, N={b4['n']}: removals/s")
    lines.append(
        f"  pulumi up end to end     {b4['up_per_second']:7.1f}  ({b4['up_s']:.2f} s; "
        f"{b4['up_ratio_to_bound']:.0%} of bound, {b4['up_vs_naive']:.1f}x naive)"
    )
    lines.append(
        f"  pulumi up POST window    {b4['post_window_per_second']:7.1f}  "
        f"({b4['window_ratio_to_bound']:.0%} of bound)"
    )
    net = b4["net_of_floor_per_second"]
    net_text = "    n/a" if net is None else f"{net:7.1f}"  # None: the floor was not faster
    lines.append(f"  net of no-op floor       {net_text}  (floor up {b4['noop_up_s']:.2f} s)")
    lines.append(f"  naive sequential script  {b4['naive']['per_second']:7.1f}  (N={b4['naive']['n']})")
    lines.append(f"  4-thread bound           {b4['bound_per_second']:7.1f}")
    lines.append("")
    lines.append(f"B5  throttled {B5_QUOTA:.0f} writes/s, burst {B5_QUOTA:.0f}")
    for r in results["b5"]:
        lines.append(
            f"  N={r['n']:>5}  up {r['up_s']:7.2f} s  N/quota {r['n_over_quota_s']:6.1f} s  "
            f"ratio {r['ratio']:.2f}  429s {r['throttled_429']}"
        )
    return "\n".join(lines)


def _first_error(text: str) -> str:
    """The most telling line of a failed CLI run."""
    for line in text.splitlines():
        if "Error:" in line or "error:" in line:
            return line.strip()[:300]
    return text.strip().splitlines()[0][:300] if text.strip() else "unknown error"


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    """Parse options, run, print the table, write JSON and the plot."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=_sizes, default=[100, 300, 1000], help="N for B1-B3 (comma list)")
    parser.add_argument("--repeat", type=int, default=2, help="measurements per N and kind (median)")
    parser.add_argument("--b4-size", type=int, default=500, help="removals for B4 through pulumi up")
    parser.add_argument("--b4-naive-size", type=int, default=200, help="removals for B4's naive script")
    parser.add_argument("--b5-sizes", type=_sizes, default=[200, 500], help="N for B5 (comma list)")
    parser.add_argument("--quick", action="store_true", help="smoke run: N=20,50, one repeat, small B4/B5")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results", help="output directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat, args.b4_size, args.b4_naive_size, args.b5_sizes = [20, 50], 1, 50, 50, [50]
    # The machine-wide system bundle must not leak into anything talking to the emulator.
    os.environ.pop("REQUESTS_CA_BUNDLE", None)
    find_pulumi_bin_dir()  # fail early with the install hint when the CLI is missing
    started = time.perf_counter()
    results = run(args)
    growth = results.pop("_growth_points")
    results["total_runtime_s"] = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "stacks-quick" if args.quick else "stacks"
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    plot(growth, args.out / f"{stem}.png")
    print(table(results))
    print(f"\nwrote {args.out / f'{stem}.json'} and {args.out / f'{stem}.png'}")


if __name__ == "__main__":
    main()
