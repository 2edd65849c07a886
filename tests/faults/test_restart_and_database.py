"""The Rasa server killed mid-screening (SQLite and PostgreSQL), and the database stopped
mid-screening (PostgreSQL), with the real servers over REST.

After a restart the patient goes on at the same question with every earlier answer kept. While
the database is down every message gets the 'not saved' reply from conversation.yaml, the Rasa
log says why, nothing of those messages is stored, and once the database is back the
conversation goes on from the last saved question with every earlier answer.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.dialogue import content, say
from devkit.patients import PATIENT_A, A, B
from devkit.postgres import PostgresServer, as_cluster_owner, postgres_bin
from devkit.rest_patient import RestPatient
from devkit.servers import Servers, running_servers
from tests.faults.conftest import stored_slots, stored_user_texts

EXPECTED = {A: "possible_match", B: "not_a_match"}
NOT_SAVED = say("not_saved")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trackers.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


def _env(db_url: str) -> dict[str, str]:
    return {"TRACKER_DB_URL": db_url, "DATABASE_URL": db_url}


def _answer_some(patient: RestPatient, count: int) -> tuple[str, str]:
    """Answer `count` questions; returns the next question's slot and the patient's answer."""
    for _ in range(count):
        patient.say(patient.answer_for(patient.asked(), PATIENT_A, {}))
    slot = patient.asked()
    assert slot not in (None, "consent", "audience"), patient.dump()
    return slot, patient.answer_for(slot, PATIENT_A, {})


def _rasa_pid(servers: Servers) -> int:
    """The Rasa server's process (scripts/run.py's child), found by its port."""
    port = servers.rasa_url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rasa_extensions" in argv and b"run" in argv and port.encode() in argv:
            return int(entry.name)
    raise AssertionError(f"no Rasa server process on port {port}")


def _finish_and_check(patient: RestPatient, db_url: str, slot: str, answer: str) -> None:
    patient.say(answer)
    assert patient.asked() not in (slot, None), patient.dump()
    assert stored_slots(db_url, patient.conversation_id)[slot] == PATIENT_A[slot]
    patient.answer_all(PATIENT_A)
    assert patient.verdicts() == EXPECTED


def test_rasa_killed_mid_screening_goes_on_at_the_same_question(db_url, tmp_path):
    with running_servers(tmp_path / "before", _env(db_url)) as servers:
        patient = RestPatient(servers.rasa_url)
        patient.start("self")
        slot, answer = _answer_some(patient, 4)
        before = stored_slots(db_url, patient.conversation_id)
        said = stored_user_texts(db_url, patient.conversation_id)
        os.kill(_rasa_pid(servers), signal.SIGKILL)  # no chance to save or clean up
        with pytest.raises(OSError):
            patient.say(answer)
    assert before["requested_slot"] == slot and len(said) == 7  # hello, consent, who, 4 answers

    with running_servers(tmp_path / "after", _env(db_url)) as servers:
        patient.base_url = servers.rasa_url
        resumed = len(patient.transcript)
        assert stored_slots(db_url, patient.conversation_id) == before
        _finish_and_check(patient, db_url, slot, answer)
        assert stored_user_texts(db_url, patient.conversation_id)[: len(said)] == said
        later = [text for _, replies in patient.transcript[resumed:]
                 for text in patient.texts(replies)]
        assert content()["greeting"] not in later  # not greeted as a stranger


# --- the database unreachable for a while --------------------------------------------------------


@contextmanager
def database_stopped(server: PostgresServer) -> Iterator[None]:
    """Stop the throwaway PostgreSQL server (clients are cut off), start it again on exit."""
    admin = sa.create_engine(server.url(), future=True)
    with admin.connect() as connection:
        data = Path(connection.exec_driver_sql("SHOW data_directory").scalar_one())
    admin.dispose()
    prefix, _ = as_cluster_owner()
    pg_ctl = str(postgres_bin() / "pg_ctl")
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
                   check=True, capture_output=True, timeout=60)
    try:
        yield
    finally:
        options = (f"-p {server.port} -k {data.parent} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-l", str(data.parent / "server.log"),
                        "-o", options, "-w", "-t", "60", "start"],
                       check=True, capture_output=True, timeout=90)


def test_database_down_mid_screening_drops_nothing_silently(postgres_server, tmp_path):
    url = postgres_server.create_database()
    secret = "Zebulon Quartermaine has osteosarcoma"
    try:
        with running_servers(tmp_path / "servers", _env(url)) as servers:
            patient = RestPatient(servers.rasa_url)
            patient.start("self")
            slot, answer = _answer_some(patient, 3)
            before = stored_slots(url, patient.conversation_id)
            said = stored_user_texts(url, patient.conversation_id)
            newcomer = RestPatient(servers.rasa_url)

            with database_stopped(postgres_server):
                assert patient.texts(patient.say(answer)) == [NOT_SAVED]
                assert patient.texts(patient.say(secret)) == [NOT_SAVED]
                # a new conversation is not started in its place
                assert newcomer.texts(newcomer.say("hello")) == [NOT_SAVED]

            logs = servers.logs()
            assert "message not saved and not used" in logs
            assert "could not read the conversation: OperationalError" in logs
            assert "Zebulon" not in logs
            # nothing of the outage is stored, and everything before it is
            assert stored_slots(url, patient.conversation_id) == before
            assert stored_user_texts(url, patient.conversation_id) == said
            # back: the very first message works (no dead pooled connection), at the same
            # question
            _finish_and_check(patient, url, slot, answer)
            assert newcomer.asked(newcomer.say("hello")) == "consent"
    finally:
        postgres_server.drop_database(url)
