"""The small declarative rule language of the trial data files, evaluated in three values.

A rule is a mapping, written in YAML:

    {fact: age, gte: 18, lt: 75}        a test on one fact; several operators must all hold
    {fact: diagnosis, in: [ups, leiomyosarcoma]}
    {fact: prior_gemcitabine, is: false}
    {all: [RULE, ...]}                  true when every rule is true
    {any: [RULE, ...]}                  true when some rule is true
    {not: RULE}
    {review_if: RULE}                   an answer that cannot settle the criterion: when RULE is
                                        true the result stays unknown, for the study team

Evaluation is Kleene's three-valued logic: True, False, or None (unknown). A fact that is
missing or answered 'not sure' is None, and None only decides an `all` / `any` when the other
branches cannot (`all` with a False branch is False whatever the unknowns are). This is what
lets the engine know that an answer cannot change a verdict.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from bot.values import UNKNOWN

Rule = Mapping[str, Any]
Facts = Mapping[str, Any]

COMBINATORS = ("all", "any", "not", "review_if")

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "is": operator.eq,
    "in": lambda value, options: value in options,
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
}
OPERATORS = tuple(_COMPARISONS)


class RuleError(ValueError):
    """A rule that does not follow the grammar above."""


def evaluate(rule: Rule, facts: Facts) -> bool | None:
    """True, False or None (cannot tell yet) for this rule over these facts."""
    if "fact" in rule:
        return _evaluate_test(rule, facts)
    if "all" in rule:
        return _all(evaluate(branch, facts) for branch in rule["all"])
    if "any" in rule:
        return _any(evaluate(branch, facts) for branch in rule["any"])
    if "not" in rule:
        inner = evaluate(rule["not"], facts)
        return None if inner is None else not inner
    if "review_if" in rule:
        inner = evaluate(rule["review_if"], facts)
        return None if inner in (True, None) else False
    raise RuleError(f"unknown rule form: {dict(rule)!r}")


def _evaluate_test(rule: Rule, facts: Facts) -> bool | None:
    value = facts.get(rule["fact"])
    if value is None or value == UNKNOWN:
        return None
    try:
        return all(_COMPARISONS[op](value, operand) for op, operand in _operators(rule))
    except TypeError:  # a value of the wrong type can never satisfy the test
        return False


def _operators(rule: Rule) -> Iterator[tuple[str, Any]]:
    return ((key, operand) for key, operand in rule.items() if key != "fact")


def _all(values: Iterator[bool | None]) -> bool | None:
    seen_unknown = False
    for value in values:
        if value is False:
            return False
        seen_unknown |= value is None
    return None if seen_unknown else True


def _any(values: Iterator[bool | None]) -> bool | None:
    seen_unknown = False
    for value in values:
        if value is True:
            return True
        seen_unknown |= value is None
    return None if seen_unknown else False


def facts_used(rule: Rule) -> set[str]:
    """Every fact name a rule reads."""
    if "fact" in rule:
        return {rule["fact"]}
    if "not" in rule or "review_if" in rule:
        return facts_used(rule.get("not") or rule["review_if"])
    branches = rule.get("all") or rule.get("any") or []
    return set().union(*(facts_used(branch) for branch in branches))


def operands_for(rule: Rule, fact: str) -> list[Any]:
    """Every constant a rule compares this fact with (the boundaries worth probing)."""
    if "fact" in rule:
        if rule["fact"] != fact:
            return []
        found: list[Any] = []
        for _, operand in _operators(rule):
            found.extend(operand if isinstance(operand, list) else [operand])
        return found
    if "not" in rule or "review_if" in rule:
        return operands_for(rule.get("not") or rule["review_if"], fact)
    branches = rule.get("all") or rule.get("any") or []
    return [operand for branch in branches for operand in operands_for(branch, fact)]


def check(rule: Any, known_facts: set[str]) -> None:
    """Raise RuleError naming the first problem in a rule: bad shape, operator or fact."""
    if not isinstance(rule, Mapping) or not rule:
        raise RuleError(f"a rule must be a non-empty mapping, got {rule!r}")
    if "fact" in rule:
        _check_test(rule, known_facts)
        return
    forms = [key for key in rule if key in COMBINATORS]
    if len(forms) != 1 or len(rule) != 1:
        raise RuleError(f"a rule needs exactly one of fact/{'/'.join(COMBINATORS)}: {dict(rule)!r}")
    body = rule[forms[0]]
    if forms[0] in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise RuleError(f"'{forms[0]}' needs a non-empty list of rules: {dict(rule)!r}")
        for branch in body:
            check(branch, known_facts)
    else:
        check(body, known_facts)


def _check_test(rule: Rule, known_facts: set[str]) -> None:
    if rule["fact"] not in known_facts:
        raise RuleError(f"unknown fact {rule['fact']!r}")
    ops = [key for key in rule if key != "fact"]
    if not ops:
        raise RuleError(f"a test on {rule['fact']!r} needs an operator ({', '.join(OPERATORS)})")
    for op in ops:
        if op not in _COMPARISONS:
            raise RuleError(f"unknown operator {op!r} in test on {rule['fact']!r}")
        if op == "in" and not isinstance(rule[op], list):
            raise RuleError(f"'in' needs a list in test on {rule['fact']!r}")
