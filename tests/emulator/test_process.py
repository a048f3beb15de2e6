"""The emulator as a child process (demo, benchmarks): ready file, clean stop, clear start failure."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from pulumi_personal_data.emulator.process import running_emulator, start_emulator_process
from pulumi_personal_data.emulator.server import EmulatorStartError


def test_started_answers_and_stops(tmp_path: Path) -> None:
    options = ["--port", "0", "--processing-delay", "none"]
    with running_emulator(options, ready_file=tmp_path / "ready.json", log_file=tmp_path / "log") as child:
        info = child.info
        assert info["graph_url"].startswith("https://127.0.0.1:")
        health = requests.get(f"{info['base_url']}/_emulator/health", verify=info["ca_path"], timeout=10)
        assert health.status_code == 200
    assert child.process.returncode is not None  # stopped on leaving the block


def test_a_process_that_cannot_start_is_an_error_naming_its_log(tmp_path: Path) -> None:
    log = tmp_path / "emulator.log"
    with pytest.raises(EmulatorStartError, match=str(log)):
        wrongly_started = start_emulator_process(
            ["--port", "0", "--fault-kinds", "nonsense"], ready_file=tmp_path / "ready.json", log_file=log
        )
        wrongly_started.stop()  # reached only when the check is broken: leave nothing running
    assert "unknown kinds" in log.read_text()  # the CLI said why
