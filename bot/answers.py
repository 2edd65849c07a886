"""Parsers for answers that a plain yes or no does not settle (issue 11).

"I had interferon, nothing like Keytruda" is a truthful answer to the PD-1/PD-L1/CTLA-4
question, and it is a no; "a heart attack 3 months ago" is a yes to "in the past 6 months";
"my doctors haven't talked about surgery yet" is neither yes nor no. These parsers read what
such answers name (drugs, how long ago, what doctors said) before falling back to yes/no.

They build on bot/parsing.py's text forms, matchers and clause rules, and take their words
from bot/content/vocabulary.yaml. Kept apart from bot/parsing.py (which another change will
split into a package) so that they move with it as one piece.

Each `*_named` / `*_evidence` function returns a value only when the answer names something
that decides it (a drug, a time, an event), else None: the conversation logic tries those
first, and only then reads yes/no, so that "actually I'm 46" is never read as a "yes".
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from bot import parsing
from bot.values import UNKNOWN

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
    t = parsing._text(text)
    hits = parsing._drug_hits(t)
    if not hits:
        return None
    clauses = parsing._Clauses(t.low, [hit for hit, _ in hits])
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
    t = parsing._text(text)
    if not t.low:
        return None
    if parsing._is_unknown(t):
        return UNKNOWN
    named = checkpoint_named(text, today)
    return named if named is not None else parsing.parse_yes_no(text, today)


# --- what doctors said about surgery -----------------------------------------------------

REMOVABLE, NOT_REMOVABLE, NOT_DISCUSSED = "removable", "not_removable", "not_discussed"


@lru_cache(maxsize=1)
def _surgery_said() -> parsing._Matcher:
    """Wording for 'they said it can / cannot be removed' and 'they have not said'."""
    return parsing._Matcher(parsing._vocab()["surgery_said"])


def parse_surgery_said(text: str, today: date | None = None) -> str | None:
    """removable | not_removable | not_discussed, UNKNOWN, or None.

    'Not talked about yet' wording is read before anything else ("no, they haven't said" is
    not a no). Then a hedge is UNKNOWN; then what was said; a plain yes means they said it
    can be removed. A plain no is None: "no" to "what have your doctors said?" could mean
    "cannot" or "not yet", and only "cannot" may rule a patient out, so it is asked again.
    """
    t = parsing._text(text)
    if not t.low:
        return None
    label = parsing._label_value("surgery_said", t)
    if label is not None:
        return label
    said = {hit.value for hit in _surgery_said().find(t)}
    if NOT_DISCUSSED in said:
        return NOT_DISCUSSED
    if parsing._is_unknown(t):
        return UNKNOWN
    if said:
        return said.pop() if len(said) == 1 else None
    return REMOVABLE if parsing.parse_yes_no(text, today) is True else None


#: parser name (facts.yaml `parser`) -> the evidence reader tried before yes/no.
EVIDENCE = {"checkpoint": checkpoint_named}
PARSERS = {"checkpoint": parse_checkpoint, "surgery_said": parse_surgery_said}


def evidence(parser: str, text: str, today: date | None = None) -> Any:
    """What the answer's named drugs, times or events say, or None (then yes/no decides)."""
    reader = EVIDENCE.get(parser)
    if reader is None or parsing._is_unknown(parsing._text(text)):
        return None
    return reader(text, today)
