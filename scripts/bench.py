"""Benchmark of the whole assistant over its real servers. Prints figures; asserts nothing.

    make bench     (or: .venv/bin/python -m scripts.bench --patients 42 --skip-training)

1. Starts the Rasa, action and web servers (SQLite tracker store, a fresh data folder).
2. Plays typed patients (devkit/typed_patients.py: free text throughout, several facts in one
   opening, a corrected age, 'not sure'; full screenings of devkit.simulate's random patients,
   fixed seed), in English and in Chinese, over REST and over socket.io (devkit/chat_clients.py,
   as the website connects), one at a time and then 8 at a time. Per language and channel:
   screenings completed (and how many with the verdicts the engine gives for the truth),
   questions mean/max, turns, latency p50/p95/p99/max, turns/s; latency by turn index (p50/p95
   of turns 1-5, 6-10, ... 26+, and turn 25's p50 over turn 5's); the CPU (% of one core, and
   per turn: user+sys from /proc) and resident memory of the Rasa and the action server.
3. With --scripted, the same for the scripted patients who tap buttons (over REST), for
   comparison with the figures before typed patients.
4. The NLU held-out intent accuracy and entity F1, and the time a full training takes (into a
   temporary folder; skip with --skip-training).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.i18n import LANGUAGES
from devkit.chat_clients import CHANNELS, Conversation, Target, connect, play
from devkit.processes import server_processes
from devkit.rest_patient import RestPatient
from devkit.servers import running_servers
from devkit.simulate import random_patient
from devkit.typed_patients import TypedPatient, typed_patient
from scripts.evaluate_nlu import evaluate
from scripts.stats import (
    ProcessUse,
    ServerMeter,
    by_turn_line,
    latency_line,
    servers_line,
)

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = (1, 8)
#: A truth and who says it: a typist, or None for a scripted patient tapping buttons.
Patient = tuple[dict, TypedPatient | None]


@dataclass
class Run:
    """One language, channel and concurrency: its conversations and what the servers used."""

    name: str
    conversations: list[Conversation]
    elapsed: float
    servers: dict[str, ProcessUse]

    def lines(self) -> list[str]:
        done = [c for c in self.conversations if c.completed]
        expected = sum(c.verdicts_expected() for c in done)
        questions = [c.questions for c in done] or [0]
        latencies = [s for c in self.conversations for s in c.latencies]
        errors = sorted({c.error for c in self.conversations if c.error})
        lines = [
            f"{self.name}: {len(done)}/{len(self.conversations)} screenings completed "
            f"({expected} with the engine's verdicts), questions mean "
            f"{statistics.mean(questions):.1f} max {max(questions)}; {len(latencies)} turns, "
            f"{latency_line(latencies)}, {len(latencies) / self.elapsed:.1f} turns/s",
            "    " + by_turn_line(c.latencies for c in self.conversations),
            "    " + servers_line(self.servers, len(latencies)),
        ]
        return lines + [f"    error: {error[:300]}" for error in errors[:3]]


async def play_all(target: Target, channel: str, patients: list[Patient],
                   language: str, concurrency: int) -> tuple[list[Conversation], float]:
    """Each (truth, typist) patient's screening, `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def screen(truth: dict, typist: TypedPatient | None) -> Conversation:
            async with gate:
                sender = f"bench-{channel}-{uuid.uuid4().hex}"
                script = RestPatient(target.url, sender, language=language, typist=typist)
                conversation = Conversation(channel, sender, script, truth)
                await play(connect(conversation, target, http), conversation)
                return conversation

        started = time.perf_counter()
        conversations = await asyncio.gather(*(screen(*p) for p in patients))
        return list(conversations), time.perf_counter() - started


def measured_run(name: str, target: Target, channel: str, patients: list[Patient],
                 language: str, concurrency: int, pids: dict[str, int]) -> Run:
    """The patients' screenings, with the servers' CPU and memory over them."""
    meter = ServerMeter(pids).start()
    conversations, elapsed = asyncio.run(
        play_all(target, channel, patients, language, concurrency))
    return Run(name, conversations, elapsed, meter.stop())


def typed(truths: list[dict], language: str, seed: int) -> list[Patient]:
    """A fresh typist per truth (a typist remembers what it said), seeded per patient, so
    every run of a language types the same words."""
    return [(truth, typed_patient(truth, language, random.Random(f"{seed}-{language}-{i}")))
            for i, truth in enumerate(truths)]


def training_seconds() -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        # A full training: no fingerprint shortcut, and Rasa's component cache turned off.
        subprocess.run([str(Path(sys.executable).parent / "rasa"), "train", "--out", out,
                        "--force", "--quiet"], cwd=ROOT, check=True,
                       env={**os.environ, "RASA_MAX_CACHE_SIZE": "0"},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=42)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--scripted", action="store_true",
                        help="also play scripted patients tapping buttons, for comparison")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    truths = [random_patient(rng) for _ in range(args.patients)]

    with tempfile.TemporaryDirectory() as data, running_servers(Path(data)) as servers:
        target = Target(servers.rasa_url, servers.web_url)
        pids = server_processes([servers.rasa_url], [servers.action_url])
        print(f"typed patients: {len(truths)} (seed {args.seed}), in {', '.join(LANGUAGES)}, "
              f"over {' and '.join(CHANNELS)}, {' then '.join(map(str, CONCURRENCY))} at once",
              flush=True)
        for language, channel, concurrency in itertools.product(LANGUAGES, CHANNELS,
                                                                 CONCURRENCY):
            run = measured_run(f"{language} {channel:8} x{concurrency}", target, channel,
                               typed(truths, language, args.seed), language, concurrency, pids)
            print("\n".join(run.lines()), flush=True)
        if args.scripted:
            print("scripted patients (tapping buttons), for comparison:")
            for language, concurrency in itertools.product(LANGUAGES, CONCURRENCY):
                run = measured_run(f"scripted {language} rest x{concurrency}", target, "rest",
                                   [(truth, None) for truth in truths], language, concurrency,
                                   pids)
                print("\n".join(run.lines()), flush=True)

    for language, nlu in evaluate().items():
        print(f"NLU held-out intent accuracy ({language}) {nlu['intent_accuracy']:.3f}, "
              + ", ".join(f"entity F1 {k} {v:.3f}" for k, v in nlu["entities"].items() if v))
    if not args.skip_training:
        print(f"training time (full model, 2 cores): {training_seconds():.0f} s")


if __name__ == "__main__":
    main()
