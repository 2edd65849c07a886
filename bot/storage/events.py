"""Rasa's `events` table (its SQL tracker store), as the project reads and deletes it.

Rasa owns and creates the table; the staff pages read transcripts and search them here,
deletion and retention delete and scan here, and the Rasa server's own tracker store
(rasa_extensions/tracker_store.py) takes its SQLite settings from here. This module imports
nothing else of the project and no Rasa: Rasa silently falls back to an in-memory tracker
store when a custom one cannot be imported, so the less it pulls in, the better.

The slots that mark a conversation's deletion (set by the action server, read by the tracker
store and by the retry of a failed deletion) are named here for the same reason.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

#: The columns the project uses (Rasa's table has intent_name and action_name too).
EVENTS = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                  sa.column("type_name", sa.String), sa.column("timestamp", sa.Float),
                  sa.column("data", sa.Text))

#: Set by the action whose deletion completed: that turn is not saved (domain.yml).
DELETED_SLOT = "data_deleted"
#: Set by the action whose deletion failed: retried until done, later turns not saved.
PENDING_SLOT = "deletion_pending"


def has_table(engine: Engine) -> bool:
    """Rasa creates the table when its server first starts: until then there is nothing."""
    return sa.inspect(engine).has_table("events")


def transcript(engine: Engine, sender_id: str) -> list[dict[str, Any]]:
    """The conversation's events, oldest first, as Rasa wrote them (every session)."""
    if not has_table(engine):
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
            .order_by(EVENTS.c.id)
        ).scalars()
        return [json.loads(row) for row in rows if row]


def senders_saying(engine: Engine, text: str, limit: int) -> list[str]:
    """Senders whose own messages contain `text` (case-insensitive for ASCII), at most
    `limit`. Rasa stores each event as JSON with non-ASCII characters escaped, so the
    escaped spelling is searched too."""
    if not has_table(engine):
        return []
    needle = text.strip()
    patterns = {like_pattern(needle), like_pattern(json.dumps(needle)[1:-1])}
    matches = sa.or_(*(EVENTS.c.data.ilike(p, escape="!") for p in patterns))
    query = (sa.select(EVENTS.c.sender_id).where(EVENTS.c.type_name == "user", matches)
             .distinct().limit(limit))
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def last_event_times(engine: Engine) -> dict[str, float | None]:
    """sender id -> the timestamp of its latest event (retention)."""
    if not has_table(engine):
        return {}
    with engine.connect() as connection:
        return dict(connection.execute(
            sa.select(EVENTS.c.sender_id, sa.func.max(EVENTS.c.timestamp))
            .group_by(EVENTS.c.sender_id)
        ).all())


def senders_marked(engine: Engine, slot: str) -> set[str]:
    """Senders with a slot event setting `slot` to true (in any session)."""
    if not has_table(engine):
        return set()
    query = (sa.select(EVENTS.c.sender_id, EVENTS.c.data)
             .where(EVENTS.c.type_name == "slot", EVENTS.c.data.like(f'%"{slot}"%')))
    found = set()
    with engine.connect() as connection:
        for sender_id, data in connection.execute(query):
            with contextlib.suppress(ValueError, AttributeError):
                event = json.loads(data)
                if event.get("name") == slot and event.get("value") is True:
                    found.add(sender_id)
    return found


def delete_senders(engine: Engine, senders: Sequence[str],
                   within: Session | Connection | None = None) -> int:
    """Delete the senders' events and return how many: in the caller's transaction
    (`within`, when it is on the same database), else in a transaction of its own."""
    if not has_table(engine):
        return 0
    statement = sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(list(senders)))
    if within is not None:
        return within.execute(statement).rowcount or 0
    with engine.begin() as connection:
        return connection.execute(statement).rowcount or 0


def rename_sender(connection: Connection, old: str, new: str) -> None:
    """Give a conversation's events another id (bot/storage/legacy_ids.py)."""
    connection.execute(sa.update(EVENTS).where(EVENTS.c.sender_id == old)
                       .values(sender_id=new))


# --- SQLite ---------------------------------------------------------------------------------


def use_wal(engine: Engine) -> None:
    """On SQLite: write-ahead logging, sync at checkpoints, and secure_delete, for every
    connection the engine opens (Rasa, the action server and the web server share the file).

    Measured with py-spy under `make load`: a third of the Rasa server's time went to saving
    the tracker, half of it in the commit's fsync. In WAL mode with synchronous=NORMAL a commit
    survives the process being killed (the fault tests kill Rasa mid-screening); only a power
    loss or an operating-system crash can lose the last commits, never corrupt the file.
    Readers (the staff pages, the action server) no longer block the writer either. A
    deployment that cannot accept that uses PostgreSQL, as any multi-user one should.
    secure_delete overwrites deleted rows, so 'delete my data' does not leave the text in
    free pages of the file.
    """
    if engine.dialect.name != "sqlite" or sa.event.contains(engine, "connect", _pragmas):
        return
    sa.event.listen(engine, "connect", _pragmas)
    engine.dispose()  # connections opened before the listener get it when reopened


def _pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def checkpoint(engine: Engine) -> None:
    """After a deletion on SQLite: the write-ahead log keeps the pages as they were before
    it, so fold the log into the file (whose deleted rows secure_delete has zeroed) and
    empty it. Nothing to do on other databases."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def like_pattern(text: str) -> str:
    """A LIKE pattern for `text` anywhere, with ! as the escape character."""
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"
