"""Shared fixtures: a clean environment for every test and one HTTPS Graph emulator per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorConfig, EmulatorServer

pytest_plugins = ["tests.stack_fixtures"]

_SCRUBBED_PREFIXES = ("AZURE_", "ARM_", "ACTIONS_", "PULUMI_PERSONAL_DATA_", "IDENTITY_", "MSI_")
# Where the pinned CLI lives is tooling, not configuration under test.
_KEPT = ("PULUMI_PERSONAL_DATA_PULUMI_BIN_DIR",)
_SCRUBBED_NAMES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's credentials, proxies and CA settings out of every test."""
    for name in list(os.environ):
        if (name.startswith(_SCRUBBED_PREFIXES) and name not in _KEPT) or name in _SCRUBBED_NAMES:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    """One TLS emulator for the session; removals are only processed on demand."""
    data_dir = tmp_path_factory.mktemp("emulator")
    server = EmulatorServer(EmulatorConfig(data_dir=data_dir, processing_delay=None))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def control(emulator: EmulatorServer) -> EmulatorControl:
    """The emulator's control API, reset to the default seed, with no faults or throttling."""
    ctl = EmulatorControl(emulator.base_url, emulator.ca_path)
    ctl.reset()
    return ctl


@pytest.fixture
def trust_emulator(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make requests and azure-identity trust the emulator's CA, as a user would via REQUESTS_CA_BUNDLE."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
    return Path(emulator.ca_path)
