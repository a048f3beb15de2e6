"""Benchmark: requests per second against the emulator over TLS with keep-alive.

``--operation remove`` (default) sends removePersonalData (204, no body); ``--operation get`` reads
profiles (200 with a JSON body), the shape that exposed a 40 ms Nagle stall per response before
the emulator's sockets got TCP_NODELAY. Also prints the mean time per request.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from pulumi_personal_data.emulator.process import running_emulator

DEMO_APP_ID = "0b7a6f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
DEMO_SECRET = "demo-secret-do-not-use-in-production"  # noqa: S105 - the fake seed secret


def main() -> None:
    """Start the emulator, seed profiles, hammer removePersonalData and print requests/second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000, help="removePersonalData calls to make")
    parser.add_argument("--threads", type=int, default=8, help="client threads (one Session each)")
    parser.add_argument("--data-dir", action="store_true", help="use a file database instead of memory")
    parser.add_argument(
        "--operation", choices=["remove", "get"], default="remove", help="what each call does"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="graph-emulator-bench-") as tmp:
        options = ["--port", "0", "--processing-delay", "3600"]
        if args.data_dir:
            options += ["--data-dir", str(Path(tmp) / "data")]
        with running_emulator(
            options, ready_file=Path(tmp) / "ready.json", log_file=Path(tmp) / "emulator.log"
        ) as emulator:
            info = emulator.info
            ca, base, graph = info["ca_path"], info["base_url"], info["graph_url"]
            seeded = requests.post(
                f"{base}/_emulator/seed/generate", json={"count": args.requests}, verify=ca, timeout=60
            )
            seeded.raise_for_status()
            ids: list[str] = seeded.json()["userIds"]
            token = requests.post(
                f"{base}/{info['tenant_id']}/oauth2/v2.0/token",
                verify=ca,
                timeout=30,
                data={
                    "grant_type": "client_credentials",
                    "client_id": DEMO_APP_ID,
                    "client_secret": DEMO_SECRET,
                    "scope": "https://graph.microsoft.com/.default",
                },
            ).json()["access_token"]
            local = threading.local()
            headers = {"Authorization": f"Bearer {token}"}

            method, suffix, expected = (
                ("POST", "/removePersonalData", 204) if args.operation == "remove" else ("GET", "", 200)
            )

            def call(user_id: str) -> int:
                session = getattr(local, "session", None)
                if session is None:
                    session = local.session = requests.Session()
                response = session.request(
                    method,
                    f"{graph}/directory/inboundSharedUserProfiles/{user_id}{suffix}",
                    headers=headers,
                    verify=ca,
                    timeout=30,
                )
                return response.status_code

            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(call, ids[: args.threads * 4]))  # warm up: TLS handshakes, pools
                started = time.perf_counter()
                statuses = list(pool.map(call, ids[args.threads * 4 :]))
                elapsed = time.perf_counter() - started
            ok = sum(1 for s in statuses if s == expected)
            name = "removePersonalData" if args.operation == "remove" else "profile GET"
            print(
                f"{len(statuses)} {name} calls, {ok} x {expected}, {args.threads} threads, "
                f"{elapsed:.2f} s: {len(statuses) / elapsed:.0f} requests/second, "
                f"{elapsed / len(statuses) * args.threads * 1000:.1f} ms per request per thread"
            )
            if ok != len(statuses):
                raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
