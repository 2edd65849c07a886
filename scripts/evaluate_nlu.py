"""Evaluate the trained NLU model on the held-out phrasings in tests/nlu/test_nlu.yml.

    .venv/bin/python -m scripts.evaluate_nlu [--min-accuracy 0.9]

Runs `rasa test nlu` and prints the intent accuracy, the weighted F1, the weakest intents and
the entity F1 of each entity extractor. With --min-accuracy it exits 1 below that floor (make
test uses a floor to catch a broken model; the figure itself is reported, not tuned to).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "results" / "nlu"


def evaluate(model: Path = ROOT / "models" / "current.tar.gz") -> dict:
    subprocess.run(
        [str(BIN / "rasa"), "test", "nlu", "--nlu", "tests/nlu/test_nlu.yml", "--model",
         str(model), "--out", str(OUT), "--no-plot"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    intents = json.loads((OUT / "intent_report.json").read_text())
    figures = {
        "intent_accuracy": intents["accuracy"],
        "intent_f1": intents["weighted avg"]["f1-score"],
        "weakest": sorted(
            (name, v["f1-score"]) for name, v in intents.items()
            if isinstance(v, dict) and "support" in v and name not in
            ("micro avg", "macro avg", "weighted avg")
        ),
        "entities": {},
    }
    figures["weakest"] = sorted(figures["weakest"], key=lambda item: item[1])[:5]
    for report in OUT.glob("*Extractor_report.json"):
        data = json.loads(report.read_text())
        average = data.get("micro avg") or data.get("weighted avg") or {}
        figures["entities"][report.stem.replace("_report", "")] = average.get("f1-score")
    diet = OUT / "DIETClassifier_report.json"
    if diet.exists():
        average = json.loads(diet.read_text()).get("micro avg") or {}
        figures["entities"]["DIETClassifier"] = average.get("f1-score")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-accuracy", type=float, default=None)
    args = parser.parse_args()
    figures = evaluate()
    print(f"NLU held-out intent accuracy: {figures['intent_accuracy']:.3f} "
          f"(weighted F1 {figures['intent_f1']:.3f})")
    print("  weakest intents: " + ", ".join(f"{n} {f:.2f}" for n, f in figures["weakest"]))
    for extractor, f1 in sorted(figures["entities"].items()):
        print(f"  entity F1 ({extractor}): {f1:.3f}" if f1 is not None else
              f"  entity F1 ({extractor}): n/a")
    if args.min_accuracy is not None and figures["intent_accuracy"] < args.min_accuracy:
        print(f"intent accuracy below the floor of {args.min_accuracy}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
