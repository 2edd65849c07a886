"""Revoked website sessions (bot/storage/web_sessions.py) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.storage import db, hooks, migrate, web_sessions
from bot.web_session import new_session_id, session_hash

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def test_a_revoked_id_is_refused_by_its_id_or_conversation_id(db_url):
    migrate.upgrade(db_url)
    ended, other = new_session_id(), new_session_id()
    assert not web_sessions.is_revoked(ended, url=db_url)
    web_sessions.revoke(f"web:{ended}", url=db_url)
    assert web_sessions.is_revoked(ended, url=db_url)
    assert web_sessions.is_revoked(f"web:{ended}", url=db_url)
    assert not web_sessions.is_revoked(other, url=db_url)


def test_only_a_hash_of_the_id_is_stored(db_url):
    migrate.upgrade(db_url)
    session = new_session_id()
    web_sessions.revoke(session, url=db_url)
    with db.engine_for(db_url).connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM revoked_web_sessions")).fetchall()
    assert len(rows) == 1
    assert session not in repr(rows)


def test_revoking_twice_keeps_the_later_expiry_and_the_purge_waits_for_it(db_url):
    migrate.upgrade(db_url)
    session = new_session_id()
    web_sessions.revoke(session, NOW + timedelta(hours=24), url=db_url, now=NOW)
    web_sessions.revoke(session, NOW + timedelta(hours=30), url=db_url, now=NOW)
    web_sessions.revoke(session, NOW + timedelta(hours=2), url=db_url, now=NOW)
    assert web_sessions.purge(url=db_url, now=NOW + timedelta(hours=29)) == 0
    assert web_sessions.is_revoked(session, url=db_url)
    assert web_sessions.purge(url=db_url, now=NOW + timedelta(hours=31)) == 1
    assert not web_sessions.is_revoked(session, url=db_url)


def test_the_default_expiry_outlives_every_proof_issued_before(db_url, monkeypatch):
    monkeypatch.setenv("WEB_SESSION_IDLE_HOURS", "6")
    migrate.upgrade(db_url)
    session = new_session_id()
    web_sessions.revoke(session, url=db_url, now=NOW)
    assert web_sessions.purge(url=db_url, now=NOW + timedelta(hours=5, minutes=59)) == 0
    assert web_sessions.purge(url=db_url, now=NOW + timedelta(hours=6, minutes=1)) == 1


async def test_delete_my_data_revokes_a_website_conversation_only(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    migrate.upgrade(db_url)
    session = new_session_id()
    await hooks.forget_conversation(f"web:{session}")
    assert web_sessions.is_revoked(session, url=db_url)
    await hooks.forget_conversation("rest:someone")
    with db.engine_for(db_url).connect() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM revoked_web_sessions")).scalar()
    assert count == 1


def test_the_revocation_check_reuses_a_pooled_sqlite_connection(tmp_path):
    """The website asks twice a turn; on an SQLite file each ask opened a new connection and
    ran the WAL pragmas (bot/storage/db.py `sqlite_file_pool` says what that cost). The pooled
    connection still sees a revocation made on another connection at once."""
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    migrate.upgrade(url)
    engine = db.engine_for(url)
    connects: list[object] = []
    sa.event.listen(engine, "connect", lambda *_: connects.append(1))
    engine.dispose()  # forget the connections the migration opened
    session = new_session_id()
    for _ in range(5):
        assert not web_sessions.is_revoked(session, url=url)
    with sa.create_engine(url).begin() as other:  # as the action server would, elsewhere
        other.execute(sa.text("INSERT INTO revoked_web_sessions (session_hash, revoked_at, "
                              "expires_at) VALUES (:h, :t, :t)"),
                      {"h": session_hash(session), "t": NOW})
    assert web_sessions.is_revoked(session, url=url)
    assert len(connects) == 1
