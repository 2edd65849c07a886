"""The servers' processes as the benchmarks see them: found by the port they listen on, with
their CPU time and resident memory read from /proc (Linux only, like the servers)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
LISTEN = "0A"  # TCP state in /proc/net/tcp


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        path = PROC / "net" / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def listening_pid(port: int) -> int | None:
    """The process that listens on this TCP port (the lowest pid if several share it)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    found: list[int] = []
    for fd_dir in PROC.glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in wanted for fd in fd_dir.iterdir()):
                found.append(int(fd_dir.parent.name))
        except OSError:  # the process ended, or is not ours to read
            continue
    return min(found) if found else None


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1].split("/")[0])


def server_processes(rasa_urls: Iterable[str], action_urls: Iterable[str]) -> dict[str, int]:
    """{'rasa': pid, 'action': pid} (numbered when there are several of a kind) for the
    servers listening on this machine at these URLs; those not found are left out."""
    found: dict[str, int] = {}
    for kind, urls in (("rasa", list(rasa_urls)), ("action", list(action_urls))):
        for number, url in enumerate(urls, 1):
            pid = listening_pid(port_of(url.removesuffix("/webhook")))
            if pid is not None:
                found[kind if len(urls) == 1 else f"{kind}-{number}"] = pid
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory now, in MB."""
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class CpuMeter:
    """CPU use of some processes over a stretch of wall time, as % of one core."""

    pids: dict[str, int]
    started_cpu: dict[str, float] | None = None
    started_at: float = 0.0

    def start(self) -> None:
        self.started_cpu = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.started_at = time.monotonic()

    def percent(self) -> dict[str, float]:
        if self.started_cpu is None:
            raise RuntimeError("CpuMeter.start() was not called")
        wall = max(time.monotonic() - self.started_at, 1e-9)
        return {name: 100 * (cpu_seconds(pid) - self.started_cpu[name]) / wall
                for name, pid in self.pids.items()}
