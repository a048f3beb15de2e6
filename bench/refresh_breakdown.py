"""Where the provider's fixed refresh cost goes: the phases of one refresh, in a fresh process.

B2 (``bench/stacks.py``) found ``pulumi refresh`` of 100 removals ~0.6 s slower than the no-op
floor, a cost that does not grow with N. This replays what the provider process does during that
refresh, outside the engine, and times each phase::

    .venv/bin/python -m bench.refresh_breakdown --n 100 --repeats 5

Each repeat runs in a new interpreter (like the provider process the engine starts), reading
``n`` removals in status ``requested`` with 4 threads, as the dynamic provider's gRPC server does.
Phases: importing ``pulumi.dynamic`` (the floor pays this too), importing our provider module,
``configure()``, the first read (credential, token, TLS handshake, first GET), and the rest.
Prints a table of medians and writes ``bench/results/refresh_breakdown.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
PHASES = [
    "import pulumi.dynamic",
    "import provider",
    "import azure-identity, requests",
    "configure",
    "first read",
    "other reads",
    "total",
]


def child(spec: dict[str, Any]) -> dict[str, float]:
    """Runs in a fresh interpreter: time the phases of one refresh as the provider process does."""
    marks = [time.perf_counter()]
    import pulumi.dynamic

    marks.append(time.perf_counter())
    from pulumi_personal_data.provider import RemovalProvider

    marks.append(time.perf_counter())
    # The provider imports these on its first Graph call; imported here to time them apart.
    import pulumi_personal_data.credentials
    import pulumi_personal_data.graph_client  # noqa: F401

    marks.append(time.perf_counter())
    provider = RemovalProvider()
    provider.configure(pulumi.dynamic.ConfigureRequest(pulumi.dynamic.Config(spec["config"], "bench")))
    marks.append(time.perf_counter())
    props = [{"user_id": uid, "status": "requested", "reason": "bench"} for uid in spec["users"]]
    provider.read(props[0]["user_id"], props[0])
    marks.append(time.perf_counter())
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: provider.read(p["user_id"], p), props[1:]))
    marks.append(time.perf_counter())
    # Nothing has finished, so every read had to ask Graph.
    assert all((r.outs or {}).get("status") == "requested" for r in results)
    figures = {name: marks[i + 1] - marks[i] for i, name in enumerate(PHASES[:-1])}
    figures["total"] = marks[-1] - marks[0]
    return figures


def main() -> None:
    """Start an emulator with ``n`` fresh profiles, then time ``repeats`` fresh-process refreshes."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(Path(args.child).read_text()))))
        return

    from bench.stacks import _writer_app, run_emulator

    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-refresh-") as tmp_name:
        tmp = Path(tmp_name)
        with run_emulator(tmp) as emulator:
            users = emulator.fresh(args.n)
            plain, secret = emulator.stack_config(_writer_app())
            spec_file = tmp / "spec.json"
            spec_file.write_text(json.dumps({"config": {**plain, **secret}, "users": users}))
            env = {**os.environ, "REQUESTS_CA_BUNDLE": emulator.ca_path}
            for _ in range(args.repeats):
                done = subprocess.run(
                    [sys.executable, "-m", "bench.refresh_breakdown", "--child", str(spec_file)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            journal = emulator.control.journal()
    calls = {
        "token requests": sum(1 for e in journal if e.path.endswith("/oauth2/v2.0/token")),
        "discovery GETs": sum(1 for e in journal if "well-known" in e.path),
        "profile GETs": sum(
            1 for e in journal if e.method == "GET" and "/inboundSharedUserProfiles/" in e.path
        ),
        "listing pages": sum(
            1
            for e in journal
            if e.method == "GET" and e.path.split("?")[0].endswith("/inboundSharedUserProfiles")
        ),
    }
    medians = {phase: statistics.median(r[phase] for r in runs) for phase in PHASES}
    print(f"refresh of {args.n} removals in status requested, {args.repeats} fresh processes (median ms)")
    for phase in PHASES:
        print(f"  {phase:<32} {medians[phase] * 1000:8.1f}")
    for kind, count in calls.items():
        print(f"  {kind} per refresh: {count / args.repeats:g}")
    RESULTS.mkdir(exist_ok=True)
    per_refresh = {kind: count / args.repeats for kind, count in calls.items()}
    out = {"n": args.n, "repeats": args.repeats, "median_s": medians, "calls": per_refresh, "runs": runs}
    (RESULTS / "refresh_breakdown.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
