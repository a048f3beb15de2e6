"""The ``graph-emulator`` command: start the emulator, print what a client needs, stop on SIGINT/SIGTERM."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from .faults import FAULT_KINDS, ConfigError, FaultSpec, ThrottleSpec
from .seed import SeedError
from .server import EmulatorConfig, EmulatorServer, EmulatorStartError

READY_PREFIX = "EMULATOR READY"


def _fault_spec(
    *, rate: float, kinds: str, sequence: str, retry_after: str, latency_ms: float, methods: str
) -> FaultSpec | None:
    doc: dict[str, Any] = {
        "rate": rate,
        "kinds": [k.strip() for k in kinds.split(",") if k.strip()],
        "sequence": [k.strip() for k in sequence.split(",") if k.strip()],
        "retryAfter": retry_after,
        "latencyMs": latency_ms,
        "methods": [m.strip().upper() for m in methods.split(",") if m.strip()],
    }
    spec = FaultSpec.from_json(doc)  # validated even when inactive: a typo is an error, not a no-op
    if not rate and not doc["sequence"] and not latency_ms:
        return None
    return spec


def client_environment(server: EmulatorServer) -> dict[str, str]:
    """The environment variables a client (and our provider) needs to talk to ``server``."""
    env = {
        "PULUMI_PERSONAL_DATA_ENDPOINT": server.graph_url,
        "PULUMI_PERSONAL_DATA_AUTHORITY_HOST": server.base_url,
        "AZURE_AUTHORITY_HOST": server.base_url,
        "AZURE_TENANT_ID": server.tenant_id,
    }
    if server.config.tls:
        env = {"REQUESTS_CA_BUNDLE": str(server.ca_path), "SSL_CERT_FILE": str(server.ca_path), **env}
    return env


@click.command(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option("--host", default="127.0.0.1", help="Interface to bind.")
@click.option("--port", default=8443, type=click.IntRange(0, 65535), help="Port; 0 picks a free one.")
@click.option("--tls/--no-tls", default=True, help="Serve HTTPS with a local CA (azure-identity needs it).")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep database, keys and certificates here (survives restarts); default: memory.",
)
@click.option(
    "--seed",
    "seed_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Seed JSON file; default: the packaged default seed.",
)
@click.option(
    "--processing-delay",
    default="60",
    help="Seconds until a queued removal completes; 'none' = only via the control API.",
)
@click.option(
    "--fault-rate", default=0.0, type=click.FloatRange(0, 1), help="Share of Graph calls that fail."
)
@click.option("--fault-kinds", default="429", help=f"Comma list from {','.join(FAULT_KINDS)}.")
@click.option("--fault-sequence", default="", help="Exact faults for the first calls, e.g. 429,500,ok.")
@click.option("--retry-after", default="1", help="Retry-After sent with injected 429s (fractional allowed).")
@click.option("--fault-methods", default="", help="Only inject into these methods, e.g. POST.")
@click.option("--latency-ms", default=0.0, type=click.FloatRange(0), help="Latency added to Graph calls.")
@click.option(
    "--throttle-writes-per-second",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Token-bucket refill rate for writes per app and tenant.",
)
@click.option(
    "--throttle-write-burst",
    type=click.FloatRange(min=1),
    default=None,
    help="Bucket size for writes (default: one second's worth).",
)
@click.option(
    "--throttle-reads-per-second",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Token-bucket refill rate for reads per app and tenant.",
)
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write base_url, graph_url, authority, ca_path, tenant_id as JSON here when ready.",
)
@click.option(
    "--log-level", default="warning", type=click.Choice(["critical", "error", "warning", "info", "debug"])
)
def main(
    *,
    host: str,
    port: int,
    tls: bool,
    data_dir: Path | None,
    seed_path: Path | None,
    processing_delay: str,
    fault_rate: float,
    fault_kinds: str,
    fault_sequence: str,
    retry_after: str,
    fault_methods: str,
    latency_ms: float,
    throttle_writes_per_second: float | None,
    throttle_write_burst: float | None,
    throttle_reads_per_second: float | None,
    ready_file: Path | None,
    log_level: str,
) -> None:
    """Run the local Microsoft Graph emulator until SIGINT or SIGTERM."""
    try:
        delay = None if processing_delay.lower() in ("none", "off") else float(processing_delay)
    except ValueError:
        raise click.BadParameter("a number of seconds or 'none'", param_hint="--processing-delay") from None
    try:
        faults = _fault_spec(
            rate=fault_rate,
            kinds=fault_kinds,
            sequence=fault_sequence,
            retry_after=retry_after,
            latency_ms=latency_ms,
            methods=fault_methods,
        )
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="fault options") from None
    throttle = None
    if throttle_writes_per_second or throttle_reads_per_second:
        throttle = ThrottleSpec(
            writes_per_second=throttle_writes_per_second,
            write_burst=throttle_write_burst,
            reads_per_second=throttle_reads_per_second,
        )
    config = EmulatorConfig(
        host=host,
        port=port,
        tls=tls,
        data_dir=data_dir,
        seed=seed_path,
        processing_delay=delay,
        faults=faults,
        throttle=throttle,
        log_level=log_level,
    )
    server = EmulatorServer(config)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        server.start()
    except (EmulatorStartError, SeedError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    try:
        _announce(server, ready_file)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    click.echo("Graph emulator stopped.")


def _announce(server: EmulatorServer, ready_file: Path | None) -> None:
    echo = click.echo
    echo(f"Graph base URL:   {server.graph_url}")
    echo(
        f"Token authority:  {server.authority}"
        f"  (token URL {server.base_url}/{server.tenant_id}/oauth2/v2.0/token)"
    )
    echo(f"Tenant id:        {server.tenant_id}")
    if server.config.tls:
        echo(f"CA bundle:        {server.ca_path}")
    echo(f"GitHub OIDC URL:  {server.github_oidc_url}")
    echo(f"Control API:      {server.base_url}/_emulator/")
    echo("Client environment:")
    for name, value in client_environment(server).items():
        echo(f"  export {name}={value}")
    if ready_file is not None:
        info = {
            "base_url": server.base_url,
            "graph_url": server.graph_url,
            "authority": server.authority,
            "ca_path": str(server.ca_path) if server.config.tls else None,
            "tenant_id": server.tenant_id,
            "github_oidc_url": server.github_oidc_url,
        }
        tmp = ready_file.with_suffix(ready_file.suffix + ".tmp")
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        tmp.replace(ready_file)  # atomic, so readers never see half a file
    echo(f"{READY_PREFIX} {server.base_url}")
    sys.stdout.flush()
