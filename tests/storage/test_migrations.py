"""The project's tables come from versioned migrations: up from empty, idempotent, and equal
to the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.storage import db, migrate
from bot.storage.models import Base

TABLES = {"conversations", "screening_results", "trial_results", "review_notes",
          "conversation_tags", "verdict_overrides", "contact_requests", "audit_log",
          "staff_accounts", "staff_sessions", "seen_platform_messages", "revoked_web_sessions",
          "staff_login_failures", "pending_deletions", "scheduled_jobs"}


def test_migrate_from_empty_creates_every_table_and_index(db_url):
    engine = db.engine_for(db_url)
    assert migrate.current(engine) is None
    before, after = migrate.upgrade(db_url)
    assert (before, after) == (None, migrate.head())
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) >= TABLES
    indexes = {i["name"] for t in TABLES for i in inspector.get_indexes(t)}
    assert {"ix_conversations_started_at", "ix_conversations_channel_started_at",
            "ix_conversations_review_status_started_at",
            "ix_trial_results_nct_id_verdict_is_latest_created_at",
            "ix_trial_results_conversation_id_is_latest_nct_id_verdict",
            "ix_audit_log_at"} <= indexes


def test_migrate_again_changes_nothing(db_url):
    migrate.upgrade(db_url)
    engine = db.engine_for(db_url)
    schema = _schema(engine)
    assert migrate.upgrade(db_url) == (migrate.head(), migrate.head())
    assert _schema(engine) == schema
    assert migrate.is_current(engine)


def test_the_migrations_build_exactly_the_models(db_url):
    """A model changed without a migration (or the reverse) fails here."""
    migrate.upgrade(db_url)
    with db.engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert [d for d in differences if not _is_foreign_table(d)] == []


def test_migrations_leave_rasas_events_table_alone(db_url):
    engine = db.engine_for(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)")
        connection.exec_driver_sql("INSERT INTO events VALUES (1, 'a', '{}')")
    migrate.upgrade(db_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM events").scalar() == 1


def _is_foreign_table(difference) -> bool:
    """Tables that are not ours (Alembic's version table) show up as 'remove_table'."""
    return difference[0] == "remove_table" and difference[1].name not in Base.metadata.tables


def _schema(engine) -> dict:
    inspector = sa.inspect(engine)
    return {
        table: (sorted(c["name"] for c in inspector.get_columns(table)),
                sorted(i["name"] for i in inspector.get_indexes(table)))
        for table in sorted(inspector.get_table_names())
    }


def test_0004_gives_existing_rows_public_ids_audit_entries_and_admin_roles(db_url):
    """Rows stored before 0004: each conversation gets its own random public id, audit
    entries name it instead of the sender id (an entry of a conversation already deleted is
    cleared), and existing staff accounts become admins so nobody is locked out."""
    migrate.upgrade(db_url, "0003")
    engine = db.engine_for(db_url)
    now = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        for sender in ("rest:a", "rest:b"):
            connection.execute(sa.text(
                "INSERT INTO conversations (sender_id, channel, started_at, last_activity_at, "
                "review_status) VALUES (:s, 'rest', :t, :t, 'new')"), {"s": sender, "t": now})
        for sender in ("rest:a", "rest:gone", None):
            connection.execute(sa.text(
                "INSERT INTO audit_log (at, actor, action, conversation) "
                "VALUES (:t, 'staff:x', 'view', :s)"), {"s": sender, "t": now})
        connection.execute(sa.text(
            "INSERT INTO staff_accounts (username, password_hash, created_at, "
            "password_changed_at) VALUES ('old', 'x', :t, :t)"), {"t": now})
    migrate.upgrade(db_url)
    with engine.connect() as connection:
        ids = dict(connection.execute(
            sa.text("SELECT sender_id, public_id FROM conversations")).all())
        audit = [row[0] for row in connection.execute(
            sa.text("SELECT conversation FROM audit_log ORDER BY id"))]
        role = connection.execute(sa.text("SELECT role FROM staff_accounts")).scalar_one()
    assert len(set(ids.values())) == 2 and all(len(v) == 20 for v in ids.values())
    assert audit == [ids["rest:a"], None, None]
    assert role == "admin"
