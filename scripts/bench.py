"""Benchmark of the whole assistant over its real servers. Prints figures; asserts nothing.

    make bench            (or: .venv/bin/python -m scripts.bench --patients 40 --skip-training)

1. Starts the Rasa server and the action server (SQLite tracker store, a fresh data folder).
2. Plays scripted patients (devkit.simulate.random_patient, fixed seed) over the REST channel,
   answering by button, in English and in Chinese (a Chinese opening makes the chat Chinese),
   one at a time and then 8 at a time, and prints questions per completed
   screening and per-turn latency p50/p95.
3. Prints the Rasa server's resident memory, the NLU held-out intent accuracy and entity F1,
   and the time a full training takes (into a temporary folder; skip with --skip-training).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.i18n import LANGUAGES
from devkit.rest_patient import RestPatient
from devkit.servers import running_servers
from devkit.simulate import random_patient
from scripts.evaluate_nlu import evaluate
from scripts.stats import percentile

ROOT = Path(__file__).resolve().parent.parent


def screen_one(base_url: str, truth: dict, language: str = "en"
               ) -> tuple[int, list[float], bool]:
    patient = RestPatient(base_url, language=language)
    patient.start("child" if truth.get("age", 99) < 16 else "self")
    asked = patient.answer_all(truth)
    return len(asked), patient.latencies, patient.result() is not None


def play(base_url: str, patients: list[dict], concurrency: int, language: str = "en") -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(lambda truth: screen_one(base_url, truth, language), patients))
    elapsed = time.perf_counter() - started
    latencies = sorted(ms for _, turns, _ in outcomes for ms in turns)
    questions = [count for count, _, done in outcomes if done]
    return {
        "completed": len(questions),
        "questions_mean": statistics.mean(questions),
        "questions_max": max(questions),
        "turns": len(latencies),
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p95_ms": 1000 * percentile(latencies, 0.95),
        "max_ms": 1000 * latencies[-1],
        "turns_per_s": len(latencies) / elapsed,
    }


def rasa_rss_mb(port: int) -> float | None:
    """Resident memory of the `rasa run` process listening on this port."""
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = status.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "rasa_extensions run" in cmdline and f"--port {port}" in cmdline:
            for line in (status.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    return None


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
    parser.add_argument("--patients", type=int, default=32)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    patients = [random_patient(rng) for _ in range(args.patients)]

    with tempfile.TemporaryDirectory() as data, running_servers(Path(data)) as servers:
        port = int(servers.rasa_url.rsplit(":", 1)[1])
        print(f"scripted patients: {len(patients)} (seed {args.seed})")
        for language, concurrency in itertools.product(LANGUAGES, (1, 8)):
            figures = play(servers.rasa_url, patients, concurrency, language)
            print(
                f"{language} concurrency {concurrency}: "
                f"{figures['completed']} screenings completed, "
                f"questions mean {figures['questions_mean']:.1f} max {figures['questions_max']}; "
                f"{figures['turns']} turns, latency p50 {figures['p50_ms']:.0f} ms, "
                f"p95 {figures['p95_ms']:.0f} ms, max {figures['max_ms']:.0f} ms, "
                f"{figures['turns_per_s']:.1f} turns/s"
            )
        rss = rasa_rss_mb(port)
        print(f"rasa server resident memory: {rss:.0f} MB" if rss else "rasa server memory: n/a")

    for language, nlu in evaluate().items():
        print(f"NLU held-out intent accuracy ({language}) {nlu['intent_accuracy']:.3f}, "
              + ", ".join(f"entity F1 {k} {v:.3f}" for k, v in nlu["entities"].items() if v))
    if not args.skip_training:
        print(f"training time (full model, 2 cores): {training_seconds():.0f} s")


if __name__ == "__main__":
    main()
