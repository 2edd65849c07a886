"""Clauses, negation and hedges: judging a recognised phrase by the words around it.

"never had gemcitabine" is a no, "will I get Keytruda?" says nothing, "gemcitabine didn't work"
is a yes: the message is cut into clauses and each phrase is read with its clause's negators,
hedges and treatment words (vocabulary `extract`). Chinese: a comma (，、 read as ",") before
Chinese text always ends a clause ("没用过阿霉素，用过吉西他滨"); Chinese negators come before
the phrase as in English (没用过阿霉素), or before the exposure word after it (阿霉素没用过).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from bot.parsing.phrases import Hit, alternation, as_words, compile_phrases
from bot.parsing.text import WORD_END, WORD_START, Text, vocab

#: A comma before Chinese text: Chinese lists facts with commas, each its own clause.
_ZH_COMMA = r"(?<!\S),(?=\s*[\u3400-\u9fff])"


@lru_cache(maxsize=1)
def _context() -> dict[str, re.Pattern[str]]:
    """Regexes for clause breaks, negators, hedges and treatment wording."""
    x, v = vocab()["extract"], vocab()
    joiners = alternation(as_words(x["clause_joiners"]))
    subjects = alternation(as_words(x["clause_starts"]))
    breaks = (
        rf"(?<!\S)[.;!?](?!\S)|{_ZH_COMMA}"
        rf"|{WORD_START}(?:{alternation(as_words(x['clause_breaks']))}){WORD_END}"
        rf"|{WORD_START}(?:{joiners})\s+(?=(?:{subjects}){WORD_END})"
    )
    return {
        "breaks": re.compile(breaks),
        "negators": compile_phrases(as_words(x["negators"])),
        "hedges": compile_phrases(as_words(x["hedges"] + v["unknown"])),
        "drug_hedges": compile_phrases(as_words(x["drug_hedges"])),
        "treated": compile_phrases(as_words(x["treatment_verbs"])),
        "exposed": compile_phrases(as_words(x["exposure_after"])),
    }


class Clauses:
    """A text cut into clauses, to judge each recognised phrase by the words around it."""

    def __init__(self, low: str, hits: Iterable[Hit]) -> None:
        self._cuts = [0] + [m.end() for m in _context()["breaks"].finditer(low)] + [len(low)]
        chars = list(low)
        for hit in hits:  # other recognised phrases must not count as negation or hedge words
            chars[hit.start : hit.end] = " " * (hit.end - hit.start)
        self._blank = "".join(chars)

    def around(self, hit: Hit) -> tuple[str, str]:
        """The hit's clause before and after it, with recognised phrases blanked out."""
        i = bisect.bisect_right(self._cuts, hit.start)
        lo, hi = self._cuts[i - 1], self._cuts[min(i, len(self._cuts) - 1)]
        return self._blank[lo : hit.start], self._blank[hit.end : max(hi, hit.end)]

    def negated(self, hit: Hit) -> bool:
        """A negator comes before the phrase in its clause ("never had gemcitabine")."""
        return bool(_context()["negators"].search(self.around(hit)[0]))

    def hedged(self, hit: Hit, drug: bool = False) -> bool:
        """The clause is a question, a plan, a doubt or (for drugs) about a trial."""
        before, after = self.around(hit)
        clause = f"{before} {after}"
        c = _context()
        return (
            "?" in clause
            or bool(c["hedges"].search(clause))
            or (drug and bool(c["drug_hedges"].search(clause)))
        )

    def drug_status(self, hit: Hit) -> str | None:
        """ "had", "not had" or None (not said) for a drug mention.

        Negation or treatment wording before the drug decides; else exposure wording after it
        ("doxorubicin didn't work", "K药用过"), negated by a negator left before that wording
        ("K药没用过"). Exposure phrases are blanked first: "didn't work" is not a negation.
        """
        before, after = self.around(hit)
        c = _context()
        if c["negators"].search(before):
            return "not had"
        if c["treated"].search(before):
            return "had"
        exposure = c["exposed"].search(after)
        if not exposure:
            return None
        return "not had" if c["negators"].search(after[: exposure.start()]) else "had"


def stated(hits: list[Hit], t: Text) -> list[Hit]:
    """Hits that are not negated in their clause."""
    clauses = Clauses(t.low, hits)
    return [h for h in hits if not clauses.negated(h)]


def single(values: Iterable[Any]) -> Any | None:
    """The one value meant, or None when there are none or several (ambiguous)."""
    found = {v for v in values if v != "_ignore"}
    return found.pop() if len(found) == 1 else None
