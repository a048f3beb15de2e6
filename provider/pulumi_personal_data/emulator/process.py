"""Run the emulator as a child process through its command line, and wait until it is ready.

For the demo and the benchmarks, which want the emulator in its own process (its own GIL, the
way users run it) rather than in-process like the test fixtures. Readiness is the CLI's
``--ready-file``: written once the server accepts requests, it holds the URLs and CA path.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .server import EmulatorStartError

__all__ = ["EmulatorProcess", "running_emulator", "start_emulator_process"]


@dataclass(frozen=True)
class EmulatorProcess:
    """A running emulator child process and what its ready file said.

    ``info`` holds at least ``base_url``, ``graph_url``, ``authority``, ``ca_path`` and
    ``tenant_id`` (see docs/emulator.md, "Start").
    """

    process: subprocess.Popen[bytes]
    info: dict[str, Any]
    log_file: Path

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (a clean stop that flushes the journal), then SIGKILL after ``timeout``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_emulator_process(
    options: Sequence[str],
    *,
    ready_file: Path,
    log_file: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> EmulatorProcess:
    """Start ``python -m pulumi_personal_data.emulator <options>`` and wait for its ready file.

    Its output goes to ``log_file``. Raises EmulatorStartError, naming the log, when the process
    exits or is not ready within ``timeout`` seconds (it is killed then).
    """
    ready_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pulumi_personal_data.emulator",
        *options,
        "--ready-file",
        str(ready_file),
    ]
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, env=None if env is None else dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + timeout
    while not ready_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise EmulatorStartError(f"not ready (exit code {process.returncode}); see {log_file}")
        time.sleep(0.05)
    return EmulatorProcess(process, json.loads(ready_file.read_text()), log_file)


@contextlib.contextmanager
def running_emulator(
    options: Sequence[str],
    *,
    ready_file: Path,
    log_file: Path,
    env: Mapping[str, str] | None = None,
) -> Iterator[EmulatorProcess]:
    """:func:`start_emulator_process` as a context manager that always stops the emulator."""
    emulator = start_emulator_process(options, ready_file=ready_file, log_file=log_file, env=env)
    try:
        yield emulator
    finally:
        emulator.stop()
