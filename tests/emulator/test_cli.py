"""The command line: run as a subprocess, print env and the ready line, stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

PROVIDER_DIR = Path(__file__).resolve().parents[2] / "provider"


def test_cli_prints_ready_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    ready_file = tmp_path / "ready.json"
    env = {**os.environ, "PYTHONPATH": str(PROVIDER_DIR)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_personal_data.emulator",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path / "data"),
            "--processing-delay",
            "none",
            "--ready-file",
            str(ready_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("EMULATOR READY"):
                break
        output = "\n".join(lines)
        base_url = lines[-1].split()[-1]
        assert lines[-1] == f"EMULATOR READY {base_url}" and base_url.startswith("https://127.0.0.1:")
        info = json.loads(ready_file.read_text())
        assert info["base_url"] == base_url and info["graph_url"] == base_url + "/beta"
        assert info["authority"] == base_url and info["tenant_id"]
        for expected in (
            f"export REQUESTS_CA_BUNDLE={info['ca_path']}",
            f"export SSL_CERT_FILE={info['ca_path']}",
            f"export PULUMI_PERSONAL_DATA_ENDPOINT={base_url}/beta",
            f"export PULUMI_PERSONAL_DATA_AUTHORITY_HOST={base_url}",
        ):
            assert expected in output
        assert info["tenant_id"] in output
        health = requests.get(f"{base_url}/_emulator/health", verify=info["ca_path"], timeout=10)
        assert health.json() == {"status": "ok"}
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert code == 0


def test_cli_rejects_bad_options() -> None:
    env = {**os.environ, "PYTHONPATH": str(PROVIDER_DIR)}
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_personal_data.emulator", "--processing-delay", "soon"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and "--processing-delay" in result.stderr
