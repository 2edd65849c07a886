"""Shared by the parser tests: a fixed today, and the button labels of facts.yaml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

TODAY = date(2026, 11, 25)
FACTS = yaml.safe_load(
    (Path(__file__).parents[2] / "bot" / "content" / "facts.yaml").read_text(encoding="utf-8")
)["facts"]


def labels(parser: str, key: str = "values") -> list[tuple[str, object]]:
    """(button label, value) for every choice fact read by a parser."""
    return [
        (entry["label"], entry["value"])
        for fact in FACTS
        if fact["parser"] == parser
        for entry in fact.get(key) or []
    ]
