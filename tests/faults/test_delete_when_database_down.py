"""'Delete my data' while the project's database is down, with the real servers over REST.

The conversations live in an SQLite tracker store and the project's tables in PostgreSQL
(DATABASE_URL), which stops accepting connections just before the patient confirms. The
patient is told the deletion did not happen (never that it did), nothing claims otherwise, the
next message while it is still down says it is still waiting and stores nothing more, and the
first message once the database is back deletes everything, everywhere.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.dialogue import say
from devkit.postgres import PostgresServer
from devkit.rest_patient import RestPatient
from devkit.servers import running_servers
from tests.faults.conftest import stored_events, stored_user_texts

SECRET = "my name is Philippa Quentin"


def _connections(server: PostgresServer, url: str, allowed: bool) -> None:
    """Let the database take connections or not (and end the ones it has)."""
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {"true" if allowed else "false"}')
        if not allowed:
            connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
    admin.dispose()


def test_a_deletion_that_cannot_be_done_is_said_and_done_at_the_next_message(
    postgres_server, tmp_path
):
    project_url = postgres_server.create_database()
    tracker_url = f"sqlite:///{tmp_path / 'trackers.db'}"
    env = {"DATABASE_URL": project_url, "TRACKER_DB_URL": tracker_url,
           "RETENTION_AUTO": "false"}  # only the patient's next message retries here
    try:
        with running_servers(tmp_path, env) as servers:
            patient = RestPatient(servers.rasa_url)
            patient.start("self", opening=f"hello, {SECRET}")
            patient.say("Leiomyosarcoma")
            patient.say("delete my data")
            _connections(postgres_server, project_url, allowed=False)

            patient.say("YES")
            said = "\n".join(patient.texts())
            assert say("delete_failed").split(".")[0] in said and "have been deleted" not in said
            events = stored_events(tracker_url, patient.conversation_id)
            assert any(SECRET in (e.get("text") or "") for _, e in events)
            assert {"name": "deletion_pending", "value": True} in [
                {k: e.get(k) for k in ("name", "value")} for kind, e in events if kind == "slot"]

            stored_before = len(events)
            patient.say("hello?")
            assert say("delete_still_pending").split(".")[0] in "\n".join(patient.texts())
            assert len(stored_events(tracker_url, patient.conversation_id)) == stored_before
            assert "hello?" not in stored_user_texts(tracker_url, patient.conversation_id)

            _connections(postgres_server, project_url, allowed=True)
            patient.say("hello again")
            assert "have been deleted" in "\n".join(patient.texts())
            assert stored_events(tracker_url, patient.conversation_id) == []
            engine = sa.create_engine(project_url, future=True)
            with engine.connect() as connection:
                assert connection.execute(sa.text(
                    "SELECT count(*) FROM conversations")).scalar_one() == 0
                assert connection.execute(sa.text(
                    "SELECT count(*) FROM pending_deletions")).scalar_one() == 0
            engine.dispose()
            assert SECRET not in servers.logs()
    finally:
        _connections(postgres_server, project_url, allowed=True)
        postgres_server.drop_database(project_url)
