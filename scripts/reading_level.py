"""Print the Flesch-Kincaid grade of every patient-facing English string (make reading-level).

    .venv/bin/python -m scripts.reading_level            every string, hardest first
    .venv/bin/python -m scripts.reading_level --over 8   only those above grade 8

What is graded, and what is left out (names, fragments under 5 words, quoted record text), is
described in bot/reading_level.py; tests/test_reading_level.py fails on any string above the
limit.
"""

from __future__ import annotations

import argparse
import sys

from bot import reading_level


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--over", type=float, default=None, help="only grades above this")
    args = parser.parse_args()
    items = sorted(reading_level.graded(), key=lambda item: -item.grade)
    held = [item for item in items if item.held_to_limit]
    for item in items:
        if args.over is not None and item.grade <= args.over:
            continue
        mark = " " if item.held_to_limit else "*"
        print(f"{item.grade:5.1f}{mark} {item.where}: {item.text}")
    over = [item for item in held if item.grade > reading_level.GRADE_LIMIT]
    mean = sum(item.grade for item in held) / len(held)
    print(f"\n{len(items)} strings; {len(held)} held to grade {reading_level.GRADE_LIMIT:g} "
          f"(* = fewer than {reading_level.MIN_WORDS} words or the record's own words, not "
          f"held); {len(over)} above it; mean grade of those held {mean:.1f}, highest "
          f"{max(item.grade for item in held):.1f}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
