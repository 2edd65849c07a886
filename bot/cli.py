"""Command line for staff and tests.

    python -m bot screen --facts FILE.json [--details]   the screening_result for these facts
    python -m bot next --facts FILE.json [--audience child]   the next question, or none
    python -m bot questions [--audience self|child|other]     every question and its criteria

FILE.json is an object of fact name to value ("unknown" for 'not sure'); '-' reads stdin.
Bad input (unreadable JSON, unknown fact, value outside the allowed ones) exits with status 2
and a message naming the fact.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import rules
from bot.catalog import load_catalog
from bot.engine import next_question, screen
from bot.result import result_message
from bot.trials import load_trials
from bot.values import AUDIENCES


class InputError(ValueError):
    """The facts given on the command line are not usable."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        output = args.handler(args)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(output, indent=2, ensure_ascii=False))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, dest="command")

    screen_cmd = commands.add_parser("screen", help="print the screening_result for a facts file")
    screen_cmd.add_argument("--facts", required=True, help="JSON file of facts, or - for stdin")
    screen_cmd.add_argument("--details", action="store_true", help="add every criterion's status")
    screen_cmd.set_defaults(handler=_screen)

    next_cmd = commands.add_parser("next", help="print the next question for a facts file")
    next_cmd.add_argument("--facts", required=True, help="JSON file of facts, or - for stdin")
    next_cmd.add_argument("--audience", choices=AUDIENCES, default="self")
    next_cmd.set_defaults(handler=_next)

    questions_cmd = commands.add_parser("questions", help="list every question and its criteria")
    questions_cmd.add_argument("--audience", choices=AUDIENCES, default="self")
    questions_cmd.set_defaults(handler=_questions)
    return parser


def read_facts(source: str) -> dict[str, Any]:
    """Facts from a JSON file, each checked against the catalog."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        facts = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read facts from {source}: {error}") from error
    if not isinstance(facts, dict):
        raise InputError("the facts file must hold a JSON object of fact name to value")
    catalog = load_catalog()
    for name, value in facts.items():
        if name not in catalog:
            raise InputError(f"unknown fact {name!r}; see `python -m bot questions`")
        if not catalog[name].is_valid(value):
            fact = catalog[name]
            allowed = fact.allowed_values() or f"{fact.minimum}..{fact.maximum}"
            raise InputError(f"{name}: {value!r} is not allowed (allowed: {allowed} or 'unknown')")
    return facts


def _screen(args: argparse.Namespace) -> dict[str, Any]:
    results = screen(read_facts(args.facts))
    message = result_message(results)
    if args.details:
        for entry, result in zip(message["trials"], results, strict=True):
            entry["criteria"] = [
                {
                    "id": p.part.id,
                    "kind": p.criterion.kind,
                    "status": p.status,
                    "rules_out": p.rules_out,
                    "summary": p.part.summary,
                    "answers": p.answers,
                    "registry_text": p.criterion.text,
                }
                for p in result.parts
            ]
    return message


def _next(args: argparse.Namespace) -> dict[str, Any]:
    fact = next_question(read_facts(args.facts))
    if fact is None:
        return {"next": None}
    catalog = load_catalog()
    return {
        "next": fact.name,
        "question": fact.question(args.audience, catalog.persons),
        "choices": [option.label for option in fact.choices(args.audience)],
    }


def _questions(args: argparse.Namespace) -> list[dict[str, Any]]:
    catalog = load_catalog()
    trials = load_trials()
    return [
        {
            "fact": fact.name,
            "question": fact.question(args.audience, catalog.persons),
            "choices": [option.label for option in fact.choices(args.audience)],
            "why": fact.why,
            "criteria": [
                f"{trial.nct_id} {part.id}"
                for trial in trials
                for _, part in trial.parts
                if part.rule is not None and fact.name in rules.facts_used(part.rule)
            ],
        }
        for fact in catalog
    ]
