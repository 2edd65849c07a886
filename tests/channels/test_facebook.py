"""Facebook Messenger: the verify-token handshake and signed webhook events."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time

import pytest
import requests

from bot.dialogue import content
from bot.identity import FACEBOOK
from devkit.patients import PATIENT_B, A, B
from rasa_extensions.channels import formatting
from tests.channels.conftest import (
    FACEBOOK_APP_SECRET,
    FACEBOOK_PAGE_ACCESS_TOKEN,
    FACEBOOK_VERIFY_TOKEN,
    conversation_of,
    stored_events,
    stored_verdicts,
    user_texts,
)
from tests.channels.numbered_patient import NumberedPatient, Shown

PAGE_ID = "102030405060708"


def fb(platform_id: str) -> str:
    """The conversation id of a Messenger user."""
    return conversation_of(FACEBOOK, platform_id)


def webhook(servers) -> str:
    return f"{servers.rasa_url}/webhooks/facebook/webhook"


def sign(body: bytes, secret: str = FACEBOOK_APP_SECRET, method=hashlib.sha256) -> str:
    prefix = "sha256" if method is hashlib.sha256 else "sha1"
    return f"{prefix}=" + hmac.new(secret.encode(), body, method).hexdigest()


def event(psid: str, **message) -> dict:
    """One entry of a Messenger webhook batch, as the Messenger Platform documents it."""
    now = int(time.time() * 1000)
    return {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now, **message}


def text_event(psid: str, text: str, quick_reply: str | None = None) -> dict:
    message = {"mid": f"m_{random.getrandbits(48)}", "text": text}
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
    return event(psid, message=message)


def post(servers, *events: dict, header: str | None = "X-Hub-Signature-256", signature=None,
         secret: str = FACEBOOK_APP_SECRET):
    body = json.dumps({"object": "page", "entry": [
        {"id": PAGE_ID, "time": int(time.time() * 1000), "messaging": list(events)}
    ]}).encode()
    headers = {"Content-Type": "application/json"}
    if header:
        headers[header] = signature if signature is not None else sign(body, secret)
    return requests.post(webhook(servers), data=body, headers=headers, timeout=60)


def sent_to(fake, mark: int, psid: str) -> list[dict]:
    return [r.body["message"] for r in fake.since(mark, "facebook")
            if r.body["recipient"]["id"] == psid]


def new_psid() -> str:
    return str(random.randint(10**15, 10**16))


def test_verify_token_handshake(servers):
    good = {"hub.mode": "subscribe", "hub.verify_token": FACEBOOK_VERIFY_TOKEN,
            "hub.challenge": "1158201444"}
    reply = requests.get(webhook(servers), params=good, timeout=10)
    assert reply.status_code == 200 and reply.text == "1158201444"
    for bad in ({**good, "hub.verify_token": "wrong"}, {**good, "hub.mode": "unsubscribe"},
                {"hub.challenge": "1"}):
        assert requests.get(webhook(servers), params=bad, timeout=10).status_code == 403


def test_a_signed_message_is_answered_through_the_send_api_with_quick_replies(servers, fake):
    psid, mark = new_psid(), fake.mark()
    assert post(servers, text_event(psid, "hello")).status_code == 200
    requests_made = fake.since(mark, "facebook")
    assert {r.query["access_token"] for r in requests_made} == {FACEBOOK_PAGE_ACCESS_TOKEN}
    assert all(r.body["messaging_type"] == "RESPONSE" for r in requests_made)
    messages = sent_to(fake, mark, psid)
    assert "I am not a doctor" in messages[0]["text"]
    assert messages[-1] == {
        "text": content()["consent_question"],
        "quick_replies": [{"content_type": "text", "title": t, "payload": t}
                          for t in content()["consent_buttons"]],
    }


def test_quick_reply_payloads_and_typed_numbers_are_answers(servers, fake):
    psid = new_psid()
    post(servers, text_event(psid, "hello"))
    post(servers, text_event(psid, "Yes, I agree", quick_reply="Yes, I agree"))
    mark = fake.mark()
    post(servers, text_event(psid, "2."))  # "My child"
    said = user_texts(servers, fb(psid))
    assert said == ["hello", "Yes, I agree", "My child"]
    assert sent_to(fake, mark, psid)  # the next question went out


def test_every_event_of_a_batch_is_handled(servers, fake):
    first, second, mark = new_psid(), new_psid(), fake.mark()
    post(servers, text_event(first, "hello"), text_event(second, "hello"))
    assert sent_to(fake, mark, first) and sent_to(fake, mark, second)


def test_attachments_get_a_polite_text_only_reply_and_echoes_are_ignored(servers, fake):
    psid, mark = new_psid(), fake.mark()
    image = event(psid, message={"mid": "m_1", "attachments": [
        {"type": "image", "payload": {"url": "https://scontent.example/photo.jpg"}}]})
    echo = event(psid, message={"mid": "m_2", "text": "sent by the page", "is_echo": True})
    read = event(psid, read={"watermark": 1458668856253})
    assert post(servers, image, echo, read).status_code == 200
    assert sent_to(fake, mark, psid) == [{"text": formatting.wording()["non_text"]}]
    assert stored_events(servers, fb(psid)) == []


@pytest.mark.parametrize("case", ["missing", "sha1 only (Rasa's own check)", "wrong secret",
                                  "malformed"])
def test_unsigned_or_wrongly_signed_events_are_refused_before_any_conversation(
    servers, fake, case
):
    psid, mark = new_psid(), fake.mark()
    if case == "missing":
        reply = post(servers, text_event(psid, "hello"), header=None)
    elif case == "sha1 only (Rasa's own check)":
        events = [text_event(psid, "hello")]
        body = json.dumps({"object": "page", "entry": [
            {"id": PAGE_ID, "time": 1, "messaging": events}]}).encode()
        reply = requests.post(webhook(servers), data=body, timeout=60, headers={
            "X-Hub-Signature": sign(body, method=hashlib.sha1)})
    elif case == "wrong secret":
        reply = post(servers, text_event(psid, "hello"), secret="not-the-app-secret")
    else:
        reply = post(servers, text_event(psid, "hello"), signature="sha256=zz")
    assert reply.status_code == 403
    assert stored_events(servers, fb(psid)) == []
    assert fake.since(mark, "facebook") == []


def test_a_whole_screening_answered_by_number(servers, fake):
    psid = new_psid()

    def turn(text: str) -> list[Shown]:
        mark = fake.mark()
        assert post(servers, text_event(psid, text)).status_code == 200
        return [Shown(m.get("text", ""), [q["title"] for q in m.get("quick_replies") or []])
                for m in sent_to(fake, mark, psid)]

    patient = NumberedPatient(turn)
    patient.screen(PATIENT_B, audience="child")
    assert stored_verdicts(servers, fb(psid)) == {A: "not_a_match", B: "possible_match"}
    assert "You may be a match for this study" in patient.all_text()
