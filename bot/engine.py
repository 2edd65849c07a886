"""The screening engine: facts in, a verdict per trial and the next question out.

Pure functions of the facts, with no state and no I/O beyond reading the (cached) data files,
so every layer (Rasa actions, the CLI, staff pages, tests) gets the same answer for the same
facts.

Verdicts are the design's three bands, never 'eligible' (the study team decides):
  not_a_match     an answer rules the patient out (an inclusion not met, or an exclusion met)
  unclear         nothing rules the patient out, but a patient part is still unknown
  possible_match  every part the patient can answer is met
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import rules
from bot.catalog import Catalog, Fact, load_catalog
from bot.trials import Criterion, Part, Trial, load_trials
from bot.values import UNKNOWN

POSSIBLE_MATCH = "possible_match"
UNCLEAR = "unclear"
NOT_A_MATCH = "not_a_match"
VERDICTS = (POSSIBLE_MATCH, UNCLEAR, NOT_A_MATCH)

MET, NOT_MET, UNKNOWN_STATUS, STUDY_TEAM = "met", "not_met", "unknown", "study_team"


@dataclass(frozen=True)
class PartResult:
    """How one part of one criterion came out for these facts.

    `status` is met / not_met / unknown for asked parts and study_team for the others; for an
    exclusion, 'met' means the exclusion applies. `rules_out` says whether it excludes.
    """

    criterion: Criterion
    part: Part
    status: str
    rules_out: bool
    answers: Mapping[str, Any]  # the facts the rule read that have a value


@dataclass(frozen=True)
class TrialResult:
    trial: Trial
    verdict: str
    parts: tuple[PartResult, ...]

    @property
    def deciding(self) -> list[PartResult]:
        return [p for p in self.parts if p.rules_out]

    @property
    def open_parts(self) -> list[PartResult]:
        return [p for p in self.parts if p.status == UNKNOWN_STATUS]

    @property
    def study_team_checks(self) -> list[PartResult]:
        return [p for p in self.parts if p.status == STUDY_TEAM]


def effective_facts(facts: Mapping[str, Any], catalog: Catalog | None = None) -> dict[str, Any]:
    """The given facts plus every value the catalog derives from them.

    An answer the patient gave always wins over a derivation; derivations run to a fixed point
    (a 'no' to any cancer drugs settles each drug question, a 'yes' to doxorubicin settles
    'any cancer drugs').
    """
    catalog = catalog or load_catalog()
    known = {k: v for k, v in facts.items() if k in catalog and v is not None}
    changed = True
    while changed:
        changed = False
        for fact in catalog:
            if _has_value(known, fact.name):
                continue
            for derivation in fact.derive:
                if rules.evaluate(derivation.when, known) is True:
                    known[fact.name] = derivation.value
                    changed = True
                    break
    return known


def _has_value(facts: Mapping[str, Any], name: str) -> bool:
    return facts.get(name) not in (None, UNKNOWN)


def evaluate_trial(trial: Trial, facts: Mapping[str, Any]) -> TrialResult:
    """Every part's status and the trial's verdict, for facts already passed through
    effective_facts."""
    parts = tuple(_evaluate_part(criterion, part, facts) for criterion, part in trial.parts)
    if any(p.rules_out for p in parts):
        verdict = NOT_A_MATCH
    elif any(p.status == UNKNOWN_STATUS for p in parts):
        verdict = UNCLEAR
    else:
        verdict = POSSIBLE_MATCH
    return TrialResult(trial, verdict, parts)


def _evaluate_part(criterion: Criterion, part: Part, facts: Mapping[str, Any]) -> PartResult:
    if part.rule is None:
        return PartResult(criterion, part, STUDY_TEAM, False, {})
    value = rules.evaluate(part.rule, facts)
    status = {True: MET, False: NOT_MET, None: UNKNOWN_STATUS}[value]
    answers = {name: facts[name] for name in sorted(rules.facts_used(part.rule)) if name in facts}
    return PartResult(criterion, part, status, rules_out(criterion, status), answers)


def rules_out(criterion: Criterion, status: str) -> bool:
    """An inclusion not met, or an exclusion met, rules the patient out (staff pages read
    stored statuses with it too)."""
    return status == (NOT_MET if criterion.kind == "inclusion" else MET)


def screen(facts: Mapping[str, Any], trials: Iterable[Trial] | None = None) -> list[TrialResult]:
    """The result for every trial."""
    known = effective_facts(facts)
    return [evaluate_trial(trial, known) for trial in trials or load_trials()]


def questions_to_ask(
    facts: Mapping[str, Any], trials: Iterable[Trial] | None = None
) -> list[Fact]:
    """Every question that can still change a verdict, the one to ask next first, then the
    questions the study team wants answered for parts left open (a part's `collect`).

    A fact is worth asking when it is unanswered, relevant (ask_when, ask_unless), and some
    value of it would settle a still-unknown part of a trial whose verdict is not settled.
    Order: facts that matter to more trials first, then to more recruiting trials, then
    catalog order (which puts diagnosis and age first).
    """
    catalog = load_catalog()
    trials = tuple(trials or load_trials())
    known = effective_facts(facts, catalog)
    results = [evaluate_trial(trial, known) for trial in trials]
    collected = _collected(results)
    scored: list[tuple[int, int, int, int, Fact]] = []
    for fact in catalog:
        if fact.name in known or fact.name in facts or not _askable(fact, known):
            continue
        deciding = [r.trial for r in results if _can_settle(fact, r, facts, catalog)]
        if deciding:
            recruiting = sum(trial.recruiting for trial in deciding)
            scored.append((0, -len(deciding), -recruiting, fact.order, fact))
        elif fact.name in collected:
            scored.append((1, 0, 0, fact.order, fact))
    return [entry[-1] for entry in sorted(scored, key=lambda entry: entry[:4])]


def _collected(results: Iterable[TrialResult]) -> set[str]:
    """Facts the study team wants for parts the answers leave open (a part's `collect`):
    asked after every question that can still change a verdict, for trials not ruled out."""
    return {
        name
        for result in results
        if result.verdict != NOT_A_MATCH
        for p in result.open_parts
        for name in p.part.collect
    }


def next_question(facts: Mapping[str, Any], trials: Iterable[Trial] | None = None) -> Fact | None:
    """The question to ask now, or None when every verdict is settled."""
    remaining = questions_to_ask(facts, trials)
    return remaining[0] if remaining else None


def _askable(fact: Fact, known: Mapping[str, Any]) -> bool:
    return fact.relevant(known)


def _can_settle(
    fact: Fact, result: TrialResult, facts: Mapping[str, Any], catalog: Catalog
) -> bool:
    if result.verdict == NOT_A_MATCH:
        return False
    open_rules = [
        p.part.rule for p in result.open_parts if fact.name in rules.facts_used(p.part.rule)
    ]
    if not open_rules:
        return False
    for value in candidate_values(fact, open_rules):
        probe = effective_facts({**facts, fact.name: value}, catalog)
        if any(rules.evaluate(rule, probe) is not None for rule in open_rules):
            return True
    return False


def candidate_values(fact: Fact, rule_list: Iterable[rules.Rule]) -> list[Any]:
    """Values worth trying for a fact: every allowed value, or for numbers each boundary the
    rules compare it with and its neighbours."""
    if fact.type != "int":
        return fact.allowed_values()
    points: set[int] = set()
    for rule in rule_list:
        for operand in rules.operands_for(rule, fact.name):
            points.update({operand - 1, operand, operand + 1})
    low = fact.minimum if fact.minimum is not None else min(points, default=0)
    high = fact.maximum if fact.maximum is not None else max(points, default=0)
    return sorted(p for p in points | {low, high} if low <= p <= high)
