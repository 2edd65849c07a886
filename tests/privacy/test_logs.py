"""At the default log level the servers log no patient text and no slot value, and the Rasa
HTTP API is off.

A whole screening is typed in free text, with a name and a diagnosis in it, a correction and
an urgent-symptom message, plus the inputs that made Rasa log message text before
(rasa_extensions/patches/hardening.py): malformed requests, an action-server error and forged
`/intent{...}` payloads. Then the log of all three servers (Rasa, actions, web) is searched
for every phrase typed and every answer stored.
"""

from __future__ import annotations

import re

import pytest
import requests

from bot.catalog import load_catalog
from devkit.patients import PATIENT_A, A, B
from devkit.rest_patient import RestPatient
from devkit.servers import Servers, rest_headers
from tests.e2e.conftest import stored_slots

NAME = "Zebulon Quartermaine"
TYPED = {
    "diagnosis": "My name is Zebulon Quartermaine and I have a myxofibrosarcoma in my thigh",
    "age": "fifty two",
    "metastatic": "yeah it has spread to my liver",
    "prior_anthracycline": "yes, I had Adriamycin",
    "ecog": "I can do light housework but nothing heavy",
}
#: Words only the patient typed; none is in the bot's own wording.
SECRETS = ["Zebulon", "Quartermaine", "myxofibrosarcoma in my thigh", "thigh", "spread to my liver",
           "Adriamycin", "light housework", "fifty two", "crushing", "Xylophonia"]


@pytest.fixture(scope="module")
def servers(shared_servers) -> Servers:
    return shared_servers  # LOG_LEVEL=INFO, as by default (tests/conftest.py)


@pytest.fixture(scope="module")
def screened(servers) -> RestPatient:
    patient = RestPatient(servers.rasa_url)
    patient.start("self")
    patient.answer_all({**PATIENT_A, "diagnosis": "myxofibrosarcoma"}, free_text=TYPED)
    patient.say("actually I'm 53")  # a correction
    patient.say(f"{NAME} here: I have crushing chest pain since this morning")
    patient.say('/inform{"diagnosis": "Xylophonia", "age": 500}')  # a forged payload
    patient.say('/change_answer{"fact_to_change": {"name": "Xylophonia"}}')  # crashed actions
    for body in ([NAME], {"sender": patient.sender, "message": NAME, "metadata": NAME},
                 {"message": f"{NAME} Xylophonia"}):
        requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json=body, timeout=30,
                      headers=rest_headers())
    return patient


def test_a_screening_with_a_name_and_a_diagnosis_leaves_neither_in_the_logs(servers, screened):
    assert screened.verdicts() == {A: "possible_match", B: "not_a_match"}  # it did run
    slots = stored_slots(servers, screened.conversation_id)
    assert slots["diagnosis"] == "myxofibrosarcoma" and slots["age"] == 53
    log = servers.logs()
    assert "Rasa server is up and running" in log  # the log is the servers' own
    assert "safety message sent (urgent)" in log  # events are logged, without their text
    lowered = log.lower()
    for secret in SECRETS:
        assert secret.lower() not in lowered, secret
    for forbidden in ("rest.message.received", "request_body", "Failed to parse arguments",
                      "parse_data", "latest_message"):
        assert forbidden not in log, forbidden


def test_no_slot_value_is_logged(servers, screened):
    """Every answer stored for the patient, written as the slot name next to its value in any
    of the usual forms (`age=53`, `'age': 53`, `"age": 53`, `age: 53`, `SlotSet(age, 53)`)."""
    catalog = load_catalog()
    slots = {k: v for k, v in stored_slots(servers, screened.conversation_id).items()
             if k in catalog and v is not None}
    assert len(slots) >= 15
    log = servers.logs()
    for name, value in slots.items():
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        pattern = rf"\b{re.escape(name)}\b['\"]?\s*[:=,]\s*['\"]?{re.escape(shown)}\b"
        assert not re.search(pattern, log, re.IGNORECASE), (name, value)
        if isinstance(value, str) and len(value) > 6:  # e.g. 'myxofibrosarcoma'
            assert value.lower() not in log.lower(), (name, value)
    assert "SlotSet(" not in log and "slot_values" not in log


def test_the_rasa_http_api_is_off_by_default(servers, screened):
    for path in (f"/conversations/{screened.conversation_id}/tracker", "/status", "/domain",
                 "/model/parse"):
        response = requests.get(f"{servers.rasa_url}{path}", timeout=10)
        assert response.status_code in (401, 403, 404, 405), (path, response.status_code)
        assert NAME not in response.text and "myxofibrosarcoma" not in response.text
    response = requests.post(f"{servers.rasa_url}/model/parse", json={"text": NAME}, timeout=10)
    assert response.status_code in (401, 403, 404, 405)
    assert "Rasa HTTP API: off" in servers.logs()
