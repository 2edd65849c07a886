"""Twilio SMS and WhatsApp: signed form posts, replies through the Messages API."""

from __future__ import annotations

import random
import uuid

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.dialogue import content
from bot.identity import SMS, WHATSAPP
from bot.values import UNKNOWN
from devkit.patients import PATIENT_B, A, B
from rasa_extensions.channels import formatting
from tests.channels.conftest import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_WEBHOOK_URL,
    conversation_of,
    stored_events,
    stored_verdicts,
    user_texts,
)
from tests.channels.numbered_patient import NumberedPatient, Shown

OUR_SMS_NUMBER = "+15005550006"
OUR_WHATSAPP = "whatsapp:+14155238886"


def inbound(sender: str, to: str, body: str, **extra: str) -> dict[str, str]:
    """The form fields Twilio posts for an incoming message (blank ones included)."""
    whatsapp = sender.startswith("whatsapp:")
    return {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": f"SM{uuid.uuid4().hex}",
        "NumMedia": "0", "ToCity": "", "FromZip": "", "SmsSid": f"SM{uuid.uuid4().hex}",
        "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body,
        "FromCountry": "CN", "To": to, "ToZip": "", "NumSegments": "1",
        "MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": TWILIO_ACCOUNT_SID,
        "From": sender, "ApiVersion": "2010-04-01",
        **({"ProfileName": "Test", "WaId": sender.split("+")[-1]} if whatsapp else {}),
        **extra,
    }


def post(servers, params: dict[str, str], signature: str | None = "auto",
         url: str = TWILIO_WEBHOOK_URL) -> requests.Response:
    headers = {}
    if signature == "auto":
        signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(url, params)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return requests.post(f"{servers.rasa_url}/webhooks/twilio/webhook", data=params,
                         headers=headers, timeout=60)


def new_number() -> str:
    return f"+86138{random.randint(10**7, 10**8 - 1)}"


class Phone:
    def __init__(self, servers, fake, sender: str, ours: str) -> None:
        self.servers, self.fake, self.sender, self.ours = servers, fake, sender, ours
        self.bodies: list[str] = []

    @property
    def conversation(self) -> str:
        namespace = WHATSAPP if self.sender.startswith("whatsapp:") else SMS
        return conversation_of(namespace, self.sender)

    def send(self, text: str, **extra: str) -> list[str]:
        mark = self.fake.mark()
        reply = post(self.servers, inbound(self.sender, self.ours, text, **extra))
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"].startswith("text/xml")
        sent = [r for r in self.fake.since(mark, "twilio") if r.body["To"] == self.sender]
        for request in sent:
            assert request.body["From"] == self.ours
            assert request.basic_auth == (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)
            assert request.path.endswith(f"/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json")
        bodies = [r.body["Body"] for r in sent]
        self.bodies += bodies
        return bodies

    def turn(self, text: str) -> list[Shown]:
        return [Shown(body) for body in self.send(text)]


@pytest.fixture
def sms(servers, fake) -> Phone:
    return Phone(servers, fake, new_number(), OUR_SMS_NUMBER)


@pytest.fixture
def whatsapp(servers, fake) -> Phone:
    return Phone(servers, fake, f"whatsapp:{new_number()}", OUR_WHATSAPP)


def test_an_sms_gets_the_whole_turn_in_one_message_with_numbered_options(sms):
    (body,) = sms.send("hello")
    assert "I am not a doctor" in body
    assert body.endswith("1. Yes, I agree\n2. No, thank you\n\n"
                         + formatting.wording()["number_hint"])
    (body,) = sms.send("1")
    assert content()["audience_question"] in body and "3. Someone else" in body
    assert user_texts(sms.servers, sms.conversation) == ["hello", "Yes, I agree"]


