"""Scripted patients: answer the engine's questions from a known set of facts.

Used by the engine benchmark and the tests to measure how many questions a screening takes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from bot import rules
from bot.catalog import Catalog, load_catalog
from bot.engine import next_question
from bot.values import UNKNOWN

MAX_QUESTIONS = 100


def interview(truth: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Ask what the engine chooses until it stops, answering from `truth` ('not sure' where
    the truth holds nothing). Returns the facts asked, in order, and the answers given."""
    given: dict[str, Any] = {}
    asked: list[str] = []
    while (fact := next_question(given)) is not None:
        if fact.name in given or len(asked) >= MAX_QUESTIONS:
            raise RuntimeError(f"the engine asked {fact.name!r} again after {asked}")
        asked.append(fact.name)
        given[fact.name] = truth.get(fact.name, UNKNOWN)
    return asked, given


def random_patient(rng: random.Random, catalog: Catalog | None = None) -> dict[str, Any]:
    """A plausible sarcoma patient: mostly the two trials' diagnoses, most exclusions absent,
    one answer in ten 'not sure', and answers consistent with each other."""
    catalog = catalog or load_catalog()
    diagnosis = rng.choices(
        ["osteosarcoma", "leiomyosarcoma", "ups", "liposarcoma", "myxofibrosarcoma", "other"],
        weights=[30, 20, 15, 15, 10, 10],
    )[0]
    patient: dict[str, Any] = {
        "diagnosis": diagnosis,
        "age": rng.randint(8, 30) if diagnosis == "osteosarcoma" else rng.randint(25, 85),
    }
    for fact in catalog:
        if fact.name in patient:
            continue
        if rng.random() < 0.1:
            patient[fact.name] = UNKNOWN
        elif fact.type == "bool":
            patient[fact.name] = rng.random() < _chance_of_yes(fact.name)
        elif fact.type == "choice":
            patient[fact.name] = rng.choice(fact.allowed_values())
    return make_consistent(patient, catalog)


def _chance_of_yes(name: str) -> float:
    common = {"metastatic", "lung_metastases", "prior_systemic_therapy", "prior_anthracycline",
              "lung_nodules_resectable", "unresectable"}
    return 0.75 if name in common else 0.03


def make_consistent(patient: dict[str, Any], catalog: Catalog | None = None) -> dict[str, Any]:
    """Make answers agree the way a real patient's do: a follow-up exists only where its
    parent answer makes it relevant (no 'lung spots removable?' when the patient does not know
    of lung spots), and derivations hold (someone who had doxorubicin has had cancer drugs)."""
    catalog = catalog or load_catalog()
    for fact in catalog:
        if not fact.relevant(patient):
            patient.pop(fact.name, None)
    for _ in range(3):
        for fact in catalog:
            for derivation in fact.derive:
                if rules.evaluate(derivation.when, patient) is True:
                    patient[fact.name] = derivation.value
    return patient
