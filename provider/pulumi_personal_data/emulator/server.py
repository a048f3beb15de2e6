"""The threaded emulator server: configuration, start/stop around uvicorn, URLs and files."""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .app import create_app
from .context import TRANSPORT_KEY, Services
from .faults import FaultInjector, FaultSpec, Throttle, ThrottleSpec
from .identity import IdentityService, SigningKey
from .models import EmulatorBackend
from .seed import load_seed
from .store import Store
from .tls import ensure_tls_files

_READY_TIMEOUT_SECONDS = 30.0
_GRACEFUL_STOP_SECONDS = 1.0


class EmulatorStartError(RuntimeError):
    """The server did not come up; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the Graph emulator failed to start: {reason}")
        self.reason = reason


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket for uvicorn (port 0 picks a free one).

    Created with ``proto=IPPROTO_TCP`` on purpose: asyncio turns on TCP_NODELAY only for sockets
    whose proto says TCP, and accepted sockets inherit it. With proto 0, Nagle held each response
    body back behind the client's delayed ACK, about 40 ms per request even on loopback.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


class EmulatorProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, exposing the transport so a fault can really drop the connection."""

    def on_message_begin(self) -> None:
        """Start a request and put the transport into its scope."""
        super().on_message_begin()
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        scope[TRANSPORT_KEY] = self.transport


