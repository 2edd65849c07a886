"""Engine benchmark: questions per screening and time per decision, over generated patients.

    make bench-engine            (or: .venv/bin/python -m scripts.bench_engine --patients 2000)

Prints figures; asserts nothing. Patients come from devkit.simulate.random_patient with a fixed
seed, so runs are comparable.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter

from bot.catalog import load_catalog
from bot.engine import next_question, screen
from devkit.simulate import interview, random_patient
from scripts.stats import percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()

    catalog = load_catalog()
    rng = random.Random(args.seed)
    counts: list[int] = []
    by_diagnosis: dict[str, list[int]] = {}
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for _ in range(args.patients):
        truth = random_patient(rng, catalog)
        asked, given = interview(truth)
        counts.append(len(asked))
        by_diagnosis.setdefault(truth["diagnosis"], []).append(len(asked))
        outcomes.update(f"{r.trial.nct_id}:{r.verdict}" for r in screen(given))
    elapsed = time.perf_counter() - started

    timings = _time_next_question(rng, catalog)
    print(f"patients: {args.patients} (seed {args.seed})")
    print(f"patient questions in the catalog: {len(catalog.facts)}")
    print(f"questions per screening: mean {statistics.mean(counts):.1f}, "
          f"median {statistics.median(counts):.0f}, max {max(counts)}, min {min(counts)}")
    for diagnosis, values in sorted(by_diagnosis.items()):
        print(f"  {diagnosis:18} n={len(values):4}  mean {statistics.mean(values):5.1f}  "
              f"max {max(values)}")
    print("verdicts: " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))
    print(f"next_question: mean {statistics.mean(timings):.2f} ms, "
          f"p95 {percentile(sorted(timings), 0.95):.2f} ms, max {max(timings):.2f} ms")
    print(f"total time: {elapsed:.1f} s")


def _time_next_question(rng: random.Random, catalog) -> list[float]:
    timings: list[float] = []
    for _ in range(200):
        truth = random_patient(rng, catalog)
        given = {k: v for k, v in truth.items() if rng.random() < 0.3}
        started = time.perf_counter()
        next_question(given)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


if __name__ == "__main__":
    main()
