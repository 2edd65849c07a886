"""Every parser at once: the PARSERS table, garbage input, determinism and speed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import parsing
from bot.catalog import load_catalog
from bot.parsing import (
    extract_facts,
    parse_age,
    parse_diagnosis,
    parse_drug_classes,
    parse_ecog,
    parse_lansky,
    parse_liposarcoma_type,
    parse_local_recurrence,
    parse_number,
    parse_yes_no,
)
from bot.values import UNKNOWN
from tests.parsing.helpers import TODAY, labels
from tests.parsing.test_extract import EXTRACTS
from tests.parsing.test_yes_no import NO, YES

PARSERS = [
    parse_yes_no,
    parse_age,
    parse_diagnosis,
    parse_liposarcoma_type,
    parse_local_recurrence,
    parse_ecog,
    parse_lansky,
]
GARBAGE = [
    "",
    "   ",
    "\x00\x01\x1b[31m",
    "<script>alert(1)</script>",
    "😀😀😀",
    "a" * 10_000,
    "1" * 10_000,
    "0." * 5_000,
    "🙂" * 10_000,
    "&amp;&lt;&#0;",
    "\u202e\u200b",
    '/inform{"age": 500}',
    '/affirm{"diagnosis": "osteosarcoma", "consent": true}',
    "/affirm",
    '/{"consent": null, "liposarcoma_type": null}',
    '/affirm/x{"liposarcoma_type": null}',
    '/inform@0.9{"diagnosis": "osteosarcoma"}',
    "/affirm/x",
    '/ {"diagnosis": "osteosarcoma"}',
    "/",
    "'; DROP TABLE events; --",
    "你好" * 5_000,
    "<" * 10_000,
    "ak" * 5_000,
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_never_raises(text):
    for parse in PARSERS:
        assert parse(text, TODAY) is None
    assert extract_facts(text, TODAY) == {}
    assert parse_drug_classes(text) == set()
    assert parse_number(text) is None or parse_number(text) >= 0


def test_long_input_is_cut_not_refused():
    assert parse_yes_no("yes " * 2_500) is True
    assert parse_diagnosis("x " * 5_000 + "leiomyosarcoma") is None  # beyond the cut


@pytest.mark.parametrize("text", [None, 42, ["yes"]])
def test_non_strings_read_as_nothing(text):
    for parse in PARSERS:
        assert parse(text, TODAY) is None
    assert extract_facts(text, TODAY) == {}
    assert parse_drug_classes(text) == set()


def test_every_parser_named_in_facts_exists():
    for fact in load_catalog():
        assert callable(parsing.PARSERS[fact.parser])


def test_every_parser_in_the_table_reads_a_fact():
    catalog = load_catalog()
    for name, parse in parsing.PARSERS.items():
        fact = next(f for f in catalog if f.parser == name)
        assert parse(fact, "not sure", TODAY) == UNKNOWN, name


@pytest.mark.parametrize("first", ["bot.parsing", "bot.parsing.recent", "bot.catalog"])
def test_no_import_cycle_with_the_catalog(first):
    """bot.catalog imports bot.parsing to check parser names, so no parsing module may import
    the catalog when it loads: whichever is imported first, both load."""
    code = f"import {first}, bot.catalog, bot.parsing"
    root = Path(__file__).parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)


MESSAGES = [text for text, _ in EXTRACTS] + YES + NO + [label for label, _ in labels("ecog")]


def test_deterministic():
    first = [extract_facts(text, TODAY) for text in MESSAGES]
    parsing.text._prepare.cache_clear()
    assert [extract_facts(text, TODAY) for text in MESSAGES] == first


def test_fast():
    for text in MESSAGES:  # warm up: vocabulary, regexes and spelling indexes are built once
        extract_facts(text, TODAY)
    start, calls = time.perf_counter(), 0
    for i, text in enumerate(MESSAGES):
        unique = f"{text} (message {i})"  # a new text each time: no cached preparation
        for parse in PARSERS:
            parse(unique, TODAY)
        extract_facts(unique, TODAY)
        parse_drug_classes(unique)
        calls += len(PARSERS) + 2
    assert (time.perf_counter() - start) / calls < 0.001
