"""The real servers write to the database and 'delete my data' deletes it, on SQLite and on
PostgreSQL (Rasa's tracker store and the project's tables in the same database, as deployed).

Both server sets start at once (module scope) to halve the wait for the Rasa model to load.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from bot.engine import screen
from bot.storage import db, migrate
from bot.storage.accounts import Accounts
from bot.storage.store import Store
from devkit.patients import PATIENT_A
from devkit.rest_patient import RestPatient
from devkit.servers import Servers, running_servers
from devkit.staff_data import staff_signed_in
from tests.storage.helpers import event_rows, rows_mentioning

pytestmark = pytest.mark.servers

SECRET = "Zebulon Quartermaine"


@dataclass(frozen=True)
class Live:
    servers: Servers
    url: str

    def patient(self) -> RestPatient:
        return RestPatient(self.servers.rasa_url)


@pytest.fixture(scope="module")
def live(postgres_server, tmp_path_factory) -> Iterator[dict[str, Live]]:
    urls = {
        "sqlite": f"sqlite:///{tmp_path_factory.mktemp('e2e-sqlite') / 'trackers.db'}",
        "postgresql": postgres_server.create_database(),
    }
    for url in urls.values():
        migrate.upgrade(url)  # what the set-up does before the servers start
    contexts, started, errors = {}, {}, {}

    def start(name: str) -> None:
        try:
            data_dir = tmp_path_factory.mktemp(f"e2e-{name}-data")
            env = {"TRACKER_DB_URL": urls[name], "DATABASE_URL": urls[name]}
            contexts[name] = running_servers(data_dir, extra_env=env)
            started[name] = Live(contexts[name].__enter__(), urls[name])
        except BaseException as error:  # reported below, after both tried
            errors[name] = error

    _in_parallel(start, urls)
    try:
        if errors:
            raise next(iter(errors.values()))
        yield started
    finally:
        _in_parallel(lambda name: contexts[name].__exit__(None, None, None), started)
        db.dispose_all()
        postgres_server.drop_database(urls["postgresql"])


def _in_parallel(function, names) -> None:
    threads = [threading.Thread(target=function, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, live) -> Live:
    return live[request.param]


def test_the_action_server_stores_the_result_and_the_store_reads_it(server):
    patient = server.patient()
    patient.start("self")
    patient.answer_all(PATIENT_A)
    shown = patient.result()
    assert shown is not None

    conversation = Store(server.url).find_conversation(patient.conversation_id)
    assert conversation is not None, server.servers.logs()[-3000:]
    assert (conversation.channel, conversation.consent, conversation.audience) == (
        "rest", True, "self")
    [result] = conversation.results
    assert result.is_latest and result.audience == "self"
    assert result.facts and all(PATIENT_A[k] == v for k, v in result.facts.items())
    stored = {t.nct_id: t for t in result.trials}
    assert {nct: t.verdict for nct, t in stored.items()} == patient.verdicts()
    for trial in shown["trials"]:
        assert stored[trial["nct_id"]].trial_version == trial["trial_version"]
    for engine_result in screen(result.facts):
        row = stored[engine_result.trial.nct_id]
        assert row.criteria == {p.part.id: p.status for p in engine_result.parts}
    assert "storage:" not in server.servers.logs()  # no storage failure was logged


def test_talk_to_a_person_is_recorded_as_a_contact_request(server):
    patient = server.patient()
    patient.start("child")
    patient.say("I want to talk to a person")
    conversation = Store(server.url).find_conversation(patient.conversation_id)
    assert conversation.audience == "child"
    assert [r.status for r in conversation.contact_requests] == ["open"]


def test_delete_my_data_removes_the_conversation_everywhere(server):
    patient = server.patient()
    patient.start("self", opening=f"hello, I am {SECRET}")
    patient.answer_all(PATIENT_A)
    patient.say("can I talk to a person")
    store = Store(server.url)
    conversation = store.find_conversation(patient.conversation_id)
    assert conversation.results and conversation.contact_requests
    assert any(SECRET in data for _, data in event_rows(server.url, patient.conversation_id))

    asked = patient.say("delete my data")
    assert "Type YES to confirm" in "\n".join(m.get("text", "") for m in asked)
    assert store.find_conversation(patient.conversation_id).results  # nothing before YES
    patient.say("YES")

    assert "have been deleted" in "\n".join(patient.texts())
    assert event_rows(server.url, patient.conversation_id) == []
    assert not any(SECRET in data for _, data in event_rows(server.url))
    assert rows_mentioning(server.url, patient.conversation_id, conversation.id) == []
    deletions = [e for e in store.audit_entries() if e.action == "delete_conversation"]
    assert deletions and all(e.conversation is None for e in deletions)
    assert deletions[0].actor == "patient"

    # the next message starts a new, empty conversation
    patient.say("hello")
    assert patient.asked() == "consent"
    rows = event_rows(server.url, patient.conversation_id)
    assert rows and not any(SECRET in data for _, data in rows)
    slots = [json.loads(data) for _, data in rows]
    assert not [e for e in slots if e.get("event") == "slot" and e.get("name") == "diagnosis"]
    assert store.find_conversation(patient.conversation_id) is None
    logs = server.servers.logs()
    assert "conversation deleted at the patient's request" in logs
    assert SECRET not in logs and patient.conversation_id not in logs


def test_the_review_pages_show_what_the_action_server_stored(server):
    """Over real HTTP: a screening over REST, then a staff member signs in on the web server
    and finds it by trial and verdict, and reads the transcript beside the verdicts."""
    patient = server.patient()
    patient.start("self")
    patient.say(f"My name is {SECRET}")
    patient.answer_all(PATIENT_A)
    verdicts = patient.verdicts()
    nct_id, verdict = next(iter(verdicts.items()))
    store = Store(server.url)
    Accounts(store).create("coordinator", "review password 1", role="coordinator")
    public_id = store.find_conversation(patient.conversation_id).public_id

    staff, signed_in = staff_signed_in(server.servers.web_url, "coordinator",
                                       "review password 1")
    base = f"{server.servers.web_url}/staff"
    assert signed_in.ok and "Conversations" in signed_in.text
    listed = staff.get(f"{base}/", params={"trial": nct_id, "verdict": verdict}, timeout=30)
    assert f"/staff/conversations/{public_id}" in listed.text
    assert patient.conversation_id not in listed.text
    page = staff.get(f"{base}/conversations/{public_id}", timeout=30).text
    assert SECRET in page  # the transcript, from Rasa's events table
    assert nct_id in page and "Every criterion" in page
    assert requests.get(f"{base}/conversations/{public_id}", timeout=30,
                        allow_redirects=False).status_code == 302  # no session, no page
