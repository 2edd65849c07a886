"""The servers' command lines and their orderly stop, written once for `make run`
(scripts/run.py), the cluster (scripts/cluster.py) and, through `make run`'s script, the
tests' and benchmarks' servers (devkit/servers.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

BIN = Path(sys.executable).parent
STOP_TIMEOUT_S = 15


def action_server(port: int) -> list[str]:
    """The action server (rasa_extensions/action_server.py: shared secret, body limit)."""
    return [str(BIN / "python"), "-m", "rasa_extensions.action_server", "--port", str(port)]


def rasa_server(model: Path, host: str, port: int, credentials: Path, endpoints: Path | str,
                origins: Iterable[str]) -> list[str]:
    """A Rasa server through rasa_extensions (its patches, channels and stores)."""
    return [str(BIN / "python"), "-m", "rasa_extensions", "run", "--model", str(model),
            "--interface", host, "--port", str(port), "--credentials", str(credentials),
            "--endpoints", str(endpoints), "--cors", *origins]


def web_server() -> list[str]:
    """The patient page and the staff pages (bot/web)."""
    return [str(BIN / "python"), "-m", "bot.web"]


def migrate_database() -> list[str]:
    """The project's tables created or upgraded (bot/storage/migrations) before any server
    writes to them."""
    return [str(BIN / "python"), "-m", "bot.storage", "migrate"]


def terminate(processes: Iterable[subprocess.Popen]) -> None:
    """SIGTERM to each process group still running, then SIGKILL after STOP_TIMEOUT_S."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
