"""The figures the benchmark and the load test print, defined once for both: percentiles,
latency by turn index, and the servers' CPU and memory over a run.

Turn index: the n-th message of a conversation (1 is the greeting, 2 consent, 3 who the chat
is about, then one a question); a conversation's tracker grows with every turn, so a turn
that costs more the later it comes shows as a ratio of turn 25 to turn 5 above 1.
CPU: user plus system seconds from /proc/<pid>/stat over the run (devkit/processes.py), as a
share of one core and per turn; memory: resident at the end of the run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from devkit.processes import CpuMeter, rss_mb

#: Turn-index groups of the by-turn figures (None: and every later turn).
TURN_GROUPS = ((1, 5), (6, 10), (11, 15), (16, 20), (21, 25), (26, None))
EARLY_TURN, LATE_TURN = 5, 25


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values (0.0 when there are none)."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, math.ceil(fraction * len(values)) - 1))]


def ms(values: Sequence[float], fraction: float) -> float:
    return 1000 * percentile(values, fraction)


def latency_line(values: Iterable[float]) -> str:
    """'p50 24 ms, p95 60 ms, p99 90 ms, max 150 ms' of latencies in seconds."""
    ordered = sorted(values)
    if not ordered:
        return "no turns"
    return (f"p50 {ms(ordered, 0.5):.0f} ms, p95 {ms(ordered, 0.95):.0f} ms, "
            f"p99 {ms(ordered, 0.99):.0f} ms, max {1000 * ordered[-1]:.0f} ms")


def by_turn(conversations: Iterable[Sequence[float]]) -> dict[int, list[float]]:
    """Turn index (from 1) -> the sorted latencies of that turn across conversations."""
    turns: dict[int, list[float]] = {}
    for latencies in conversations:
        for index, seconds in enumerate(latencies, 1):
            turns.setdefault(index, []).append(seconds)
    return {index: sorted(values) for index, values in sorted(turns.items())}


def by_turn_line(conversations: Iterable[Sequence[float]]) -> str:
    """p50/p95 per group of turn indexes, and turn 25's p50 over turn 5's."""
    turns = by_turn(conversations)
    groups = []
    for first, last in TURN_GROUPS:
        values = sorted(v for i, vs in turns.items() if i >= first and (last is None or i <= last)
                        for v in vs)
        if values:
            name = f"{first}-{last}" if last else f"{first}+"
            groups.append(f"{name} {ms(values, 0.5):.0f}/{ms(values, 0.95):.0f}")
    late, early = turns.get(LATE_TURN), turns.get(EARLY_TURN)
    ratio = (f"turn {LATE_TURN} / turn {EARLY_TURN} p50 "
             f"{percentile(late, 0.5) / percentile(early, 0.5):.2f}x ({len(late)} at turn "
             f"{LATE_TURN})" if late and early and percentile(early, 0.5) else
             f"no turn {LATE_TURN}")
    return f"by turn (p50/p95 ms): {', '.join(groups) or 'none'}; {ratio}"


# --- the servers' processes -------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessUse:
    cpu_percent: float  # of one core, over the run
    cpu_seconds: float
    rss_mb: float  # resident memory at the end of the run


class ServerMeter:
    """The CPU and memory of the servers' processes over one run (start, then stop)."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self.meter = CpuMeter(dict(pids))

    def start(self) -> ServerMeter:
        self.meter.start()
        return self

    def stop(self) -> dict[str, ProcessUse]:
        wall = time.monotonic() - self.meter.started_at
        uses = {}
        for name, percent in self.meter.percent().items():
            pid = self.meter.pids[name]
            uses[name] = ProcessUse(percent, percent * wall / 100, rss_mb(pid))
        return uses


def servers_line(uses: Mapping[str, ProcessUse], turns: int) -> str:
    """'rasa 84% of a core (7.1 ms CPU a turn), 402 MB; action ...'."""
    if not uses:
        return "servers: not measured (not on this machine)"
    parts = [f"{name} {use.cpu_percent:.0f}% of a core "
             f"({1000 * use.cpu_seconds / max(turns, 1):.1f} ms CPU a turn), {use.rss_mb:.0f} MB"
             for name, use in uses.items()]
    return "servers: " + "; ".join(parts)
