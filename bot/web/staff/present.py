"""What the staff pages show, built from stored rows: filters read from a query string, the
transcript as the patient saw it, and each trial's criteria with their source text.

No Flask here: plain functions over the store's rows and the trial files, tested directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

from bot import i18n
from bot.catalog import load_catalog
from bot.engine import STUDY_TEAM, UNKNOWN_STATUS, VERDICTS, rules_out
from bot.storage.base import StorageError
from bot.storage.models import Conversation, TrialResult
from bot.storage.queries import ConversationFilter
from bot.trials import Criterion, Trial, load_trials
from bot.values import UNKNOWN
from bot.web.patient import INIT_PAYLOAD

CONTENT = "bot/web/staff/content.yaml"
MAX_TEXT = 200  # characters of a free-text search
#: What the chat page sends, unseen, to open a conversation, and Rasa's session start.
HIDDEN_OPENERS = {INIT_PAYLOAD, "/session_start"}


def words(language: str | None = None) -> dict[str, Any]:
    """The staff pages' words in `language`, by default the interface's (staff/language.py)."""
    from bot.web.staff import language as interface

    return _words(language or interface.current())


@cache
def _words(language: str) -> dict[str, Any]:
    return i18n.load(CONTENT, language)


@cache
def trials_by_id() -> dict[str, Trial]:
    return {trial.nct_id: trial for trial in load_trials()}


def short_titles(language: str) -> dict[str, str]:
    """Each trial's short title in `language` (the filter's choices), English where untranslated."""
    return {nct_id: translated_trial(nct_id, language).get("short_title") or trial.short_title
            for nct_id, trial in trials_by_id().items()}


# --- refusals -----------------------------------------------------------------------------


def refused(key: str, **values: object) -> StorageError:
    """A refusal of the pages' own (a filter, a form), worded later by `error_text`."""
    return StorageError(key, key=key, **values)


def error_text(error: StorageError, language: str | None = None) -> str:
    """Why `error` refused, in `language` (default: the interface's) from content `errors:`;
    an error without a known key falls back to its own (English) message."""
    wording = words(language)["errors"].get(error.key)
    return wording.format(**error.values) if wording else str(error)


def not_saved(error: StorageError, language: str | None = None) -> str:
    """"Not saved: <why>." for a form whose change was refused."""
    return words(language)["messages"]["not_saved"].format(reason=error_text(error, language))


