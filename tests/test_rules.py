"""Three-valued evaluation of the rule language."""

from __future__ import annotations

import pytest

from bot.rules import RuleError, check, evaluate, facts_used, operands_for
from bot.values import UNKNOWN

AGE_A = {"fact": "age", "gte": 18, "lt": 75}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [({"age": 17}, False), ({"age": 18}, True), ({"age": 74}, True), ({"age": 75}, False),
     ({}, None), ({"age": UNKNOWN}, None), ({"age": "forty"}, False)],
)
def test_a_test_on_one_fact(facts, expected):
    assert evaluate(AGE_A, facts) is expected


KLEENE = [
    ("all", [True, True], True), ("all", [True, False], False), ("all", [True, None], None),
    ("all", [False, None], False), ("any", [False, False], False), ("any", [False, True], True),
    ("any", [False, None], None), ("any", [True, None], True),
]


@pytest.mark.parametrize(("form", "values", "expected"), KLEENE)
def test_kleene_logic(form, values, expected):
    branches = [{"fact": f"f{i}", "is": True} for i in range(len(values))]
    facts = {f"f{i}": v for i, v in enumerate(values) if v is not None}
    assert evaluate({form: branches}, facts) is expected


@pytest.mark.parametrize(("value", "expected"), [(True, None), (False, False), (None, None)])
def test_review_if_never_decides_against_the_patient(value, expected):
    facts = {} if value is None else {"viral_hepatitis": value}
    assert evaluate({"review_if": {"fact": "viral_hepatitis", "is": True}}, facts) is expected


def test_not_flips_known_values_only():
    rule = {"not": {"fact": "hiv", "is": True}}
    assert evaluate(rule, {"hiv": True}) is False
    assert evaluate(rule, {"hiv": False}) is True
    assert evaluate(rule, {}) is None


def test_facts_used_and_operands_walk_the_whole_rule():
    rule = {"any": [{"fact": "age", "gte": 16}, {"all": [{"fact": "lansky", "gte": 70},
                                                         {"not": {"fact": "age", "lt": 3}}]}]}
    assert facts_used(rule) == {"age", "lansky"}
    assert sorted(operands_for(rule, "age")) == [3, 16]


@pytest.mark.parametrize(
    "rule",
    [{}, {"fact": "age"}, {"fact": "nope", "is": 1}, {"all": []}, {"all": [AGE_A], "any": [AGE_A]},
     {"fact": "age", "in": 3}, {"fact": "age", "between": [1, 2]}, "age > 3"],
)
def test_malformed_rules_are_refused(rule):
    with pytest.raises(RuleError):
        check(rule, {"age", "lansky", "x"})
