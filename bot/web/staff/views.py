"""The staff review pages under /staff: the conversation list, a conversation with its
evidence, the review actions, the CSV export and the weekly summary.

Every view and export is written to the audit log with the account and the time; the review
actions are audited by the store in the same transaction as the change. Pages are plain HTML
forms (no JavaScript), rendered by Jinja with autoescaping, so everything a patient typed is
shown as text, never as markup.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.exceptions import HTTPException

from bot.engine import VERDICTS
from bot.i18n import LANGUAGES
from bot.storage import deletion
from bot.storage.base import StorageError
from bot.storage.models import utcnow
from bot.storage.queries import ConversationFilter
from bot.web.staff import admin, auth, language, present, roles
from bot.web.staff.auth import accounts, actor

PAGE_SIZE = 50
MAX_NOTE = 10_000  # characters (the form's maxlength)
#: What a conversation's public id looks like (bot.storage.models.new_public_id); anything
#: else in a staff URL is answered 404 without a query.
PUBLIC_ID = re.compile(r"[0-9a-f]{20}")
CHANNELS = ("socketio", "rest", "telegram", "facebook", "twilio", "wechat")
SUMMARY_WEEKS = 26
#: The statuses a staff route refuses with; each has its page's words (content `refusals:`).
REFUSALS = (400, 401, 403, 404)

blueprint = Blueprint("staff", __name__, url_prefix="/staff", template_folder="../templates")
auth.register(blueprint)
admin.register(blueprint)
language.register(blueprint)


@blueprint.context_processor
def _permissions() -> dict:
    return {"can": roles.can}


def refusal_page(error: HTTPException) -> tuple[str, int]:
    """A refused request's page in the interface's language (not werkzeug's English one): its
    heading, and the reason given to abort() or the status's own words."""
    refusal = present.words()["refusals"][str(error.code)]
    given = error.description if error.description != type(error).description else None
    return render_template("staff/refused.html", heading=refusal["heading"],
                           reason=given or refusal["says"], status=error.code,
                           staff=g.get("staff")), error.code


for _status in REFUSALS:
    blueprint.register_error_handler(_status, refusal_page)


def store():
    return accounts().store


@blueprint.get("/")
def conversations() -> Response | str:
    try:
        query = present.parse_list_query(request.args)
        rows = store().list_conversations(query.filters, PAGE_SIZE + 1, query.after)
    except StorageError as error:
        return render_template("staff/list.html", **_list_context(), query=None,
                               filter_args={}, error=present.error_text(error), rows=[]), 400
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    store().audit(actor(), "view_list", None, present.filter_detail(query))
    verdicts = store().latest_verdicts([row.id for row in rows])
    filter_args = {k: v for k, v in query.form.items() if v}
    next_page = None
    if more:
        next_page = url_for("staff.conversations", **filter_args,
                            after=present.page_token(rows[-1]))
    return render_template("staff/list.html", **_list_context(), query=query, rows=rows,
                           latest=verdicts, next_page=next_page, filter_args=filter_args,
                           error=None, pending=deletion.pending_deletions(store()))


def _list_context() -> dict:
    return {"trials": present.trials_by_id(), "verdicts": VERDICTS, "channels": CHANNELS,
            "titles": present.short_titles(language.current()),
            "languages": LANGUAGES, "language_names": language.NAMES,
            "words": present.words(), "staff": g.staff}


def _no_conversation() -> str:
    return present.error_text(present.refused("no_conversation"))


#: A review action's ?done=... -> its words in content.yaml `done:` (said once saved).
DONE = {"reviewed": "reviewed", "unreviewed": "unreviewed", "note": "note_added",
        "tags": "tags", "override": "override", "contact": "contact"}


@blueprint.get("/conversations/<public_id>")
def conversation(public_id: str) -> str:
    done = DONE.get(request.args.get("done", ""))
    return _conversation_page(public_id, done=present.words()["done"][done] if done else None)


def _conversation_page(public_id: str, done: str | None = None, error: str | None = None,
                       status: int = 200) -> tuple[str, int]:
    found = store().get_conversation(public_id) if PUBLIC_ID.fullmatch(public_id) else None
    if found is None:
        abort(404, _no_conversation())
    store().audit(actor(), "view_conversation", public_id)
    latest = found.results[-1] if found.results else None
    return render_template(
        "staff/conversation.html", conversation=found, words=present.words(),
        staff=g.staff, verdicts=VERDICTS, done=done, error=error,
        turns=present.transcript(store().transcript_events(found.sender_id)),
        facts=present.facts_in_words(latest.facts, language.current()) if latest else [],
        trials=present.trial_views(latest.trials, found.overrides, language.current())
        if latest else [],
        result_count=len(found.results),
    ), status


@blueprint.post("/conversations/<public_id>/review")
def review(public_id: str) -> Response:
    roles.require("review")
    reviewed = request.form.get("reviewed") != "no"
    return _change(public_id, lambda: store().mark_reviewed(public_id, actor(), reviewed),
                   "reviewed" if reviewed else "unreviewed")


@blueprint.post("/conversations/<public_id>/notes")
def add_note(public_id: str) -> Response:
    roles.require("review")
    text = request.form.get("text", "")
    if len(text) > MAX_NOTE:
        return _conversation_page(public_id, status=400, error=present.not_saved(
            present.refused("note_too_long", count=MAX_NOTE)))
    return _change(public_id, lambda: store().add_note(public_id, actor(), text), "note")


@blueprint.post("/conversations/<public_id>/tags")
def set_tags(public_id: str) -> Response:
    roles.require("review")
    tags = request.form.get("tags", "").split(",")
    return _change(public_id, lambda: store().set_tags(public_id, tags, actor()), "tags")


@blueprint.post("/conversations/<public_id>/override")
def override(public_id: str) -> Response:
    roles.require("override")
    form = request.form
    return _change(public_id, lambda: store().add_override(
        public_id, form.get("trial", ""), form.get("verdict", ""), form.get("reason", ""),
        actor()), "override")


@blueprint.post("/contact-requests/<int:request_id>/done")
def close_contact_request(request_id: int) -> Response:
    roles.require("review")
    public_id = request.form.get("conversation", "")
    return _change(public_id, lambda: store().close_contact_request(request_id, actor(),
                                                                    public_id), "contact")


def _change(public_id: str, operation: Callable[[], object], done: str) -> Response | tuple:
    """Run a review action; then back to the page saying it was saved (redirect, so a reload
    does not repeat it), or the page again saying what was wrong and keeping nothing."""
    try:
        operation()
    except StorageError as error:
        if error.key == "no_conversation":
            abort(404, _no_conversation())
        return _conversation_page(public_id, error=present.not_saved(error), status=400)
    return redirect(url_for("staff.conversation", public_id=public_id, done=done))


@blueprint.get("/export.csv")
def export() -> Response:
    """The CSV of the list's filters. Audited before the first row (so an export is never
    unrecorded), and the entry gets the number of rows sent once the last one is out (or
    the download stopped: then complete is false)."""
    roles.require("export")
    try:
        query = present.parse_list_query(request.args)
    except StorageError as error:
        abort(400, present.error_text(error))
    detail = present.filter_detail(query)
    entry = store().audit(actor(), "export", None, {**detail, "rows": None})
    name = f"screening-results-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(stream_with_context(_counted(_csv_rows(query.filters), entry, detail)),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _counted(lines: Iterator[str], entry: int, detail: dict) -> Iterator[str]:
    """The lines, then the audit entry updated with how many data rows went out."""
    sent, complete = -1, False  # the header is not a row
    try:
        for line in lines:
            yield line
            sent += 1
        complete = True
    finally:
        store().set_audit_detail(entry, {**detail, "rows": max(sent, 0),
                                         "complete": complete})


EXPORT_COLUMNS = ["conversation", "started_at", "channel", "language", "audience", "consent",
                  "reviewed", "reviewed_by", "tags", "contact_requested"]


def _csv_rows(filters: ConversationFilter) -> Iterator[str]:
    trials = list(present.trials_by_id())
    header = EXPORT_COLUMNS + [f"{t} {c}" for t in trials
                               for c in ("verdict", "override", "trial_version")] + ["facts"]
    yield _csv_line(header)
    for page in store().iter_conversations(filters):
        ids = [row.id for row in page]
        results, facts = store().latest_trials(ids), store().latest_facts(ids)
        for row in page:
            overrides = {o.nct_id: o.verdict for o in row.overrides}
            latest = results[row.id]
            yield _csv_line([
                row.public_id, row.started_at.isoformat(), row.channel, row.language or "",
                row.audience or "",
                {True: "yes", False: "no"}.get(row.consent, ""), row.review_status,
                row.reviewed_by or "", " ".join(t.tag for t in row.tags),
                "yes" if row.contact_requests else "no",
                *[value for t in trials for value in (
                    latest[t].verdict if t in latest else "", overrides.get(t, ""),
                    latest[t].trial_version if t in latest else "")],
                _json(facts.get(row.id)),
            ])


def _csv_line(cells: list[str]) -> str:
    """One CSV line; a cell that a spreadsheet would run as a formula is quoted with '."""
    out = io.StringIO()
    csv.writer(out).writerow(["'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c
                              for c in map(str, cells)])
    return out.getvalue()


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


@blueprint.get("/summary")
def summary() -> str:
    since = utcnow() - timedelta(weeks=SUMMARY_WEEKS)
    rows = store().weekly_counts(since)
    store().audit(actor(), "view_summary", None, {"weeks": SUMMARY_WEEKS})
    weeks: dict = {}
    for week, nct_id, verdict, count in rows:
        weeks.setdefault(week, {}).setdefault(nct_id, {})[verdict] = count
    return render_template("staff/summary.html", weeks=weeks, trials=present.trials_by_id(),
                           verdicts=VERDICTS, words=present.words(), staff=g.staff,
                           since=since)
