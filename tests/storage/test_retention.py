"""Retention runs by itself: the daily run purges what is old and keeps what is not, and the
scheduler runs it at start and at most once a day across processes, on SQLite and
PostgreSQL. Time is an injected clock: nothing here waits."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.settings import load_settings
from bot.storage import deletion, retention, seen_messages
from bot.storage.accounts import Accounts
from bot.storage.models import (
    AuditEntry,
    RevokedWebSession,
    StaffLoginFailure,
    StaffSession,
)
from bot.storage.patient import ConversationRef
from devkit.patients import PATIENT_A
from tests.storage.helpers import event_rows, save_conversation

NOW = datetime(2027, 6, 1, 3, 0, tzinfo=timezone.utc)
PASSWORD = "a long staff password"


def count(store, model, *where) -> int:
    with store.session() as session:
        return session.execute(
            sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def test_the_daily_run_purges_what_is_old_and_keeps_the_rest(store, db_url):
    settings = replace(load_settings(), retention_days=365, audit_retention_days=2190)
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=10)
    for sender, at in (("rest:old", old), ("rest:recent", recent)):
        save_conversation(db_url, sender, f"I am {sender}", at)
        store.record_result(ConversationRef(sender, "rest", at), PATIENT_A, now=at)
    # a patient's deletion that failed: one recorded, one only marked in the conversation
    save_conversation(db_url, "rest:pending", "delete my data", recent)
    deletion.record_pending(store, "rest:pending", "OperationalError", recent)
    save_conversation(db_url, "rest:marked", "delete my data", recent)
    with store.tracker_engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES "
            "('rest:marked', 'slot', :t, :d)"), {"t": recent.timestamp(), "d":
            '{"event": "slot", "name": "deletion_pending", "value": true}'})
    accounts = Accounts(store)
    accounts.create("coord", PASSWORD)
    accounts.sign_in("coord", PASSWORD, NOW - timedelta(hours=1))  # still live
    accounts.sign_in("coord", PASSWORD, NOW - timedelta(days=2))  # expired by now
    with store.session() as session:
        session.add_all([
            AuditEntry(at=NOW - timedelta(days=2191), actor="staff:x", action="view"),
            AuditEntry(at=NOW - timedelta(days=2000), actor="staff:x", action="view"),
            StaffLoginFailure(address="192.0.2.1", at=NOW - timedelta(hours=1)),
            StaffLoginFailure(address="192.0.2.1", at=NOW - timedelta(minutes=1)),
            RevokedWebSession(session_hash="a" * 64, revoked_at=old,
                              expires_at=NOW - timedelta(seconds=1)),
            RevokedWebSession(session_hash="b" * 64, revoked_at=recent,
                              expires_at=NOW + timedelta(days=1)),
        ])
    seen_messages.claim("twilio", "SM-old", db_url, NOW - timedelta(days=4))
    seen_messages.claim("twilio", "SM-new", db_url, NOW - timedelta(hours=1))

    counts = retention.run_daily(store, settings, NOW)

    assert counts == {"conversations": 1, "staff_sessions": 1, "login_failures": 1,
                      "audit_entries": 1, "seen_messages": 1, "revoked_web_sessions": 1,
                      "pending_deletions_done": 2}
    assert {s for s, _ in event_rows(db_url)} == {"rest:recent"}
    assert store.find_conversation("rest:old") is None and store.find_conversation("rest:recent")
    assert count(store, StaffSession) == 1
    assert count(store, StaffLoginFailure) == 1
    assert count(store, AuditEntry, AuditEntry.at < NOW - timedelta(days=2190)) == 0
    assert count(store, AuditEntry, AuditEntry.at == NOW - timedelta(days=2000)) == 1
    assert count(store, RevokedWebSession) == 1
    assert not seen_messages.claim("twilio", "SM-new", db_url, NOW)  # still remembered
    assert seen_messages.claim("twilio", "SM-old", db_url, NOW)  # forgotten: claimable again
    assert deletion.pending_deletions(store) == []
    [entry] = [e for e in store.audit_entries(limit=500) if e.action == "retention"]
    assert entry.detail["conversations"] == 1 and entry.detail["failed"] == []


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def counting_job(runs: list):
    def job(store, settings, now) -> None:
        runs.append(now)
    return job


def test_the_scheduler_runs_at_start_then_at_most_once_a_day(store):
    settings, clock, runs = load_settings(), Clock(NOW), []
    scheduler = retention.Scheduler(store, settings, clock, "web-1", counting_job(runs))
    stop = threading.Event()
    stop.set()
    scheduler.run(stop)  # a server starting: one tick at once
    assert runs == [NOW]
    for hours in (1, 12, 23):
        clock.now = NOW + timedelta(hours=hours)
        assert scheduler.tick() is False
    clock.now = NOW + timedelta(hours=24)
    assert scheduler.tick() is True
    assert runs == [NOW, NOW + timedelta(hours=24)]


def test_several_processes_run_it_once(store):
    settings, clock, runs = load_settings(), Clock(NOW), []
    schedulers = [retention.Scheduler(store, settings, clock, f"web-{i}", counting_job(runs))
                  for i in range(4)]
    start = threading.Barrier(len(schedulers))
    results = []

    def tick(scheduler) -> None:
        start.wait()
        results.append(scheduler.tick())

    threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True] and len(runs) == 1


def test_a_missed_day_runs_at_start_and_a_failed_or_dead_run_is_taken_over(store):
    settings, clock = load_settings(), Clock(NOW)
    runs: list = []
    first = retention.Scheduler(store, settings, clock, "web-1", counting_job(runs))
    assert first.tick()
    # the servers were down for three days: the next start runs it at once
    clock.now = NOW + timedelta(days=3)
    restarted = retention.Scheduler(store, settings, clock, "web-1b", counting_job(runs))
    assert restarted.tick() and len(runs) == 2

    def failing(store, settings, now) -> None:
        raise RuntimeError("database went away")

    clock.now = NOW + timedelta(days=4, hours=1)
    assert retention.Scheduler(store, settings, clock, "web-2", failing).tick()
    clock.now += timedelta(minutes=30)
    assert not retention.Scheduler(store, settings, clock, "web-3",
                                   counting_job(runs)).tick()
    clock.now += timedelta(minutes=31)  # past RETRY_AFTER
    assert retention.Scheduler(store, settings, clock, "web-3", counting_job(runs)).tick()
    assert len(runs) == 3

    # a process that took the lease and died: the lease runs out, another takes over
    clock.now += timedelta(days=1)
    assert retention.take_lease(store, "dead", clock.now)
    clock.now += timedelta(hours=1)
    assert not retention.Scheduler(store, settings, clock, "web-4",
                                   counting_job(runs)).tick()
    clock.now += retention.LEASE
    assert retention.Scheduler(store, settings, clock, "web-4", counting_job(runs)).tick()
    assert len(runs) == 4


def test_every_tick_retries_pending_deletions(store, db_url):
    save_conversation(db_url, "rest:pending", "delete my data", NOW)
    deletion.record_pending(store, "rest:pending", "OperationalError", NOW)
    clock, runs = Clock(NOW), []
    scheduler = retention.Scheduler(store, load_settings(), clock, "web-1", counting_job(runs))
    scheduler.tick()
    clock.now += timedelta(minutes=10)
    deletion.record_pending(store, "rest:later", "OperationalError", clock.now)
    save_conversation(db_url, "rest:later", "delete my data", clock.now)
    assert scheduler.tick() is False  # not the daily job again...
    assert event_rows(db_url) == [] and deletion.pending_deletions(store) == []  # ...but this
