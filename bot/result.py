"""The machine-readable screening result (DESIGN.md section 5) and its plain-language reasons.

    {"type": "screening_result",
     "trials": [{"nct_id", "verdict", "recruiting", "reasons", "to_check", "contact", ...}]}

Widgets render it as cards; integrations, staff pages and tests read it. Extra keys (title,
status, registry link, data version) only add to the design's shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bot.catalog import load_catalog
from bot.engine import NOT_A_MATCH, UNCLEAR, PartResult, TrialResult, screen
from bot.i18n import DEFAULT_LANGUAGE as EN
from bot.trials import Trial, load_trials
from bot.wording import content, date_words, say

RESULT_TYPE = "screening_result"


def screening_result(facts: Mapping[str, Any], today: date | None = None,
                     language: str = EN) -> dict[str, Any]:
    """The result message for these facts, worded in `language` (its machine fields are the
    same in every language)."""
    return result_message(screen(facts, load_trials(language=language)), today, language)


def result_message(results: Iterable[TrialResult], today: date | None = None,
                   language: str = EN) -> dict[str, Any]:
    """`results` come from trials loaded in `language` (their summaries word the reasons)."""
    return {"type": RESULT_TYPE, "language": language,
            "trials": [trial_entry(result, today, language) for result in results]}


def trial_entry(result: TrialResult, today: date | None = None,
                language: str = EN) -> dict[str, Any]:
    trial = result.trial
    contact = trial.contacts[0] if trial.contacts else None
    return {
        "nct_id": trial.nct_id,
        "title": trial.short_title,
        "status": trial.status,
        "status_date": trial.status_recorded,
        "status_as_of": date_words(trial.status_date, language),
        "status_old": trial.status_is_old(today),
        "recruiting": trial.recruiting,
        "verdict": result.verdict,
        "for_now": for_now(result),
        "reasons": reasons(result, language),
        "to_check": to_check(result, language),
        "to_check_details": to_check_details(result),
        "contact": None if contact is None else _drop_empty(vars(contact)),
        "sponsor": trial.sponsor,
        "registry_url": trial.registry_url,
        "trial_version": trial.version,
    }


def status_words(trial: Trial, today: date | None = None, language: str = EN) -> str:
    """Whether the study takes new people, with the record's date, and a warning when that
    date is more than 6 months old."""
    key = "recruiting" if trial.recruiting else "not_enrolling"
    words = say(key, language, status=trial.status, as_of=date_words(trial.status_date, language))
    if not trial.status_is_old(today):
        return words
    return f"{words}{_space(language)}{say('status_old', language)}"


def _space(language: str) -> str:
    """Between sentences: a space in English, nothing in Chinese."""
    return "" if language == "zh" else " "


def to_check(result: TrialResult, language: str = EN) -> list[str]:
    """What the study team will still check, as patients see it: the plain groups of the
    open checks (at most five), in content order; nothing for a trial ruled out."""
    if result.verdict == NOT_A_MATCH:
        return []
    wanted = {p.part.check for p in result.study_team_checks}
    return [words for key, words in content(language)["check_groups"].items() if key in wanted]


def to_check_details(result: TrialResult) -> list[str]:
    """Every open study-team check as the trial file words it (staff, integrations)."""
    if result.verdict == NOT_A_MATCH:
        return []
    return _unique(p.part.study_team for p in result.study_team_checks)


def reasons(result: TrialResult, language: str = EN) -> list[str]:
    """Why the verdict is what it is, naming the answers that decided it."""
    if result.verdict == NOT_A_MATCH:
        return [_ruled_out(p, language) for p in result.deciding]
    if result.verdict == UNCLEAR:
        return [_still_open(p, language) for p in result.open_parts]
    return []


def for_now(result: TrialResult) -> bool:
    """A trial ruled out only by timing (a wait, a treatment going on now): the verdict holds
    today, and its wording says it may change."""
    deciding = result.deciding
    return bool(deciding) and all(p.part.timing for p in deciding)


def _ruled_out(part: PartResult, language: str = EN) -> str:
    gap, stop = _space(language), _stop(language)
    told = say("told_us", language, answers=_answers_in_words(part, language))
    reason = f"{part.part.summary}{stop}{gap}{told}"
    if part.part.timing:
        reason += f"{gap}{part.part.timing}{gap}{say('may_change', language)}"
    return reason


def _still_open(part: PartResult, language: str = EN) -> str:
    """An open part: answered but not decisive ('not sure', or a 'yes' the study team must
    weigh), or not answered at all."""
    gap, stop = _space(language), _stop(language)
    if part.answers:
        told = say("told_us", language, answers=_answers_in_words(part, language))
        return f"{part.part.summary}{stop}{gap}{told}{gap}{say('team_will_check', language)}"
    return f"{part.part.summary}{stop}{gap}{say('not_answered', language)}"


def _stop(language: str) -> str:
    return "。" if language == "zh" else "."


def _answers_in_words(part: PartResult, language: str = EN) -> str:
    catalog = load_catalog(language=language)
    colon, semicolon = ("：", "；") if language == "zh" else (": ", "; ")
    return semicolon.join(
        f"{catalog[name].label}{colon}{catalog[name].label_of(value)}"
        for name, value in part.answers.items()
    )


def _unique(items: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return list(seen)


def _drop_empty(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}
