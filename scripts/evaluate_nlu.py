"""Evaluate the trained NLU model on the held-out phrasings, English and Chinese apart.

    .venv/bin/python -m scripts.evaluate_nlu [--min-accuracy 0.9] [--model PATH] [--latency]

English is tests/nlu/test_nlu.yml, Chinese tests/nlu/test_nlu_zh.yml. The model is loaded once
and Rasa's own `rasa test nlu` evaluation runs on each set (reports in results/nlu/<lang>/). It
prints each language's intent accuracy, weighted F1 and weakest intents, and the entity F1 of
each extractor (the Chinese set has no entity labels: the parser reads facts from the text).
--latency adds the median and p95 parse time per language and the process's memory. With
--min-accuracy it exits 1 when either language is below that floor (make test uses a floor to
catch a broken model; the figures themselves are reported, not tuned to).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "nlu"
MODEL = ROOT / "models" / "current.tar.gz"
TESTS = ROOT / "tests" / "nlu"
SETS = {"en": TESTS / "test_nlu.yml", "zh": TESTS / "test_nlu_zh.yml"}
AVERAGES = ("micro avg", "macro avg", "weighted avg")


def _figures(out: Path) -> dict:
    """Read Rasa's reports in `out` into the figures this script prints."""
    intents = json.loads((out / "intent_report.json").read_text())
    per_intent = [(name, v["f1-score"]) for name, v in intents.items()
                  if isinstance(v, dict) and "support" in v and name not in AVERAGES]
    figures = {
        "intent_accuracy": intents["accuracy"],
        "intent_f1": intents["weighted avg"]["f1-score"],
        "weakest": sorted(per_intent, key=lambda item: item[1])[:5],
        "entities": {},
    }
    for report in out.glob("*_report.json"):
        if report.name.startswith(("intent", "response")):
            continue
        data = json.loads(report.read_text())
        average = data.get("micro avg") or data.get("weighted avg") or {}
        figures["entities"][report.stem.replace("_report", "")] = average.get("f1-score")
    return figures


def _examples(path: Path) -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [m.get("text") for m in load_data(str(path)).intent_examples]


async def _latency(processor, texts: list[str]) -> tuple[float, float]:
    """Median and p95 milliseconds of one parse (the NLU pipeline only)."""
    from rasa.core.channels import UserMessage

    times = []
    for text in texts:
        start = time.perf_counter()
        await processor.parse_message(UserMessage(text))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def evaluate(model: Path = MODEL, latency: bool = False) -> dict[str, dict]:
    """language -> figures (and "memory_mb" with latency), from one load of `model`."""
    return asyncio.run(_evaluate(model, latency))


async def _evaluate(model: Path, latency: bool) -> dict[str, dict]:
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.core.agent import Agent
    from rasa.nlu.test import run_evaluation

    processor = Agent.load(model_path=str(model)).processor
    results = {}
    for language, path in SETS.items():
        out = OUT / language
        out.mkdir(parents=True, exist_ok=True)
        for stale in out.glob("*_report.json"):  # an earlier model's extractors
            stale.unlink()
        await run_evaluation(str(path), processor, output_directory=str(out), errors=True,
                             disable_plotting=True, report_as_dict=True)
        results[language] = _figures(out)
        if latency:
            results[language]["parse_ms"] = await _latency(processor, _examples(path))
    if latency:
        results["memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def _print(language: str, figures: dict) -> None:
    print(f"NLU held-out intent accuracy ({language}): {figures['intent_accuracy']:.3f} "
          f"(weighted F1 {figures['intent_f1']:.3f})")
    print("  weakest intents: " + ", ".join(f"{n} {f:.2f}" for n, f in figures["weakest"]))
    if language == "en":
        for extractor, f1 in sorted(figures["entities"].items()):
            print(f"  entity F1 ({extractor}): " + (f"{f1:.3f}" if f1 is not None else "n/a"))
    if "parse_ms" in figures:
        print("  parse ms p50 {:.1f}, p95 {:.1f}".format(*figures["parse_ms"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-accuracy", type=float, default=None)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--latency", action="store_true")
    args = parser.parse_args()
    results = evaluate(args.model, args.latency)
    failed = False
    for language in SETS:
        _print(language, results[language])
        accuracy = results[language]["intent_accuracy"]
        if args.min_accuracy is not None and accuracy < args.min_accuracy:
            print(f"{language} intent accuracy below the floor of {args.min_accuracy}",
                  file=sys.stderr)
            failed = True
    if "memory_mb" in results:
        print(f"process peak memory after loading and parsing: {results['memory_mb']:.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
