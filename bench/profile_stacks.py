"""Where the time of one ``pulumi up`` goes: CPU per process and a cProfile of the program host.

Used to read the results of bench/stacks.py (see docs/performance.md)::

    .venv/bin/python -m bench.profile_stacks --kind noop --n 300
    .venv/bin/python -m bench.profile_stacks --kind removal --n 300 --cprofile /tmp/removal.prof

For one fresh stack it prints the wall time of the up (and of the refresh) and the CPU seconds
spent by this process (the Automation API's inline program host: the Python SDK registering the
resources) and by its finished children (the ``pulumi`` CLI with the engine, and the dynamic
provider process it starts). With ``--cprofile`` it also profiles this process during the up and
prints the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import tempfile
import time
import uuid
from pathlib import Path

from bench.stacks import BenchStack, fresh_program_process, run_emulator


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Run one measured up (and refresh) with a CPU breakdown and an optional profile."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kind", choices=["removal", "noop"], default="noop")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--cprofile", type=Path, default=None, help="write the program host's profile here")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    os.environ.pop("REQUESTS_CA_BUNDLE", None)
    fresh_program_process()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp_name:
        tmp = Path(tmp_name)
        with run_emulator(tmp) as emulator:
            users = (
                emulator.fresh(args.n)
                if args.kind == "removal"
                else [str(uuid.uuid4()) for _ in range(args.n)]
            )
            bench = BenchStack(tmp, args.kind, users, emulator)
            try:
                profiler = cProfile.Profile() if args.cprofile else None
                wall0, self0, kids0 = time.perf_counter(), time.process_time(), _children_cpu()
                if profiler:
                    profiler.enable()
                bench.up()
                if profiler:
                    profiler.disable()
                wall1, self1, kids1 = time.perf_counter(), time.process_time(), _children_cpu()
                bench.refresh()
                wall2, self2, kids2 = time.perf_counter(), time.process_time(), _children_cpu()
            finally:
                bench.close()
    print(f"{args.kind} N={args.n}")
    print(
        f"  up       wall {wall1 - wall0:6.2f} s  program host CPU {self1 - self0:6.2f} s  "
        f"CLI+provider CPU {kids1 - kids0:6.2f} s"
    )
    print(
        f"  refresh  wall {wall2 - wall1:6.2f} s  program host CPU {self2 - self1:6.2f} s  "
        f"CLI+provider CPU {kids2 - kids1:6.2f} s"
    )
    if profiler and args.cprofile:
        profiler.dump_stats(args.cprofile)
        stats = pstats.Stats(str(args.cprofile))
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
