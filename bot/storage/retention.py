"""Retention that runs by itself: once a day across every process and machine, no cron.

The daily run (`run_daily`) deletes, each step on its own so that one failing does not stop
the others:

- conversations with no patient activity for RETENTION_DAYS (default 365), everywhere
  (bot/storage/deletion.py, the one deletion path);
- staff sessions past their absolute limit, and failed sign-ins older than the throttle's
  window (bot/storage/sign_in.py);
- audit entries older than AUDIT_RETENTION_DAYS (default 2190, six years, as hospital records
  rules expect);
- platform message ids past their replay window (bot/storage/seen_messages.py);
- revoked website session ids whose signed proof has expired (they could not be used anyway);
- pending 'delete my data' requests, including any whose record only the conversation holds.

Who runs it: the web server (`python -m bot.web`, which `make run` and the cluster start)
starts a `Scheduler` thread unless RETENTION_AUTO=false. The thread ticks every TICK (and at
start): each tick retries pending deletions, and runs the daily job if no complete run started
in the last INTERVAL. Only one process runs it: it first takes the `scheduled_jobs` row's
lease with one conditional UPDATE (the database decides, on SQLite and PostgreSQL alike). A
run that fails or dies leaves the job due: a failure is tried again after RETRY_AFTER, a dead
process's lease expires after LEASE. A server that was down for days runs the job when it
starts. The thread never raises into the server; errors are logged without patient data.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.settings import Settings
from bot.storage import deletion, seen_messages, sign_in, web_sessions
from bot.storage.models import AuditEntry, ScheduledJob, utcnow
from bot.storage.store import Store

logger = logging.getLogger(__name__)

JOB = "retention"
ACTOR = "retention"
INTERVAL = timedelta(days=1)
TICK = timedelta(minutes=10)
LEASE = timedelta(hours=2)  # longer than any run; a dead holder's lease runs out
RETRY_AFTER = timedelta(hours=1)

Clock = Callable[[], datetime]


def run_daily(store: Store, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """Every retention step (see the module's docstring); the counts, also audited.
    Raises RuntimeError naming the steps that failed, after running all the others."""
    now = now or utcnow()
    steps: dict[str, Callable[[], int]] = {
        "conversations": lambda: deletion.purge(store, settings.retention_days, ACTOR,
                                                now).conversations,
        "staff_sessions": lambda: sign_in.purge_sessions(store, now),
        "login_failures": lambda: sign_in.purge_login_failures(store, now),
        "audit_entries": lambda: purge_audit(store, settings.audit_retention_days, now),
        "seen_messages": lambda: seen_messages.purge(store.url, now),
        "revoked_web_sessions": lambda: web_sessions.purge(store.url, now),
        "pending_deletions_done": lambda: deletion.retry_pending(store, now, True).done,
    }
    counts, failed = {}, []
    for name, step in steps.items():
        try:
            counts[name] = step()
        except Exception as error:  # each step on its own; the error's kind only
            logger.error("retention: %s failed (%s)", name, type(error).__name__)
            failed.append(name)
    store.audit(ACTOR, "retention" if not failed else "retention_incomplete", None,
                {**counts, "failed": failed, "retention_days": settings.retention_days,
                 "audit_retention_days": settings.audit_retention_days}, now)
    if failed:
        raise RuntimeError(f"retention steps failed: {', '.join(failed)}")
    return counts


def purge_audit(store: Store, older_than_days: int, now: datetime | None = None) -> int:
    """Delete audit entries older than `older_than_days` days; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    with store.session() as session:
        return session.execute(sa.delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount or 0


# --- once a day, across processes -------------------------------------------------------------


def take_lease(store: Store, holder: str, now: datetime) -> bool:
    """Take the daily job if it is due and nobody holds it: one conditional UPDATE, so of
    several processes asking at once exactly one gets it."""
    _ensure_row(store)
    table = ScheduledJob.__table__
    with store.engine.begin() as connection:
        taken = connection.execute(
            table.update().where(
                table.c.name == JOB,
                sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now),
                sa.or_(table.c.last_success_at.is_(None),
                       table.c.last_success_at <= now - INTERVAL),
            ).values(lease_until=now + LEASE, lease_holder=holder[:128])
        ).rowcount
    return taken == 1


def release_lease(store: Store, holder: str, started: datetime, succeeded: bool,
                  now: datetime) -> None:
    """After a run: done for the day, or due again after RETRY_AFTER."""
    table = ScheduledJob.__table__
    values = ({"last_success_at": started, "lease_until": None, "lease_holder": None}
              if succeeded else {"lease_until": now + RETRY_AFTER, "lease_holder": None})
    with store.engine.begin() as connection:
        connection.execute(table.update().where(table.c.name == JOB,
                                                table.c.lease_holder == holder[:128])
                           .values(**values))


def _ensure_row(store: Store) -> None:
    table = ScheduledJob.__table__
    with store.engine.connect() as connection:
        exists = connection.execute(sa.select(table.c.name).where(table.c.name == JOB)).first()
    if exists:
        return
    try:
        with store.engine.begin() as connection:
            connection.execute(table.insert().values(name=JOB))
    except IntegrityError:
        pass  # another process made it first


class Scheduler:
    """Ticks: every tick retries pending deletions and runs the daily job when this process
    gets the lease. The clock is injected (tests move it instead of waiting)."""

    def __init__(self, store: Store, settings: Settings, clock: Clock = utcnow,
                 holder: str | None = None,
                 job: Callable[[Store, Settings, datetime], object] = run_daily) -> None:
        self.store, self.settings, self.clock, self.job = store, settings, clock, job
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    def tick(self) -> bool:
        """One tick; True when this process ran the daily job. Never raises."""
        now = self.clock()
        try:
            deletion.retry_pending(self.store, now)
        except Exception as error:
            logger.error("retention: retrying pending deletions failed (%s)",
                         type(error).__name__)
        try:
            if not take_lease(self.store, self.holder, now):
                return False
        except Exception as error:
            logger.error("retention: could not take the daily lease (%s)", type(error).__name__)
            return False
        succeeded = False
        try:
            self.job(self.store, self.settings, now)
            succeeded = True
        except Exception as error:
            logger.error("retention: the daily run failed (%s); tried again in %s",
                         type(error).__name__, RETRY_AFTER)
        try:
            release_lease(self.store, self.holder, now, succeeded, self.clock())
        except Exception as error:
            logger.error("retention: could not release the lease (%s)", type(error).__name__)
        return True

    def run(self, stop: threading.Event, tick: timedelta = TICK) -> None:
        """Tick at once, then every `tick` until `stop` is set."""
        self.tick()
        while not stop.wait(tick.total_seconds()):
            self.tick()


def start_in_background(settings: Settings, store: Store | None = None) -> threading.Event:
    """The web server's retention thread (a daemon: it never holds the server up at exit).
    Returns the event that stops it."""
    stop = threading.Event()
    scheduler = Scheduler(store or Store(), settings)
    thread = threading.Thread(target=scheduler.run, args=(stop,), name="retention",
                              daemon=True)
    thread.start()
    logger.info("retention: daily, conversations after %d days, audit entries after %d days",
                settings.retention_days, settings.audit_retention_days)
    return stop