# --- filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """The list page's query string, checked: the filter, the page position, and the values
    to put back in the form."""

    filters: ConversationFilter
    after: tuple[datetime, int] | None
    form: dict[str, str]


def parse_list_query(args: Mapping[str, str]) -> ListQuery:
    """Read the filters; a value that makes no sense raises StorageError naming the field."""
    form = {key: (args.get(key) or "").strip() for key in
            ("from", "to", "channel", "language", "trial", "verdict", "reviewed", "contact", "q")}
    if form["trial"] and form["trial"] not in trials_by_id():
        raise refused("filter_trial")
    if form["verdict"] and form["verdict"] not in VERDICTS:
        raise refused("filter_verdict")
    if form["reviewed"] not in ("", "yes", "no"):
        raise refused("filter_reviewed")
    if form["contact"] not in ("", "open"):
        raise refused("filter_contact")
    if len(form["q"]) > MAX_TEXT:
        raise refused("filter_search", count=MAX_TEXT)
    if form["language"] and form["language"] not in i18n.LANGUAGES:
        raise refused("filter_language")
    if len(form["channel"]) > 64:
        raise refused("filter_channel")
    started_from = _day(form["from"], refused("filter_from"))
    until = _day(form["to"], refused("filter_to"))
    filters = ConversationFilter(
        started_from=started_from,
        started_before=until + timedelta(days=1) if until else None,
        channel=form["channel"] or None,
        language=form["language"] or None,
        nct_id=form["trial"] or None,
        verdict=form["verdict"] or None,
        reviewed={"yes": True, "no": False}.get(form["reviewed"]),
        text=form["q"] or None,
        contact_open=form["contact"] == "open",
    )
    return ListQuery(filters, parse_after(args.get("after")), form)


def _day(raw: str, refusal: StorageError) -> datetime | None:
    """A date filter; a bad one raises `refusal` (which names the field)."""
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(), tzinfo=timezone.utc)
    except ValueError:
        raise refusal from None


def page_token(row: Conversation) -> str:
    """Where the next page starts: after this row (keyset paging)."""
    return f"{row.started_at.isoformat()}_{row.id}"


def parse_after(raw: str | None) -> tuple[datetime, int] | None:
    if not raw:
        return None
    stamp, _, row_id = raw.rpartition("_")
    try:
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not row_id.isdigit():
            raise ValueError
    except ValueError:
        raise refused("page_link") from None
    return when, int(row_id)


def filter_detail(query: ListQuery) -> dict[str, str]:
    """The filters in use, for the audit log (the free text is not patient text, but it may
    name one: only whether a search was made is kept)."""
    detail = {k: v for k, v in query.form.items() if v and k != "q"}
    if query.form["q"]:
        detail["q"] = "(text search)"
    return detail


# --- the transcript -----------------------------------------------------------------------


@dataclass
class Turn:
    speaker: str  # "patient", "assistant", "session"
    at: datetime | None
    text: str = ""
    buttons: list[str] = field(default_factory=list)
    note: str = ""  # how the text got there, a ui: key: "turn_button", "turn_opened"
    result: list[dict[str, Any]] = field(default_factory=list)  # result cards, per trial


def transcript(events: Sequence[Mapping[str, Any]]) -> list[Turn]:
    """The conversation as the patient saw it: their messages (a button press shown as the
    button's label), the assistant's messages with their buttons and result cards, and
    where a new session began."""
    turns: list[Turn] = []
    buttons: dict[str, str] = {}  # payload -> title of the buttons last shown
    for event in events:
        kind, at = event.get("event"), _time(event.get("timestamp"))
        if kind == "user":
            turns.append(_patient_turn(str(event.get("text") or ""), at, buttons))
        elif kind == "bot":
            turn = _assistant_turn(event, at)
            buttons = {b["payload"]: b["title"] for b in _buttons(event)}
            turns.append(turn)
        elif kind == "session_started" and turns:
            turns.append(Turn("session", at))
    return turns


def _patient_turn(text: str, at: datetime | None, buttons: Mapping[str, str]) -> Turn:
    if text in buttons:
        return Turn("patient", at, buttons[text], note="turn_button")
    if text in HIDDEN_OPENERS:
        return Turn("patient", at, "", note="turn_opened")
    return Turn("patient", at, text)


def _assistant_turn(event: Mapping[str, Any], at: datetime | None) -> Turn:
    data = event.get("data") or {}
    custom = data.get("custom") if isinstance(data, Mapping) else None
    cards = []
    if isinstance(custom, Mapping) and isinstance(custom.get("trials"), list):
        cards = [t for t in custom["trials"] if isinstance(t, Mapping)]
    return Turn("assistant", at, str(event.get("text") or ""),
                buttons=[b["title"] for b in _buttons(event)], result=cards)


def _buttons(event: Mapping[str, Any]) -> list[dict[str, str]]:
    data = event.get("data") or {}
    raw = data.get("buttons") if isinstance(data, Mapping) else None
    return [{"payload": str(b.get("payload", "")), "title": str(b.get("title", ""))}
            for b in raw or [] if isinstance(b, Mapping)]


def _time(stamp: Any) -> datetime | None:
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, timezone.utc)
    return None


# --- facts and criteria -------------------------------------------------------------------


def facts_in_words(facts: Mapping[str, Any],
                   language: str = i18n.DEFAULT_LANGUAGE) -> list[tuple[str, str]]:
    """(label, answer) in the catalog's order, in `language`; facts the catalog no longer has
    come last, as stored."""
    catalog = load_catalog()
    known = sorted((catalog[name] for name in facts if name in catalog), key=lambda f: f.order)
    rows = [(language != i18n.DEFAULT_LANGUAGE and _fact_words(fact.name, facts[fact.name],
                                                               language))
            or (fact.label, fact.label_of(facts[fact.name])) for fact in known]
    rows += [(name, str(value)) for name, value in sorted(facts.items()) if name not in catalog]
    return rows


def _fact_words(name: str, value: Any, language: str) -> tuple[str, str] | None:
    """A fact and its answer in the translated facts file's words (None: not translated)."""
    fact = _translated_facts(language).get(name)
    if not fact or not fact.get("label"):
        return None
    answers = words(language)["answers"]
    if value == UNKNOWN:
        return fact["label"], answers["unknown"]
    if isinstance(value, bool):
        return fact["label"], answers["yes" if value else "no"]
    labels = {v.get("value"): v.get("label") for v in fact.get("values") or []}
    return fact["label"], str(labels.get(value) or value)


@cache
def _translated_facts(language: str) -> dict[str, Mapping[str, Any]]:
    return {fact["name"]: fact for fact in i18n.load("bot/content/facts.yaml", language)["facts"]}


@dataclass(frozen=True)
class PartView:
    summary: str
    status: str
    rules_out: bool
    study_team: str | None


@dataclass(frozen=True)
class CriterionView:
    criterion: Criterion
    parts: list[PartView]

    @property
    def rules_out(self) -> bool:
        return any(p.rules_out for p in self.parts)


@dataclass(frozen=True)
class TrialView:
    nct_id: str
    title: str
    verdict: str
    recruiting: bool
    trial_version: str
    current_version: str | None  # None: the trial is no longer in the data
    criteria: list[CriterionView]
    open_checks: list[str]
    override: Any = None  # the latest VerdictOverride for this trial, if any

    @property
    def version_changed(self) -> bool:
        return self.current_version != self.trial_version


def trial_views(rows: Sequence[TrialResult], overrides: Sequence[Any],
                language: str = i18n.DEFAULT_LANGUAGE) -> list[TrialView]:
    """Each trial's evidence; the criteria's parts summarised in `language` (the registry's
    text of each criterion stays the record's English)."""
    latest_override = {o.nct_id: o for o in overrides}  # ordered by id: the last one wins
    return [_trial_view(row, latest_override.get(row.nct_id), language) for row in rows]


@cache
def translated_trial(nct_id: str, language: str) -> dict[str, Any]:
    """The trial file in `language` (its overlay on the English), or {} when there is none
    (a trial from another TRIALS_DIR)."""
    try:
        return i18n.load(f"bot/content/trials/{nct_id}.yaml", language)
    except OSError:
        return {}


def part_words(nct_id: str, language: str) -> dict[tuple[str, int, int], tuple[str, str | None]]:
    """(kind, criterion number, part position) -> (summary, study-team check) in `language`,
    from the trial file's translation overlay (English where it has none)."""
    data = translated_trial(nct_id, language)
    return {(kind, criterion["number"], index): (part.get("summary", ""), part.get("study_team"))
            for kind in ("inclusion", "exclusion") for criterion in data.get(kind) or []
            for index, part in enumerate(criterion.get("parts") or [])}


def _trial_view(row: TrialResult, override: Any, language: str) -> TrialView:
    trial = trials_by_id().get(row.nct_id)
    if trial is None:
        return TrialView(row.nct_id, row.nct_id, row.verdict, row.recruiting,
                         row.trial_version, None, [], [], override)
    words = part_words(trial.nct_id, language)
    criteria, checks = [], []
    for criterion in trial.criteria:
        parts = []
        for index, part in enumerate(criterion.parts):
            status = row.criteria.get(part.id, UNKNOWN_STATUS)
            summary, study_team = words.get((criterion.kind, criterion.number, index),
                                            (part.summary, part.study_team))
            study_team = study_team if part.study_team else None
            parts.append(PartView(summary or part.summary, status, rules_out(criterion, status),
                                  study_team))
            if status == STUDY_TEAM and study_team and study_team not in checks:
                checks.append(study_team)
        criteria.append(CriterionView(criterion, parts))
    if row.verdict == "not_a_match":
        checks = []  # as the patient's result: nothing left to check for a trial ruled out
    title = translated_trial(trial.nct_id, language).get("short_title") or trial.short_title
    return TrialView(row.nct_id, title, row.verdict, row.recruiting,
                     row.trial_version, trial.version, criteria, checks, override)
