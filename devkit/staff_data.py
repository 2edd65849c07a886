"""Synthetic conversations in bulk, to measure the staff list at scale.

    .venv/bin/python -m devkit.staff_data --url sqlite:////tmp/big.db --count 100000

migrates the database, fills it with `count` screened conversations (a year of them, several
channels, a tenth reviewed, verdicts from real engine results), then times a page of the staff
list for each filter. Conversations go straight into the project's tables in batches; with
`--transcripts` each also gets a short transcript in Rasa's `events` table (the shape Rasa's
SQL tracker store writes), for the conversation page and the free-text search.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from datetime import datetime, timedelta, timezone

import requests
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from bot.engine import screen
from bot.storage import db, migrate
from bot.storage.models import ContactRequest, Conversation, ScreeningResult, TrialResult
from bot.storage.patient import criteria_statuses
from bot.storage.queries import ConversationFilter
from bot.storage.store import Store
from devkit.patients import PATIENT_A, PATIENT_B, A, B

CHANNELS = ("socketio", "socketio", "socketio", "rest", "telegram", "twilio", "facebook",
            "wechat")
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
BATCH = 5000


def variants() -> list[tuple[dict, list[dict]]]:
    """Facts and their per-trial rows, from the engine, for a spread of verdicts."""
    base = [PATIENT_A, PATIENT_B, {**PATIENT_A, "age": 80}, {**PATIENT_B, "age": 70},
            {"diagnosis": "leiomyosarcoma", "age": 40}, {"diagnosis": "osteosarcoma"},
            {**PATIENT_A, "hiv": True}, {**PATIENT_B, "prior_gemcitabine": True}]
    found = []
    for facts in base:
        trials = [{"nct_id": r.trial.nct_id, "verdict": r.verdict,
                   "recruiting": r.trial.recruiting, "trial_version": r.trial.version,
                   "criteria": criteria_statuses(r)} for r in screen(facts)]
        found.append((facts, trials))
    return found


#: Rasa's tracker-store table, Rasa's own definition (created the same way if missing).
EVENTS = SQLTrackerStore.SQLEvent.__table__
WORDS = ("hello", "yes", "no", "not sure", "my son", "my daughter", "leiomyosarcoma",
         "osteosarcoma", "chemotherapy", "I had surgery last year", "lungs", "tired")


def transcript(sender: str, started: datetime, rng: random.Random) -> list[dict]:
    """About a dozen events: greeting, consent, a few questions and answers, the result."""
    stamp = started.timestamp()
    rows = []

    def add(kind: str, data: dict, **names: str) -> None:
        nonlocal stamp
        stamp += rng.randrange(2, 40)
        rows.append({"sender_id": sender, "type_name": kind, "timestamp": stamp,
                     "intent_name": names.get("intent"), "action_name": names.get("action"),
                     "data": json.dumps({"event": kind, "timestamp": stamp, **data})})

    add("session_started", {})
    add("action", {"name": "action_listen"}, action="action_listen")
    add("user", {"text": "/greet", "input_channel": "socketio"}, intent="greet")
    add("bot", {"text": "Hello! Can I ask you some health questions?", "data": {
        "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No",
                                                              "payload": "/deny"}]}})
    add("user", {"text": "/affirm", "input_channel": "socketio"}, intent="affirm")
    for _ in range(rng.randrange(3, 7)):
        add("bot", {"text": "What type of sarcoma was diagnosed?", "data": {}})
        text = " ".join(rng.sample(WORDS, 2)) + f" {rng.randrange(100000)}"
        add("user", {"text": text, "input_channel": "socketio"}, intent="inform")
    add("bot", {"text": "", "data": {"custom": {"type": "screening_result", "trials": []}}})
    return rows


def public_id(i: int) -> str:
    """Conversation i's public id (20 hex digits, as bot.storage.models.new_public_id)."""
    return f"{i:020x}"