@dataclass(frozen=True)
class EmulatorConfig:
    """How to run the emulator.

    ``processing_delay`` is seconds from a removal request until the profile is gone
    (None: only when the control API says so). ``faults`` and ``throttle`` take the control
    API's JSON form or spec objects. ``data_dir`` keeps the database, keys and TLS files;
    without it everything lives in memory and a temporary directory.
    """

    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = True
    data_dir: Path | None = None
    seed: Path | Mapping[str, Any] | None = None
    processing_delay: float | None = 60.0
    faults: FaultSpec | Mapping[str, Any] | None = None
    throttle: ThrottleSpec | Mapping[str, Any] | None = None
    log_level: str = "warning"


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 - a wildcard bind is reached via loopback
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class EmulatorServer:
    """Runs the emulator in a background thread; ``start()`` returns once it accepts requests."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._store: Store | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._services: Services | None = None
        self._port: int | None = None
        self._ca_path: Path | None = None

    # -- URLs and files ------------------------------------------------------------------------
    def host_port(self) -> tuple[str, int]:
        """The bound host and port (the real port when configured with 0)."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self.config.host, self._port

    @property
    def base_url(self) -> str:
        """Scheme, host and port, e.g. https://127.0.0.1:8443."""
        host, port = self.host_port()
        return f"{'https' if self.config.tls else 'http'}://{_url_host(host)}:{port}"

    @property
    def graph_url(self) -> str:
        """The Graph beta base URL."""
        return f"{self.base_url}/beta"

    @property
    def authority(self) -> str:
        """What azure-identity takes as ``authority=`` / AZURE_AUTHORITY_HOST."""
        return self.base_url

    @property
    def ca_path(self) -> Path:
        """The CA bundle clients must trust (REQUESTS_CA_BUNDLE / SSL_CERT_FILE)."""
        if self._ca_path is None:
            raise RuntimeError("TLS is off or the emulator is not started")
        return self._ca_path

    @property
    def services(self) -> Services:
        """The running emulator's services (for in-process inspection)."""
        if self._services is None:
            raise RuntimeError("the emulator is not started")
        return self._services

    @property
    def tenant_id(self) -> str:
        """The emulated tenant's id."""
        return self.services.backend.tenant_id

    @property
    def github_oidc_url(self) -> str:
        """ACTIONS_ID_TOKEN_REQUEST_URL for the GitHub-style OIDC endpoint."""
        return self.services.identity.github_request_url

    @property
    def github_request_token(self) -> str:
        """The first seeded ACTIONS_ID_TOKEN_REQUEST_TOKEN (empty when none is seeded)."""
        seeded = self.services.backend.seed.github_oidc
        return seeded[0].request_token if seeded else ""

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        """Bind, build the app and serve in a thread; return once ready."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already started")
        cfg = self.config
        if cfg.data_dir is not None:
            cfg.data_dir.mkdir(parents=True, exist_ok=True)
            files_dir = cfg.data_dir
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="graph-emulator-")
            files_dir = Path(self._tmp.name)
        try:
            sock = listening_socket(cfg.host, cfg.port)
        except OSError as exc:
            self._cleanup()
            raise EmulatorStartError(f"cannot bind {cfg.host}:{cfg.port}: {exc}") from exc
        self._port = int(sock.getsockname()[1])
        ssl_kwargs: dict[str, Any] = {}
        if cfg.tls:
            tls = ensure_tls_files(files_dir / "tls", cfg.host)
            self._ca_path = tls.ca_path
            ssl_kwargs = {"ssl_certfile": str(tls.cert_path), "ssl_keyfile": str(tls.key_path)}
        self._services = self._build_services(files_dir if cfg.data_dir is not None else None)
        config = uvicorn.Config(
            create_app(self._services),
            http=EmulatorProtocol,
            loop="asyncio",
            lifespan="off",
            log_level=cfg.log_level,
            access_log=False,
            server_header=False,
            date_header=False,
            timeout_keep_alive=120,
            backlog=1024,
            **ssl_kwargs,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="graph-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
        while not server.started:
            if not self._thread.is_alive():
                self._cleanup()
                raise EmulatorStartError("the server thread exited during startup")
            if time.monotonic() > deadline:
                self.stop()
                raise EmulatorStartError("timed out waiting for the server to accept requests")
            time.sleep(0.01)
        return self

    def _build_services(self, data_dir: Path | None) -> Services:
        cfg = self.config
        store = Store(data_dir / "emulator.sqlite3" if data_dir is not None else None)
        self._store = store
        backend = EmulatorBackend(store, processing_delay=cfg.processing_delay)
        seed = load_seed(cfg.seed)
        stored = store.get_meta("seed")
        if stored is not None and cfg.seed is None:
            # Restart on a data dir: keep the stored state and the seed it came from.
            backend.adopt_seed(load_seed(_json_dict(stored)))
        elif stored is not None and _json_dict(stored) == seed.raw:
            backend.adopt_seed(seed)
        else:
            backend.load_seed(seed)
        keys_dir = data_dir / "keys" if data_dir is not None else None
        identity = IdentityService(
            backend,
            base_url=self.base_url,
            aad_key=SigningKey.load_or_create(keys_dir / "aad-signing.pem" if keys_dir else None),
            github_key=SigningKey.load_or_create(keys_dir / "github-signing.pem" if keys_dir else None),
        )
        faults = _fault_spec(cfg.faults)
        throttle = _throttle_spec(cfg.throttle)
        return Services(
            backend=backend,
            identity=identity,
            faults=FaultInjector(faults),
            throttle=Throttle(throttle),
            base_url=self.base_url,
            initial_faults=faults,
            initial_throttle=throttle,
        )

    def stop(self) -> None:
        """Stop serving, flush the journal and release files; safe to call twice."""
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=_GRACEFUL_STOP_SECONDS)
            if thread.is_alive() and server is not None:
                # A client still holds a TLS connection open; do not wait for its close_notify.
                server.force_exit = True
                thread.join(timeout=10)
        self._server = None
        self._thread = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _json_dict(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("stored seed is not an object")
    return value


def _fault_spec(value: FaultSpec | Mapping[str, Any] | None) -> FaultSpec | None:
    if value is None or isinstance(value, FaultSpec):
        return value
    return FaultSpec.from_json(value)


def _throttle_spec(value: ThrottleSpec | Mapping[str, Any] | None) -> ThrottleSpec | None:
    if value is None or isinstance(value, ThrottleSpec):
        return value
    return ThrottleSpec.from_json(value)
