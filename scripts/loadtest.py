"""Load test: concurrent patients over REST and socket.io for a fixed time. Prints throughput,
per-turn latency p50/p95/p99 per channel and by turn index, the servers' CPU and memory, and
the errors; asserts nothing.

    make load                                                    (ramp, own servers)
    .venv/bin/python -m scripts.loadtest --concurrency 8 --duration 30
    .venv/bin/python -m scripts.loadtest --ramp 1,8,16,32,64,128,256 --duration 20
    .venv/bin/python -m scripts.loadtest --cluster --ramp        (scripts/cluster.py: nginx,
                                                                  2 Rasa, 2 action servers)
    .venv/bin/python -m scripts.loadtest --url http://lb:8000 --origin https://chat.example.org
    .venv/bin/python -m scripts.loadtest --scripted              (patients tapping buttons)

Each of the N concurrent patients plays one screening after another until the time is up; a
patient never starts a turn after that, so every turn sent is a complete one. The patients type
their answers in free text (devkit/typed_patients.py: several facts in one opening, a
correction, 'not sure', full-length screenings of devkit.simulate's random patients, fixed
seed); with --scripted they tap buttons as devkit/rest_patient.py does, the old load kept for
comparison. Patients alternate between the channels given, and each pair of them between the
languages. The clients are devkit/chat_clients.py's: over socket.io each patient connects as
the website does and a turn ends when the server acknowledges the message.
Without --url (or --cluster) the script starts its own Rasa, action and web servers
(devkit/servers.py, SQLite, one process each) on free ports. The servers' CPU (% of one core,
and per turn) and resident memory are measured when they run on this machine (not with --url).

Each run also says how many screenings ended with the verdicts the engine gives for the
patient's truth: one that does not was misread on the way (the NLU model, a phrasing).
Ramp mode runs each concurrency in turn and reports the first at which the p95 of all turns
passes 1 s, and the highest throughput reached (the knee). Every run prints the machine's load
average: the load test shares the cores with the servers (and with whatever else runs), so
figures mean little without it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.i18n import LANGUAGES
from devkit.chat_clients import CHANNELS, Conversation, Target, connect, play
from devkit.processes import server_processes
from devkit.rest_patient import RestPatient
from devkit.simulate import random_patient
from devkit.typed_patients import typed_patient
from scripts.stats import (
    ProcessUse,
    ServerMeter,
    by_turn_line,
    ms,
    percentile,
    servers_line,
)

__all__ = ["Conversation", "Report", "Target", "run_load"]  # tests/scale loads the cluster

ROOT = Path(__file__).resolve().parent.parent
P95_LIMIT_S = 1.0


@dataclass
class Report:
    concurrency: int
    duration: float
    elapsed: float
    conversations: list[Conversation]
    load_average: float = 0.0  # the machine's 1-minute load average at the end of the run
    servers: Mapping[str, ProcessUse] = field(default_factory=dict)  # CPU and memory, if local
    typed: bool = True  # typed patients (else scripted, tapping buttons)

    @property
    def errors(self) -> list[str]:
        return [f"{c.channel}: {c.error}" for c in self.conversations if c.error]

    def latencies(self, channel: str | None = None) -> list[float]:
        return sorted(seconds for c in self.conversations if channel in (None, c.channel)
                      for seconds in c.latencies)

    def turns_per_second(self) -> float:
        return len(self.latencies()) / self.elapsed if self.elapsed else 0.0

    def completed(self, channel: str | None = None) -> int:
        return sum(c.completed for c in self.conversations if channel in (None, c.channel))

    def p95(self) -> float:
        return percentile(self.latencies(), 0.95)

    def lines(self) -> list[str]:
        channels = sorted({c.channel for c in self.conversations})
        expected = sum(c.verdicts_expected() for c in self.conversations if c.completed)
        patients = "typed" if self.typed else "scripted (buttons)"
        lines = [
            f"{self.concurrency} concurrent conversations for {self.duration:.0f} s "
            f"({', '.join(channels)}, {patients}): {len(self.latencies())} messages answered, "
            f"{self.turns_per_second():.1f} messages/s, {self.completed()} screenings "
            f"completed ({expected} with the engine's verdicts), {len(self.errors)} errors "
            f"(machine load average {self.load_average:.1f} on {os.cpu_count()} cores, load "
            "test client included)"
        ]
        for channel in (*channels, None):
            turns = self.latencies(channel)
            if turns:
                lines.append(
                    f"  {channel or 'all':9} {len(turns):6} turns  p50 {ms(turns, 0.5):6.0f} ms"
                    f"  p95 {ms(turns, 0.95):6.0f} ms  p99 {ms(turns, 0.99):6.0f} ms  "
                    f"max {1000 * turns[-1]:6.0f} ms  {self.completed(channel)} completed"
                )
        lines.append("  " + by_turn_line(c.latencies for c in self.conversations))
        lines.append("  " + servers_line(self.servers, len(self.latencies())))
        for error, count in Counter(self.errors).most_common(5):
            lines.append(f"  error x{count}: {error[:300]}")
        return lines


async def run_load(target: Target, concurrency: int, duration: float,
                   channels: tuple[str, ...] = CHANNELS, seed: int = 20261125,
                   typed: bool = True, languages: tuple[str, ...] = LANGUAGES,
                   pids: Mapping[str, int] | None = None) -> Report:
    """`concurrency` patients, alternating between `channels` (and, per pair, between
    `languages`), each playing screenings one after another for `duration` seconds; typed
    patients (devkit/typed_patients.py), or scripted ones tapping buttons. `pids`: the
    servers' processes to measure (devkit/processes.py)."""
    conversations: list[Conversation] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def patient(index: int) -> None:
            rng = random.Random(f"{seed}-{index}")
            channel = channels[index % len(channels)]
            language = languages[index // len(channels) % len(languages)]
            while time.monotonic() < deadline:
                sender = f"load-{channel}-{uuid.uuid4().hex}"
                truth = random_patient(rng)
                typist = typed_patient(truth, language, rng) if typed else None
                script = RestPatient(target.url, sender, language=language, typist=typist)
                conversation = Conversation(channel, sender, script, truth)
                conversations.append(conversation)
                await play(connect(conversation, target, http), conversation, deadline)
                if conversation.error:
                    await asyncio.sleep(0.5)  # no tight loop against a failing server

        meter = ServerMeter(pids or {}).start()
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(*(patient(i) for i in range(concurrency)))
        elapsed = time.monotonic() - started
        servers = meter.stop()
    return Report(concurrency, duration, elapsed, conversations, os.getloadavg()[0], servers,
                  typed)


def ramp(target: Target, levels: list[int], duration: float, **options: Any) -> list[Report]:
    """Each concurrency level in turn (`options`: run_load's), then a table, the first level
    whose p95 passed 1 s and the highest throughput reached."""
    reports = []
    for level in levels:
        report = asyncio.run(run_load(target, level, duration, **options))
        reports.append(report)
        print("\n".join(report.lines()), flush=True)
    print(ramp_summary(reports))
    return reports


def ramp_summary(reports: list[Report]) -> str:
    rows = ["concurrent  messages/s  completed  p50 ms  p95 ms  p99 ms  errors  load avg  "
            "servers' CPU (% of a core)"]
    for r in reports:
        turns = r.latencies()
        cpu = " ".join(f"{name} {use.cpu_percent:.0f}" for name, use in r.servers.items())
        rows.append(f"{r.concurrency:10}  {r.turns_per_second():10.1f}  {r.completed():9}  "
                    f"{ms(turns, 0.5):6.0f}  {ms(turns, 0.95):6.0f}  {ms(turns, 0.99):6.0f}  "
                    f"{len(r.errors):6}  {r.load_average:8.1f}  {cpu or 'n/a'}")
    over = next((r for r in reports if r.p95() > P95_LIMIT_S), None)
    if over is None:
        rows.append(f"p95 stayed under {P95_LIMIT_S:.0f} s up to {reports[-1].concurrency} "
                    "concurrent conversations")
    else:
        rows.append(f"p95 passed {P95_LIMIT_S:.0f} s at {over.concurrency} concurrent "
                    f"conversations ({ms(over.latencies(), 0.95):.0f} ms)")
    best = max(reports, key=Report.turns_per_second)
    rows.append(f"highest throughput: {best.turns_per_second():.1f} messages/s at "
                f"{best.concurrency} concurrent conversations")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="a running Rasa server or load balancer (default: start "
                                     "servers here)")
    where.add_argument("--cluster", action="store_true",
                       help="start scripts/cluster.py's cluster (nginx, 2 Rasa, 2 action "
                            "servers, PostgreSQL, Redis) and load it")
    parser.add_argument("--origin", help="Origin header for socket.io (one of ALLOWED_ORIGINS)")
    parser.add_argument("--rest-url", help="the REST channel, when not at --url")
    parser.add_argument("--channels", default=",".join(CHANNELS),
                        help="comma-separated: rest, socketio (default both)")
    parser.add_argument("--transport", choices=["default", "websocket", "polling"],
                        default="default", help="socket.io transports (default: polling, "
                                                "then upgrade to websocket, as browsers do)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30, help="seconds (per ramp level)")
    parser.add_argument("--ramp", nargs="?", const="1,8,16,32,64,128,256",
                        help="comma-separated concurrency levels (default 1,8,16,32,64,128,256)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--timeout", type=float, default=60, help="seconds per turn")
    parser.add_argument("--languages", default=",".join(LANGUAGES),
                        help="comma-separated: en, zh (default both)")
    parser.add_argument("--scripted", action="store_true",
                        help="scripted patients tapping buttons (the old load), not typed ones")
    args = parser.parse_args()
    channels = _listed(parser, "--channels", args.channels, CHANNELS)
    languages = _listed(parser, "--languages", args.languages, LANGUAGES)
    transports = None if args.transport == "default" else (args.transport,)

    with ExitStack() as stack:
        url, origin, rest_url = args.url, args.origin, args.rest_url
        pids: dict[str, int] = {}  # the servers' processes, when they run here
        if args.cluster:
            from scripts.cluster import running_cluster

            cluster = stack.enter_context(running_cluster())
            url, origin, rest_url = cluster.url, origin or cluster.web_url, cluster.internal_url
            pids = server_processes(cluster.rasa_urls, cluster.action_urls)
            print(f"cluster: {cluster.describe()}")
        elif not url:
            from devkit.servers import running_servers

            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            servers = stack.enter_context(running_servers(data))
            url, origin = servers.rasa_url, origin or servers.web_url
            pids = server_processes([servers.rasa_url], [servers.action_url])
            print(f"servers started here: Rasa {url}, SQLite tracker store")
        target = Target(url.rstrip("/"), origin, transports, args.timeout,
                        rest_url.rstrip("/") if rest_url else None)
        patients = "scripted patients (buttons)" if args.scripted else "typed patients"
        print(f"target {target.url}, channels {', '.join(channels)}, socket.io transports "
              f"{args.transport}, {patients} in {', '.join(languages)}, {args.duration:.0f} s "
              "per run", flush=True)
        options = {"channels": channels, "seed": args.seed, "typed": not args.scripted,
                   "languages": languages, "pids": pids}
        if args.ramp:
            ramp(target, [int(n) for n in args.ramp.split(",")], args.duration, **options)
        else:
            report = asyncio.run(run_load(target, args.concurrency, args.duration, **options))
            print("\n".join(report.lines()))


def _listed(parser: argparse.ArgumentParser, option: str, value: str,
            allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated option's items, each one of `allowed`."""
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    if not items or set(items) - set(allowed):
        parser.error(f"{option} takes {', '.join(allowed)}")
    return items


if __name__ == "__main__":
    main()
