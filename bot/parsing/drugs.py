"""Drugs: the classes of the drugs a message names, and the PD-1/PD-L1/CTLA-4 question.

"I had interferon, nothing like Keytruda" is a truthful answer to the checkpoint question, and
it is a no (issue 11): `checkpoint_named` reads the drugs named before yes/no is tried. Drug
names, brands and abbreviations (English and Chinese) are vocabulary `drugs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.parsing.clauses import Clauses
from bot.parsing.phrases import Hit, Matcher, is_unknown
from bot.parsing.text import Text, text_forms, vocab
from bot.parsing.yes_no import parse_yes_no
from bot.values import UNKNOWN


@dataclass(frozen=True)
class Drug:
    """A drug or regimen entry of the vocabulary."""

    classes: frozenset[str]
    regimen: bool


@lru_cache(maxsize=1)
def _drugs() -> tuple[Matcher, tuple[Drug, ...]]:
    """Drug matcher (values are entry indexes) and the entries."""
    entries = vocab()["drugs"]["entries"]
    table = {i: e.get("names") or [] for i, e in enumerate(entries)}
    abbreviations = {i: e["abbreviations"] for i, e in enumerate(entries) if e.get("abbreviations")}
    drugs = tuple(Drug(frozenset(e["classes"]), bool(e.get("regimen"))) for e in entries)
    return Matcher(table, abbreviations=abbreviations, exact={}, spell=True), drugs


def with_implied(classes: Iterable[str]) -> set[str]:
    """Classes plus the wider ones they imply (anthracycline -> chemotherapy)."""
    implies = vocab()["drugs"]["implies"]
    out = set(classes)
    for c in list(out):
        out.update(implies.get(c, []))
    return out


def drug_hits(t: Text) -> list[tuple[Hit, Drug]]:
    """Each drug mention with its entry (misspellings corrected, exact short answers read)."""
    matcher, drugs = _drugs()
    return [(h, drugs[h.value]) for h in matcher.find(t, whole=True)]


def parse_drug_classes(text: str) -> set[str]:
    """Classes of the drugs named: anthracycline, gemcitabine, pd1, pdl1, ctla4,
    other_checkpoint, bispecific, chemotherapy, immunotherapy. Negation is not judged here.

    A checkpoint inhibitor named without its target counts as other_checkpoint.
    """
    t = text_forms(text)
    found: set[str] = set()
    for _, drug in drug_hits(t):
        found |= with_implied(drug.classes)
    return found - set(vocab()["drugs"]["internal_classes"]) - {"_ignore"}


# --- the PD-1 / PD-L1 / CTLA-4 question --------------------------------------------------

#: Drug classes that make the PD-1 / PD-L1 / CTLA-4 question a yes.
CHECKPOINT = frozenset({"pd1", "pdl1", "ctla4"})
#: Named without saying which target ("a checkpoint inhibitor", OX40) or only as a kind
#: ("immunotherapy"): the answer cannot tell, so it is 'not sure' for the study team.
UNSURE_CLASSES = frozenset({"other_checkpoint", "immunotherapy"})
OTHER_IMMUNOTHERAPY = "other_immunotherapy"


def checkpoint_named(text: str, today: date | None = None) -> bool | str | None:
    """The PD-1/PD-L1/CTLA-4 question from the drugs an answer names.

    A checkpoint drug had: True. A checkpoint drug of unknown target, or 'immunotherapy'
    only: UNKNOWN. Other immunotherapy (interferon, thymosin, mifamurtide, a vaccine, CAR-T)
    and no checkpoint drug had: False, whatever yes the answer says ("yes, interferon").
    Checkpoint drugs only denied: False. Nothing named: None. A checkpoint drug in a hedged
    clause ("nothing like Keytruda", "will I get Keytruda?") counts for nothing; one named
    plainly counts as had, since the question asks what the patient has had.
    """
    t = text_forms(text)
    hits = drug_hits(t)
    if not hits:
        return None
    clauses = Clauses(t.low, [hit for hit, _ in hits])
    named: dict[str, set[str]] = {"had": set(), "denied": set(), "other": set()}
    for hit, drug in hits:
        classes = set(drug.classes)
        denied = clauses.drug_status(hit) == "not had"
        if classes & CHECKPOINT and not clauses.hedged(hit, drug=True):
            named["denied" if denied else "had"] |= classes & CHECKPOINT
        elif classes & UNSURE_CLASSES and not clauses.hedged(hit):
            named["denied" if denied else "had"] |= classes & UNSURE_CLASSES
        elif OTHER_IMMUNOTHERAPY in classes and not denied:
            named["other"].add(OTHER_IMMUNOTHERAPY)
        elif not denied:  # chemotherapy or a targeted drug: not what the question asks
            named["other"] |= classes
    if named["had"] & CHECKPOINT:
        return True
    if named["had"]:
        return UNKNOWN
    if named["other"] or named["denied"]:
        return False
    return None


def parse_checkpoint(text: str, today: date | None = None) -> bool | str | None:
    """True, False, UNKNOWN or None for the PD-1/PD-L1/CTLA-4 question: a hedge first,
    then the drugs named, then yes/no."""
    t = text_forms(text)
    if not t.low:
        return None
    if is_unknown(t):
        return UNKNOWN
    named = checkpoint_named(text, today)
    return named if named is not None else parse_yes_no(text, today)