def populate(url: str, count: int, seed: int = 7, transcripts: bool = False) -> None:
    migrate.upgrade(url)
    engine = db.engine_for(url)
    if transcripts:
        EVENTS.create(engine, checkfirst=True)
    rng = random.Random(seed)
    kinds = variants()
    with engine.begin() as connection:
        first = (connection.execute(sa.select(sa.func.max(Conversation.id))).scalar() or 0) + 1
    for offset in range(0, count, BATCH):
        conversations, results, trials, events, contacts = [], [], [], [], []
        for i in range(first + offset, first + min(offset + BATCH, count)):
            started = START + timedelta(seconds=rng.randrange(365 * 86400))
            done = started + timedelta(minutes=rng.randrange(3, 20))
            reviewed = rng.random() < 0.1
            facts, rows = rng.choice(kinds)
            conversations.append({
                "id": i, "sender_id": f"synthetic-{i}", "public_id": public_id(i),
                "channel": rng.choice(CHANNELS),
                "started_at": started, "last_activity_at": done, "consent": True,
                "consent_at": started, "audience": rng.choice(("self", "child", "other")),
                "last_result_at": done, "review_status": "reviewed" if reviewed else "new",
                "reviewed_at": done + timedelta(days=1) if reviewed else None,
                "reviewed_by": "staff:synthetic" if reviewed else None,
            })
            results.append({"id": i, "conversation_id": i, "created_at": done,
                            "audience": "self", "facts": facts, "is_latest": True})
            trials += [{"result_id": i, "conversation_id": i, "created_at": done,
                        "is_latest": True, **row} for row in rows]
            if transcripts:
                events += transcript(f"synthetic-{i}", started, rng)
            if rng.random() < 0.03:  # asked to talk to a person; half of them handled
                handled = rng.random() < 0.5
                contacts.append({"conversation_id": i, "created_at": done, "channel": "rest",
                                 "status": "done" if handled else "open",
                                 "handled_by": "staff:synthetic" if handled else None,
                                 "handled_at": done + timedelta(days=1) if handled else None})
        with engine.begin() as connection:
            connection.execute(sa.insert(Conversation.__table__), conversations)
            connection.execute(sa.insert(ScreeningResult.__table__), results)
            connection.execute(sa.insert(TrialResult.__table__), trials)
            if events:
                connection.execute(sa.insert(EVENTS), events)
            if contacts:
                connection.execute(sa.insert(ContactRequest.__table__), contacts)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in ("conversations", "screening_results"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
        connection.exec_driver_sql("ANALYZE")


FILTERS = {
    "newest, no filter": ConversationFilter(),
    "channel": ConversationFilter(channel="telegram"),
    "not reviewed": ConversationFilter(reviewed=False),
    "reviewed": ConversationFilter(reviewed=True),
    "one month": ConversationFilter(started_from=datetime(2025, 6, 1, tzinfo=timezone.utc),
                                    started_before=datetime(2025, 7, 1, tzinfo=timezone.utc)),
    "trial B possible match": ConversationFilter(nct_id=B, verdict="possible_match"),
    "trial A not a match": ConversationFilter(nct_id=A, verdict="not_a_match"),
    "any possible match": ConversationFilter(verdict="possible_match"),
    "all filters": ConversationFilter(
        started_from=datetime(2025, 3, 1, tzinfo=timezone.utc),
        started_before=datetime(2025, 9, 1, tzinfo=timezone.utc), channel="socketio",
        nct_id=B, verdict="possible_match", reviewed=False),
}


def time_pages(url: str, repeat: int = 5) -> dict[str, float]:
    """Median milliseconds for one page of 50 rows plus their verdicts, per filter; and for
    page 1,000 of the unfiltered list reached by keyset."""
    store = Store(url)
    timings = {}
    for name, filters in FILTERS.items():
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            rows = store.list_conversations(filters, 50)
            store.latest_verdicts([r.id for r in rows])
            samples.append((time.perf_counter() - started) * 1000)
        timings[f"{name} ({len(rows)} rows)"] = statistics.median(samples)
    anchor = page_start(store, 1000)
    if anchor is not None:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            store.list_conversations(ConversationFilter(), 50, tuple(anchor))
            samples.append((time.perf_counter() - started) * 1000)
        timings["page 1,000 by keyset"] = statistics.median(samples)
    return timings


def page_start(store: Store, page: int, size: int = 50) -> tuple[datetime, int] | None:
    """The (started_at, id) keyset position where page `page` (from 0) of the unfiltered
    list starts, or None when the list is shorter."""
    with store.session() as session:
        row = session.execute(
            sa.select(Conversation.started_at, Conversation.id)
            .order_by(Conversation.started_at.desc(), Conversation.id.desc())
            .offset(size * page).limit(1)
        ).one_or_none()
    return None if row is None else (row.started_at, row.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    populate(args.url, args.count)
    print(f"{args.count} conversations in {time.perf_counter() - started:.0f} s")
    for name, ms in time_pages(args.url).items():
        print(f"{ms:8.1f} ms  {name}")


if __name__ == "__main__":
    main()


def staff_signed_in(web_url: str, username: str, password: str) -> tuple[requests.Session,
                                                                          requests.Response]:
    """A requests session signed in on the staff pages over HTTP (the sign-in form's CSRF
    token included), and the page the sign-in landed on."""
    session = requests.Session()
    form = session.get(f"{web_url}/staff/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    landed = session.post(f"{web_url}/staff/login", timeout=30, data={
        "username": username, "password": password, "csrf_token": token})
    return session, landed