def test_a_whole_screening_over_whatsapp_answered_by_number(whatsapp):
    patient = NumberedPatient(whatsapp.turn, number_style=lambda n: f" {n}. ")
    # 'not sure' answers make the result long enough to need parts (the checks are at most
    # five short groups, so a possible match alone fits one message)
    truth = {**PATIENT_B, **dict.fromkeys(["hiv", "viral_hepatitis", "antibody_allergy"],
                                          UNKNOWN)}
    patient.screen(truth, audience="child")
    assert stored_verdicts(whatsapp.servers, whatsapp.conversation) == {
        A: "not_a_match", B: "unclear"}
    assert user_texts(whatsapp.servers, whatsapp.conversation)[:3] == ["hello", "Yes, I agree",
                                                                  "My child"]
    assert str(PATIENT_B["age"]) in user_texts(whatsapp.servers, whatsapp.conversation)
    assert all(len(body) <= formatting.SMS_LIMIT for body in whatsapp.bodies)
    result = [b for b in whatsapp.bodies if b.startswith(("(1/", "(2/"))]
    assert len(result) >= 2  # the result cards are longer than one message: marked parts


def test_media_without_text_gets_a_polite_reply_and_no_conversation(sms):
    bodies = sms.send("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1",
                      MediaContentType0="image/jpeg")
    assert bodies == [formatting.wording()["non_text"]]
    assert stored_events(sms.servers, sms.conversation) == []


@pytest.mark.parametrize("case", ["missing", "wrong token", "other url", "tampered body"])
def test_unsigned_or_wrongly_signed_posts_are_refused_before_any_conversation(
    servers, fake, case
):
    sender, mark = new_number(), fake.mark()
    params = inbound(sender, OUR_SMS_NUMBER, "hello")
    if case == "missing":
        reply = post(servers, params, signature=None)
    elif case == "wrong token":
        signature = RequestValidator("not-the-token").compute_signature(TWILIO_WEBHOOK_URL,
                                                                        params)
        reply = post(servers, params, signature=signature)
    elif case == "other url":
        reply = post(servers, params, url=f"{servers.rasa_url}/webhooks/twilio/webhook")
    else:
        signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(TWILIO_WEBHOOK_URL,
                                                                          params)
        reply = post(servers, {**params, "Body": "start over"}, signature=signature)
    assert reply.status_code == 403
    assert stored_events(servers, conversation_of(SMS, sender)) == []
    assert fake.since(mark, "twilio") == []


def test_an_sms_in_chinese_is_answered_in_chinese_within_ucs2_parts(sms):
    bodies = sms.send("你好")
    assert all(len(body) <= formatting.UCS2_PART for body in bodies) or len(bodies) == 1
    assert all(len(body) <= formatting.UCS2_SINGLE for body in bodies)
    assert bodies[0].startswith(f"(1/{len(bodies)}) ")
    text = "".join(body.split(") ", 1)[1] for body in bodies)
    assert "1. 同意" in text and content("zh")["consent_question"] in text


def _joined(bodies: list[str]) -> str:
    """The turn as the patient reads it: the parts in order, without their (i/n) marks."""
    return "\n".join(b.split(") ", 1)[1] if b.startswith("(") else b for b in bodies)


def test_a_chinese_sms_screening_starts_in_chinese_and_keeps_ucs2_limits(sms):
    sms.send("你好")
    assert content("zh")["audience_question"] in _joined(sms.send("1"))  # 1. 同意
    assert "孩子得的是哪种肉瘤？" in _joined(sms.send("2"))  # 2. 我的孩子
    assert "孩子今年多大？" in _joined(sms.send("5"))  # 5. 骨肉瘤
    sms.send("14")
    assert user_texts(sms.servers, sms.conversation)[:4] == ["你好", "同意", "我的孩子", "骨肉瘤"]
    assert stored_slots_language(sms) == "zh"
    for body in sms.bodies:
        limit = formatting.UCS2_PART if body.startswith("(") else formatting.UCS2_SINGLE
        assert len(body) <= limit, body


def stored_slots_language(phone: Phone) -> str | None:
    slots = [data for kind, data in stored_events(phone.servers, phone.conversation)
             if kind == "slot" and data.get("name") == "language"]
    return slots[-1]["value"] if slots else None
