"""Yes / no answers: "yes", "no", "I have", "he hasn't", and hedges read as not sure.

Chinese answers yes by echoing the verb (截肢了, 参加过): a short all-Chinese answer ending in
过 or 了 and with no negator is a yes when no yes/no word was found. 是 and 对 are a yes only
ending a clause: "我是男的" and "我对青霉素过敏" say no yes.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from bot.parsing.phrases import alternation, as_words, is_unknown, squash
from bot.parsing.text import WORD_END, WORD_START, text_forms, vocab
from bot.values import UNKNOWN


@lru_cache(maxsize=1)
def _yes_no() -> tuple[re.Pattern[str], dict[str, bool]]:
    """One scanning regex for yes and no wording, and the polarity of each plain phrase."""
    yn, v = vocab()["yes_no"], vocab()
    plain = {squash(p): True for p in as_words(yn["yes"])}
    plain.update({squash(p): False for p in as_words(yn["no"])})
    person = rf"(?:{alternation(v['person_determiners'])})\s+(?:{alternation(v['persons'])})"
    subj = rf"(?:{alternation(as_words(yn['subjects']))}|{person})"
    subj_v = alternation(as_words(yn["subjects_with_verb"]))
    verb, negs = alternation(yn["verbs"]), alternation(yn["negators"])
    neg_verb = alternation(as_words(yn["negated_verbs"]))
    no = rf"{subj}\s+(?:(?:{verb})\s+)?(?:{negs})|(?:{subj_v})\s+(?:{negs})|{subj}\s+(?:{neg_verb})"
    yes = rf"{subj}\s+(?:{verb})|(?:{subj_v})"
    phrases = alternation(as_words(yn["yes"] + yn["no"]))
    regex = rf"{WORD_START}(?:(?P<no>{no})|(?P<yes>{yes})|(?P<plain>{phrases})){WORD_END}"
    return re.compile(regex), plain


@lru_cache(maxsize=1)
def _zh_clause_yes() -> re.Pattern[str]:
    """是 / 对 ending a clause, alone or after a pronoun ("是", "我是", "对，有过")."""
    words = alternation(vocab()["yes_no"].get("zh_clause_yes") or [])
    return re.compile(rf"(?:^|(?<=[\s,.;!?我他她]))(?:{words})(?=\s*(?:[,.;!?]|$))")


def _polarities(low: str) -> set[bool]:
    """Every yes (True) and no (False) said in the text."""
    regex, plain = _yes_no()
    found = set()
    for m in regex.finditer(low):
        found.add(plain[squash(m.group())] if m.group("plain") else bool(m.group("yes")))
    blank = regex.sub(lambda m: " " * len(m.group()), low)  # 不是 is not 是
    if _zh_clause_yes().search(blank):
        found.add(True)
    return found


def parse_yes_no(text: str, today: date | None = None) -> bool | str | None:
    """True, False, UNKNOWN for a hedge, or None when unclear or both ("yes and no").

    A hedge anywhere wins ("no, not sure" is UNKNOWN): an unsure answer must not decide
    eligibility. Stretched words ("yess", "noo") are read when nothing else matched.
    """
    t = text_forms(text)
    if not t.low:
        return None
    if is_unknown(t):
        return UNKNOWN
    found = _polarities(t.low) or _polarities(re.sub(r"([a-z])\1+", r"\1", t.low))
    if not found and _zh_done(t.low):
        return True
    return found.pop() if len(found) == 1 else None


#: A short Chinese answer of this many characters at most may echo the question's verb.
_ZH_ECHO_CHARS = 8


def _zh_done(low: str) -> bool:
    """A short Chinese answer echoing the question's verb as done, not negated: 截肢了,
    参加过 (Chinese answers yes by repeating the verb)."""
    yn = vocab()["yes_no"]
    core = "".join(ch for ch in low if not ch.isspace() and ch not in ",.;:!?")
    if not core or len(core) > _ZH_ECHO_CHARS or not all("\u3400" <= ch <= "\u9fff" for ch in core):
        return False
    done = core.endswith(tuple(yn.get("zh_done") or ()))  # 过敏 is no 过
    return done and not any(neg in core for neg in yn.get("zh_negators") or ())


def is_agreement(text: str) -> bool:
    """The whole message is one of the words that agree to a request ("ok", "sure", 没问题,
    可以, 好): for the consent question only. They are no general yes: 没问题 ("no problem")
    to "any heart problems?" means no, and "ok" answers no health question."""
    t = text_forms(text)
    said = re.sub(r"[\W_]+", " ", t.low).strip()
    return bool(said) and said in _agreements()


@lru_cache(maxsize=1)
def _agreements() -> frozenset[str]:
    return frozenset(word.lower() for word in vocab()["agreement"])
