"""What the staff pages show, built from stored rows: filters read from a query string, the
transcript as the patient saw it, and each trial's criteria with their source text.

No Flask here: plain functions over the store's rows and the trial files, tested directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog import load_catalog
from bot.engine import STUDY_TEAM, UNKNOWN_STATUS, VERDICTS, rules_out
from bot.storage.base import StorageError
from bot.storage.models import Conversation, TrialResult
from bot.storage.queries import ConversationFilter
from bot.trials import Criterion, Trial, load_trials
from bot.web.patient import INIT_PAYLOAD

CONTENT = Path(__file__).resolve().parent / "content.yaml"
MAX_TEXT = 200  # characters of a free-text search
#: What the chat page sends, unseen, to open a conversation, and Rasa's session start.
HIDDEN_OPENERS = {INIT_PAYLOAD, "/session_start"}


@cache
def words() -> dict[str, Any]:
    return yaml.safe_load(CONTENT.read_text(encoding="utf-8"))


@cache
def trials_by_id() -> dict[str, Trial]:
    return {trial.nct_id: trial for trial in load_trials()}


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
            ("from", "to", "channel", "trial", "verdict", "reviewed", "contact", "q")}
    if form["trial"] and form["trial"] not in trials_by_id():
        raise StorageError("Trial: choose one of the listed trials.")
    if form["verdict"] and form["verdict"] not in VERDICTS:
        raise StorageError("Verdict: choose one of the listed verdicts.")
    if form["reviewed"] not in ("", "yes", "no"):
        raise StorageError("Reviewed: choose any, yes or no.")
    if form["contact"] not in ("", "open"):
        raise StorageError("Asked to talk: choose any or not handled yet.")
    if len(form["q"]) > MAX_TEXT:
        raise StorageError(f"Search: at most {MAX_TEXT} characters.")
    if len(form["channel"]) > 64:
        raise StorageError("Channel: choose one of the listed channels.")
    started_from = _day(form["from"], "From")
    until = _day(form["to"], "To")
    filters = ConversationFilter(
        started_from=started_from,
        started_before=until + timedelta(days=1) if until else None,
        channel=form["channel"] or None,
        nct_id=form["trial"] or None,
        verdict=form["verdict"] or None,
        reviewed={"yes": True, "no": False}.get(form["reviewed"]),
        text=form["q"] or None,
        contact_open=form["contact"] == "open",
    )
    return ListQuery(filters, parse_after(args.get("after")), form)


def _day(raw: str, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(), tzinfo=timezone.utc)
    except ValueError:
        raise StorageError(f"{name}: a date such as 2026-11-25.") from None


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
        raise StorageError("That page link is not valid: start again from the first page.") \
            from None
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
    note: str = ""  # how the text got there: "button", "opened the chat"
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
            turns.append(Turn("session", at, "A new session started"))
    return turns


def _patient_turn(text: str, at: datetime | None, buttons: Mapping[str, str]) -> Turn:
    if text in buttons:
        return Turn("patient", at, buttons[text], note="button")
    if text in HIDDEN_OPENERS:
        return Turn("patient", at, "", note="opened the chat")
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


def facts_in_words(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, answer) in the catalog's order; facts the catalog no longer has come last."""
    catalog = load_catalog()
    known = sorted((catalog[name] for name in facts if name in catalog), key=lambda f: f.order)
    rows = [(fact.label, fact.label_of(facts[fact.name])) for fact in known]
    rows += [(name, str(value)) for name, value in sorted(facts.items()) if name not in catalog]
    return rows


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


def trial_views(rows: Sequence[TrialResult], overrides: Sequence[Any]) -> list[TrialView]:
    latest_override = {o.nct_id: o for o in overrides}  # ordered by id: the last one wins
    return [_trial_view(row, latest_override.get(row.nct_id)) for row in rows]


def _trial_view(row: TrialResult, override: Any) -> TrialView:
    trial = trials_by_id().get(row.nct_id)
    if trial is None:
        return TrialView(row.nct_id, row.nct_id, row.verdict, row.recruiting,
                         row.trial_version, None, [], [], override)
    criteria, checks = [], []
    for criterion in trial.criteria:
        parts = []
        for part in criterion.parts:
            status = row.criteria.get(part.id, UNKNOWN_STATUS)
            parts.append(PartView(part.summary, status, rules_out(criterion, status),
                                  part.study_team))
            if status == STUDY_TEAM and part.study_team and part.study_team not in checks:
                checks.append(part.study_team)
        criteria.append(CriterionView(criterion, parts))
    if row.verdict == "not_a_match":
        checks = []  # as the patient's result: nothing left to check for a trial ruled out
    return TrialView(row.nct_id, trial.short_title, row.verdict, row.recruiting,
                     row.trial_version, trial.version, criteria, checks, override)
