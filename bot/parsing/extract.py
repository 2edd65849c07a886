"""Several facts from one free message ("I'm 52, leiomyosarcoma, spread to my lungs").

Only what is stated plainly: anything hedged, asked, planned or contradictory is left out,
since a missing fact is asked and a wrong one misleads.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from bot.parsing.age import stated_ages, valid_age
from bot.parsing.choices import diagnosis_matcher, liposarcoma_matcher
from bot.parsing.clauses import Clauses, single
from bot.parsing.drugs import Drug, drug_hits, with_implied
from bot.parsing.phrases import Hit, Matcher
from bot.parsing.text import text_forms, vocab


@lru_cache(maxsize=1)
def _findings() -> Matcher:
    """Wording for metastatic, lung metastases and unresectable disease."""
    x = vocab()["extract"]
    return Matcher(x["findings"], optional=x["optional_words"])


def _stated_hits(hits: list[Hit], clauses: Clauses) -> list[Hit]:
    """Hits said plainly: not negated, not hedged."""
    return [h for h in hits if not clauses.negated(h) and not clauses.hedged(h)]


def _diagnosis_facts(diag: list[Hit], lipo: list[Hit], clauses: Clauses) -> dict[str, Any]:
    """diagnosis, and liposarcoma_type when the diagnosis is liposarcoma and one type is named."""
    diagnosis = single(h.value for h in _stated_hits(diag, clauses))
    if diagnosis is None:
        return {}
    facts: dict[str, Any] = {"diagnosis": diagnosis}
    kind = single(h.value for h in _stated_hits(lipo, clauses))
    if diagnosis == "liposarcoma" and kind is not None:
        facts["liposarcoma_type"] = kind
    return facts


def _finding_facts(hits: list[Hit], clauses: Clauses) -> dict[str, Any]:
    """True for each finding stated; lung or brain spread also means metastatic. Negations are left
    out rather than read as False: the assistant asks, which is safer than a wrong no."""
    values = vocab()["extract"].get("finding_values") or {}
    facts = {h.value: values.get(h.value, True) for h in _stated_hits(hits, clauses)}
    if facts.get("lung_metastases") or facts.get("brain_metastases"):
        facts["metastatic"] = True
    return facts


def _drug_facts(hits: list[tuple[Hit, Drug]], clauses: Clauses) -> dict[str, Any]:
    """Prior-treatment facts: True when a drug was had, False when negated (True wins)."""
    rules = vocab()["extract"]["drug_facts"]
    facts: dict[str, Any] = {}
    for hit, drug in hits:
        status = None if clauses.hedged(hit, drug=True) else clauses.drug_status(hit)
        if status == "not had" and not drug.regimen:
            for name, rule in rules.items():
                if drug.classes & set(rule["false_when"]):
                    facts.setdefault(name, False)
        elif status == "had":
            classes = with_implied(drug.classes)
            facts.update(
                {name: True for name, rule in rules.items() if classes & set(rule["true_when"])}
            )
    return facts


def extract_facts(text: str, today: date | None = None) -> dict[str, object]:
    """Every fact a free message states plainly, as {fact name: value}.

    Ages only from clear phrasings ("I'm 52", "52 years old", "my son is 12", "born in 1980"),
    never from a bare number; several different ages give none. Anything hedged, asked,
    planned or contradictory is left out: a missing fact is asked, a wrong one misleads.
    """
    t = text_forms(text)
    if not t.low:
        return {}
    today = today or date.today()
    facts: dict[str, object] = {}
    age = valid_age(stated_ages(t, today, need_born=True))
    if age is not None:
        facts["age"] = age
    diag, lipo = diagnosis_matcher().find(t), liposarcoma_matcher().find(t)
    findings, drugs = _findings().find(t), drug_hits(t)
    clauses = Clauses(t.low, diag + lipo + findings + [h for h, _ in drugs])
    facts.update(_diagnosis_facts(diag, lipo, clauses))
    facts.update(_finding_facts(findings, clauses))
    facts.update(_drug_facts(drugs, clauses))
    return facts
