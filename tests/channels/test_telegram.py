"""Telegram: real-format updates, signed with the secret token, to the running server."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys

import pytest
import requests
import yaml

from bot.dialogue import content
from bot.identity import TELEGRAM
from devkit.patients import PATIENT_A, A, B
from devkit.servers import ROOT
from rasa_extensions.channels import formatting
from tests.channels.conftest import (
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_SECRET_TOKEN,
    conversation_of,
    stored_events,
    stored_verdicts,
    user_texts,
)
from tests.channels.numbered_patient import NumberedPatient, Shown

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(10_000)


def message_update(chat_id: int, text: str | None = None, chat_type: str = "private", **extra):
    """An Update with a Message, as the Bot API documents it."""
    message = {
        "message_id": next(_update_ids),
        "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "en"},
        "chat": {"id": chat_id, "first_name": "Test", "type": chat_type},
        "date": 1700000000,
        **extra,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": next(_update_ids), "message": message}


def callback_update(chat_id: int, data: str) -> dict:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cbq-{next(_update_ids)}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "message": {
                "message_id": next(_update_ids), "date": 1700000000, "text": "question",
                "chat": {"id": chat_id, "type": "private"},
            },
            "chat_instance": "-123456789",
            "data": data,
        },
    }


def post(servers, update: dict, secret: str | None = TELEGRAM_SECRET_TOKEN):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(f"{servers.rasa_url}/webhooks/telegram/webhook", json=update,
                         headers=headers, timeout=60)


class TelegramChat:
    def __init__(self, servers, fake) -> None:
        self.servers, self.fake = servers, fake
        self.chat_id = random.randint(10**8, 10**9)
        self.sent: list[dict] = []  # sendMessage bodies for this chat, in order

    def post(self, update: dict) -> list[dict]:
        mark = self.fake.mark()
        reply = post(self.servers, update)
        assert reply.status_code == 200, reply.text
        new = [r.body for r in self.fake.since(mark, "telegram")
               if r.method == "sendMessage" and r.body.get("chat_id") == str(self.chat_id)]
        self.sent += new
        return new

    def type(self, text: str) -> list[Shown]:
        return [_shown(body) for body in self.post(message_update(self.chat_id, text))]

    def tap(self, data: str) -> list[Shown]:
        return [_shown(body) for body in self.post(callback_update(self.chat_id, data))]

    @property
    def sender(self) -> str:
        return str(self.chat_id)

    @property
    def conversation(self) -> str:
        return conversation_of(TELEGRAM, self.sender)


def _shown(body: dict) -> Shown:
    rows = (body.get("reply_markup") or {}).get("inline_keyboard") or []
    return Shown(body["text"], [key["text"] for row in rows for key in row])


@pytest.fixture
def chat(servers, fake) -> TelegramChat:
    return TelegramChat(servers, fake)


def test_starts_offline_with_the_channel_on_and_no_webhook_registration(servers, fake):
    effective = yaml.safe_load((servers.data_dir / "credentials.effective.yml").read_text())
    assert "rasa_extensions.channels.telegram.VerifiedTelegramInput" in effective
    health = requests.get(f"{servers.rasa_url}/webhooks/telegram/", timeout=10)
    assert health.json() == {"status": "ok"}
    assert fake.at_startup == []  # Rasa's own channel calls setWebhook here
    # Rasa's unauthenticated re-registration route is not there
    assert requests.get(f"{servers.rasa_url}/webhooks/telegram/set_webhook",
                        timeout=10).status_code == 404


def test_start_command_gets_the_greeting_and_consent_as_an_inline_keyboard(chat, fake):
    mark = fake.mark()
    shown = chat.type("/start")
    assert "I am not a doctor" in shown[0].text
    consent = shown[-1]
    assert consent.text == content()["consent_question"]
    assert consent.buttons == content()["consent_buttons"]
    keyboard = chat.sent[-1]["reply_markup"]["inline_keyboard"]
    assert [k["callback_data"] for row in keyboard for k in row] == content()["consent_buttons"]
    paths = {r.path for r in fake.since(mark, "telegram")}
    assert paths == {f"/telegram/bot{TELEGRAM_BOT_TOKEN}/sendMessage"}
    assert user_texts(chat.servers, chat.conversation) == ["hello"]


def test_a_tap_is_answered_and_its_payload_is_the_patients_message(chat, fake):
    chat.type("hello")
    mark = fake.mark()
    shown = chat.tap(content()["consent_buttons"][0])
    answered = [r for r in fake.since(mark, "telegram") if r.method == "answerCallbackQuery"]
    assert len(answered) == 1 and answered[0].body["callback_query_id"].startswith("cbq-")
    assert shown[-1].text == content()["audience_question"]
    assert user_texts(chat.servers, chat.conversation)[-1] == content()["consent_buttons"][0]


def test_a_whole_screening_answered_by_number(chat):
    patient = NumberedPatient(chat.type)
    patient.screen(PATIENT_A, audience="self")
    verdicts = stored_verdicts(chat.servers, chat.conversation)
    assert verdicts == {A: "possible_match", B: "not_a_match"}
    said = user_texts(chat.servers, chat.conversation)
    assert said[:3] == ["hello", "Yes, I agree", "Myself"]  # "1", "1" became the payloads
    assert str(PATIENT_A["age"]) in said  # the age stayed a number
    assert not [t for t in said if formatting.parse_choice(t) and t != str(PATIENT_A["age"])]
    assert "You may be a match for this study" in patient.all_text()
    for body in chat.sent:
        assert len(body["text"]) <= formatting.TELEGRAM_LIMIT
        for row in (body.get("reply_markup") or {}).get("inline_keyboard") or []:
            assert all(len(k["callback_data"].encode()) <= 64 for k in row)


def test_long_labels_are_numbered_and_their_hashed_buttons_work(chat):
    patient = NumberedPatient(chat.type)
    patient.say("hello")
    for _ in range(40):
        slot, options = patient.asked()
        if slot == "ecog":
            break
        patient.say(patient.answer(slot, options, PATIENT_A, "self"))
    else:
        pytest.fail("the ECOG question never came")
    body = chat.sent[-1]
    assert "1. I can do everything I did before I got sick" in body["text"]
    keys = [k for row in body["reply_markup"]["inline_keyboard"] for k in row]
    assert [k["text"] for k in keys] == [str(i) for i in range(1, len(keys) + 1)]
    assert keys[1]["callback_data"].startswith("#")  # the label is longer than 64 bytes
    chat.tap(keys[1]["callback_data"])
    assert user_texts(chat.servers, chat.conversation)[-1] == options[1]


def test_a_hashed_button_no_longer_offered_changes_nothing(chat, fake):
    chat.type("hello")
    before = stored_events(chat.servers, chat.conversation)
    mark = fake.mark()
    assert chat.tap("#" + "0" * 32) == []
    answered = [r for r in fake.since(mark, "telegram") if r.method == "answerCallbackQuery"]
    assert answered[0].body["text"] == formatting.wording()["button_expired"]
    assert stored_events(chat.servers, chat.conversation) == before


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", TELEGRAM_SECRET_TOKEN + "x"])
def test_missing_or_wrong_secret_token_is_refused_before_any_conversation(
    servers, fake, secret
):
    chat_id = random.randint(10**8, 10**9)
    mark = fake.mark()
    reply = post(servers, message_update(chat_id, "hello"), secret=secret)
    assert reply.status_code == 403
    assert stored_events(servers, conversation_of(TELEGRAM, str(chat_id))) == []
    assert fake.since(mark, "telegram") == []


def test_a_photo_gets_a_polite_text_only_reply_and_no_conversation(chat):
    photo = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    shown = chat.post(message_update(chat.chat_id, photo=photo))
    assert [b["text"] for b in shown] == [formatting.wording()["non_text"]]
    assert stored_events(chat.servers, chat.conversation) == []


def test_group_chats_and_edited_messages_are_ignored(chat):
    assert chat.post(message_update(chat.chat_id, "hello", chat_type="group")) == []
    edited = {"update_id": 1, "edited_message": message_update(chat.chat_id, "hi")["message"]}
    assert chat.post(edited) == []
    assert stored_events(chat.servers, chat.conversation) == []


def test_a_failing_bot_api_does_not_fail_the_webhook(chat, fake, servers):
    fake.fail_with = 500
    assert chat.type("hello")  # tried (the webhook still answered 200), refused, logged
    assert "telegram sendMessage failed: HTTP 500" in servers.logs()
    assert user_texts(servers, chat.conversation) == ["hello"]


def test_the_registration_command_sets_the_webhook_with_the_secret_token(fake):
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET_TOKEN,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
        "TELEGRAM_API_URL": f"{fake.url}/telegram",
    }
    command = [sys.executable, "-m", "rasa_extensions.channels", "telegram-webhook"]
    mark = fake.mark()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert TELEGRAM_BOT_TOKEN not in done.stdout + done.stderr
    (request,) = fake.since(mark, "telegram")
    assert request.method == "setWebhook"
    assert request.body == {
        "url": "https://bot.example.org/webhooks/telegram/webhook",
        "secret_token": TELEGRAM_SECRET_TOKEN,
        "allowed_updates": ["message", "callback_query"],
    }
    insecure = {**env, "TELEGRAM_WEBHOOK_URL": "http://bot.example.org/hook"}
    done = subprocess.run(command, env=insecure, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "https://" in done.stderr


def test_a_user_whose_telegram_is_in_chinese_is_greeted_in_chinese(chat):
    update = message_update(chat.chat_id, "/start")
    update["message"]["from"]["language_code"] = "zh-hans"
    shown = [_shown(body) for body in chat.post(update)]
    zh = content("zh")
    assert shown[-1].text == zh["consent_question"]
    assert shown[-1].buttons == zh["consent_buttons"]
    assert [s.text for s in chat.tap(zh["consent_buttons"][0])][-1] == zh["audience_question"]
