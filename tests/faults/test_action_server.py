"""The action server down, slow or failing, with the real Rasa and action servers over REST.

A proxy (proxy.py) sits between the Rasa server and the action server and refuses, delays or
fails the calls. The patient must get the 'try again shortly' message from
bot/content/conversation.yaml, the conversation must stay at the same question with every
earlier answer kept, and once the action server is back the screening must go on and end with
the right result.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.dialogue import content, say
from bot.values import CLOSED_CHOICE, CLOSED_GO_ON
from devkit.patients import PATIENT_A, A, B
from devkit.rest_patient import RestPatient
from devkit.servers import Servers, free_port, running_servers
from tests.faults.conftest import stored_slots, stored_user_texts
from tests.faults.proxy import ActionServerProxy

TIMEOUT = 2.0  # ACTION_TIMEOUT_SECONDS for these servers
EXPECTED = {A: "possible_match", B: "not_a_match"}
NOTICE = say("try_again_shortly")


@dataclass(frozen=True)
class Proxied:
    servers: Servers
    proxy: ActionServerProxy

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.servers.data_dir / 'trackers.db'}"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory) -> Iterator[Proxied]:
    proxy = ActionServerProxy(free_port())
    env = {"ACTION_SERVER_URL": proxy.url, "ACTION_TIMEOUT_SECONDS": str(TIMEOUT)}
    try:
        with running_servers(tmp_path_factory.mktemp("faults-action"), env) as servers:
            proxy.upstream = servers.action_url
            yield Proxied(servers, proxy)
    finally:
        proxy.down()


@pytest.fixture
def proxy(proxied) -> Iterator[ActionServerProxy]:
    proxied.proxy.forward()
    yield proxied.proxy
    proxied.proxy.forward()


@dataclass(frozen=True)
class PartWay:
    """A patient who has consented and answered a few questions, and the open question."""

    patient: RestPatient
    slot: str  # the question asked last
    answer: str  # the patient's answer to it
    before: dict  # the stored slots, with requested_slot == slot


def _part_way(proxied: Proxied, answers: int = 3) -> PartWay:
    patient = RestPatient(proxied.servers.rasa_url)
    patient.start("self")
    for _ in range(answers):
        patient.say(patient.answer_for(patient.asked(), PATIENT_A, {}))
    slot = patient.asked()
    assert slot not in (None, "consent", "audience"), patient.dump()
    before = stored_slots(proxied.db_url, patient.conversation_id)
    assert before["requested_slot"] == slot
    return PartWay(patient, slot, patient.answer_for(slot, PATIENT_A, {}), before)


def _told_to_try_again(proxied: Proxied, at: PartWay, replies: list[dict]) -> None:
    """The reply is the notice alone, and the stored conversation is as it was (the message
    itself aside, kept for the transcript)."""
    assert at.patient.texts(replies) == [NOTICE]
    assert stored_slots(proxied.db_url, at.patient.conversation_id) == at.before
    assert stored_user_texts(proxied.db_url, at.patient.conversation_id)[-1] == at.answer


def _goes_on_after_retry(proxied: Proxied, at: PartWay) -> None:
    patient, slot = at.patient, at.slot
    patient.say(at.answer)
    assert patient.asked() not in (slot, None), patient.dump()  # the same question, answered
    # the question may be the choice to go on (only the not-recruiting study is left)
    expected = {**PATIENT_A, CLOSED_CHOICE: CLOSED_GO_ON}[slot]
    assert stored_slots(proxied.db_url, patient.conversation_id)[slot] == expected
    patient.answer_all(PATIENT_A)
    assert patient.verdicts() == EXPECTED
    assert NOTICE not in patient.texts()


def test_action_server_down_mid_screening_keeps_the_question_and_the_answers(proxied, proxy):
    at = _part_way(proxied)
    patient, answer = at.patient, at.answer

    proxy.down()
    started = time.monotonic()
    replies = patient.say(answer)
    elapsed = time.monotonic() - started
    _told_to_try_again(proxied, at, replies)
    assert elapsed < TIMEOUT  # refused at once: no waiting for the timeout
    assert "action server unavailable" in proxied.servers.logs()

    # still down: the patient may try again, and is told the same
    _told_to_try_again(proxied, at, patient.say(answer))

    proxy.forward()
    _goes_on_after_retry(proxied, at)


def test_slow_action_server_gets_the_same_message_after_the_timeout(proxied, proxy):
    at = _part_way(proxied, answers=2)
    patient, answer, before = at.patient, at.answer, at.before

    late = TIMEOUT + 3
    proxy.slow(late)
    forwarded = proxy.forwarded
    started = time.monotonic()
    replies = patient.say(answer)
    elapsed = time.monotonic() - started
    _told_to_try_again(proxied, at, replies)
    assert TIMEOUT <= elapsed < TIMEOUT + 2.5
    assert f"no answer within {TIMEOUT:g} s" in proxied.servers.logs()

    # the action server finishes the call after Rasa gave up; that changes nothing
    deadline = time.monotonic() + late + 10
    while proxy.forwarded == forwarded and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proxy.forwarded > forwarded
    assert stored_slots(proxied.db_url, patient.conversation_id) == before
    assert stored_user_texts(proxied.db_url, patient.conversation_id)[-1] == answer

    proxy.forward()
    _goes_on_after_retry(proxied, at)


def test_an_action_server_error_stops_the_turn_after_one_call(proxied, proxy):
    at = _part_way(proxied, answers=1)

    proxy.error(500)
    calls = proxy.requests
    _told_to_try_again(proxied, at, at.patient.say(at.answer))
    assert proxy.requests - calls == 1  # not retried within the turn

    proxy.forward()
    _goes_on_after_retry(proxied, at)


def test_the_first_message_while_the_action_server_is_down(proxied, proxy):
    patient = RestPatient(proxied.servers.rasa_url)
    proxy.down()
    assert patient.texts(patient.say("hello")) == [NOTICE]
    proxy.forward()
    texts = patient.texts(patient.say("hello"))
    assert content()["greeting"] in texts
    assert patient.asked() == "consent"
    assert stored_user_texts(proxied.db_url, patient.conversation_id) == ["hello", "hello"]
