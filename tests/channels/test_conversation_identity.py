"""Nobody reaches a conversation that is not theirs: channel namespaces, keyed hashes of
platform ids, the REST channel's token, replays, and the closed action server.

Against the real servers with every channel on (tests/channels/conftest.py): a patient's
conversation on a messaging channel, then an outsider who knows the patient's phone number
or account id and tries every way in over REST.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
import requests
from sqlalchemy import insert

from bot.dialogue import content
from bot.identity import FACEBOOK, SMS, TELEGRAM, WECHAT, WHATSAPP
from bot.storage import db
from bot.storage.models import SeenPlatformMessage, utcnow
from devkit.servers import SECRETS, rest_headers, rest_id
from tests.channels import test_facebook, test_telegram, test_twilio, test_wechat
from tests.channels.conftest import conversation_of, stored_events, user_texts

PHONE = "+8613800138000"


def rest(servers, sender: str, message: str, headers: dict | None = None) -> requests.Response:
    return requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=60,
                         json={"sender": sender, "message": message},
                         headers=rest_headers() if headers is None else headers)


def all_sender_ids(servers) -> set[str]:
    with sqlite3.connect(servers.data_dir / "trackers.db") as connection:
        return {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}


OPENING = ("Hi", "yes I agree", "myself", "leiomyosarcoma", "I am 52")


def started_on(servers, channel: str) -> tuple[str, list[str]]:
    """A patient on a messaging channel who consented and said they have leiomyosarcoma and
    are 52: (their conversation id, the platform ids an outsider could know)."""
    unique = uuid.uuid4().int
    if channel in ("sms", "whatsapp"):
        phone = f"+86138{unique % 10**8:08d}"
        sender = phone if channel == "sms" else f"whatsapp:{phone}"
        ours = test_twilio.OUR_SMS_NUMBER if channel == "sms" else test_twilio.OUR_WHATSAPP
        for text in OPENING:
            test_twilio.post(servers, test_twilio.inbound(sender, ours, text))
        namespace, known = (SMS if channel == "sms" else WHATSAPP), [sender, phone]
    elif channel == "telegram":
        chat_id = 700_000_000 + unique % 10**8
        for text in OPENING:
            test_telegram.post(servers, test_telegram.message_update(chat_id, text))
        namespace, sender, known = TELEGRAM, str(chat_id), [str(chat_id)]
    elif channel == "messenger":
        sender = test_facebook.new_psid()
        for text in OPENING:
            test_facebook.post(servers, test_facebook.text_event(sender, text))
        namespace, known = FACEBOOK, [sender]
    else:
        sender = test_wechat.new_openid()
        for text in OPENING:
            test_wechat.post(servers, test_wechat.push(sender, Content=text))
        namespace, known = WECHAT, [sender]
    conversation = conversation_of(namespace, sender)
    assert user_texts(servers, conversation)[-1] == OPENING[-1]
    return conversation, known


def test_the_rest_channel_refuses_requests_without_the_token(servers):
    for headers in ({}, {"Authorization": "Bearer wrong-token-of-enough-length"},
                    {"Authorization": SECRETS["REST_CHANNEL_TOKEN"]},  # not a Bearer header
                    {"Authorization": f"Basic {SECRETS['REST_CHANNEL_TOKEN']}"}):
        sender = f"no-token-{uuid.uuid4().hex}"
        response = rest(servers, sender, "hello", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers.get("WWW-Authenticate") == "Bearer"
        assert stored_events(servers, rest_id(sender)) == []
        assert stored_events(servers, sender) == []
    assert rest(servers, "with-token", "hello").status_code == 200


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "telegram", "messenger", "wechat"])
def test_an_outsider_over_rest_cannot_see_or_change_another_channels_conversation(
    servers, channel
):
    """The issue's curl session: the patient's phone number (or chat id, PSID, OpenID), or
    the stored id itself, as the REST sender, with and without the token."""
    conversation, known = started_on(servers, channel)
    before = stored_events(servers, conversation)
    for sender in (*known, conversation, conversation.split(":", 1)[1]):
        for text in ("Hi", "change an answer"):
            assert rest(servers, sender, text, headers={}).status_code == 401
            replies = rest(servers, sender, text).json()
            said = " ".join(r.get("text") or "" for r in replies)
            buttons = " ".join(b["title"] for r in replies for b in r.get("buttons") or [])
            assert "Leiomyosarcoma" not in said + buttons, sender
            assert "52" not in buttons, sender
        assert rest(servers, sender, "delete my data").ok
        assert rest(servers, sender, "talk to a person").ok
    assert stored_events(servers, conversation) == before  # untouched, not deleted
    with sqlite3.connect(servers.data_dir / "trackers.db") as connection:
        filed = connection.execute(
            "SELECT count(*) FROM contact_requests r JOIN conversations c "
            "ON c.id = r.conversation_id WHERE c.sender_id = ?", (conversation,)).fetchone()[0]
    assert filed == 0  # no 'talk to a person' request in the patient's name


def test_messaging_conversations_are_stored_under_a_keyed_hash_never_the_platform_id(servers):
    chat_id = 900_000_000 + uuid.uuid4().int % 10**8
    psid = test_facebook.new_psid()
    openid = test_wechat.new_openid()
    phone = f"+86139{uuid.uuid4().int % 10**8:08d}"
    whatsapp = f"whatsapp:+86137{uuid.uuid4().int % 10**8:08d}"
    test_telegram.post(servers, test_telegram.message_update(chat_id, "hello"))
    test_facebook.post(servers, test_facebook.text_event(psid, "hello"))
    test_wechat.post(servers, test_wechat.push(openid, Content="hello"))
    test_twilio.post(servers, test_twilio.inbound(phone, test_twilio.OUR_SMS_NUMBER, "hello"))
    test_twilio.post(servers, test_twilio.inbound(whatsapp, test_twilio.OUR_WHATSAPP, "hello"))
    ids = all_sender_ids(servers)
    for namespace, platform_id in ((TELEGRAM, str(chat_id)), (FACEBOOK, psid),
                                   (WECHAT, openid), (SMS, phone), (WHATSAPP, whatsapp)):
        expected = conversation_of(namespace, platform_id)
        assert expected in ids, namespace
        assert expected.startswith(f"{namespace}:") and len(expected) == len(namespace) + 33
    raw = (str(chat_id), psid, openid, phone, phone[1:], whatsapp, whatsapp.split("+")[1])
    for sender in ids:
        assert not any(value in sender for value in raw), sender
        assert sender.split(":")[0] in ("rest", "web", "tg", "fb", "sms", "wa", "wx"), sender


def test_the_same_number_on_sms_and_whatsapp_are_two_conversations(servers):
    sms = conversation_of(SMS, PHONE)
    whatsapp = conversation_of(WHATSAPP, f"whatsapp:{PHONE}")
    assert sms != whatsapp
    assert conversation_of(SMS, PHONE) == sms  # stable: the patient's conversation continues


def test_a_retried_or_replayed_message_is_processed_once_on_every_channel(servers):
    phone = f"+86136{uuid.uuid4().int % 10**8:08d}"
    params = test_twilio.inbound(phone, test_twilio.OUR_SMS_NUMBER, "hello")
    assert test_twilio.post(servers, params).status_code == 200
    assert test_twilio.post(servers, params).status_code == 200  # Twilio's retry
    assert user_texts(servers, conversation_of(SMS, phone)) == ["hello"]

    chat_id = 800_000_000 + uuid.uuid4().int % 10**8
    update = test_telegram.message_update(chat_id, "hello")
    for _ in range(2):
        assert test_telegram.post(servers, update).status_code == 200
    assert user_texts(servers, conversation_of(TELEGRAM, str(chat_id))) == ["hello"]

    psid = test_facebook.new_psid()
    message = test_facebook.text_event(psid, "hello")
    for _ in range(2):
        assert test_facebook.post(servers, message).status_code == 200
    assert user_texts(servers, conversation_of(FACEBOOK, psid)) == ["hello"]


def test_a_wechat_retry_that_another_server_already_took_is_not_run_again(servers):
    """WeChat's retry of a slow reply may reach another server: the message id is claimed in
    the shared database, so this server answers 'success' and runs nothing."""
    openid, msg_id = test_wechat.new_openid(), str(7 * 10**15 + uuid.uuid4().int % 10**15)
    url = f"sqlite:///{servers.data_dir / 'trackers.db'}"
    with db.engine_for(url).begin() as connection:  # what the other server recorded
        connection.execute(insert(SeenPlatformMessage).values(
            channel="wechat", message_id=f"msg:{msg_id}", seen_at=utcnow()))
    reply = test_wechat.post(servers, test_wechat.push(openid, msg_id=msg_id, Content="hello"))
    assert reply.status_code == 200 and reply.text == "success"
    assert stored_events(servers, conversation_of(WECHAT, openid)) == []


def test_the_action_server_refuses_calls_without_the_shared_secret(servers):
    call = {"next_action": "action_delete_data", "sender_id": "rest:victim",
            "tracker": {"sender_id": "rest:victim", "events": [], "slots": {}}}
    for headers in ({}, {"X-Action-Secret": "wrong"}):
        response = requests.post(f"{servers.action_url}/webhook", json=call, headers=headers,
                                 timeout=30)
        assert response.status_code == 401
        assert "victim" not in response.text
    good = {"X-Action-Secret": SECRETS["ACTION_SERVER_SECRET"]}
    listed = requests.get(f"{servers.action_url}/actions", headers=good, timeout=30)
    assert listed.status_code == 200 and {"name": "validate_screening_form"} in listed.json()
    assert requests.get(f"{servers.action_url}/health", timeout=30).ok


def test_action_server_errors_never_echo_the_request(servers):
    """rasa_sdk's 500 answer returned the whole tracker: every message and slot."""
    marker = "Zebulon Quartermaine has leiomyosarcoma"
    call = {"next_action": "validate_screening_form", "sender_id": "rest:echo",
            "tracker": {"sender_id": "rest:echo", "slots": {"requested_slot": 5},
                        "latest_message": {"text": marker}, "events": "not a list"},
            "domain": {}}
    good = {"X-Action-Secret": SECRETS["ACTION_SERVER_SECRET"]}
    response = requests.post(f"{servers.action_url}/webhook", json=call, headers=good,
                             timeout=30)
    assert response.status_code >= 400
    assert marker not in response.text and "Quartermaine" not in servers.logs()


def test_action_server_request_bodies_are_limited(servers):
    good = {"X-Action-Secret": SECRETS["ACTION_SERVER_SECRET"],
            "Content-Type": "application/json"}
    body = b'{"next_action": "action_start", "padding": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    try:
        response = requests.post(f"{servers.action_url}/webhook", data=body, headers=good,
                                 timeout=60)
    except requests.ConnectionError:  # closed before the whole body was sent: refused too
        return
    assert response.status_code == 413


def test_a_full_screenings_action_calls_fit_the_body_limit(servers):
    """The limit must not refuse real patients: a whole screening over REST still ends with
    a result (its last action call carries the longest tracker)."""
    from devkit.patients import PATIENT_A
    from devkit.rest_patient import RestPatient

    patient = RestPatient(servers.rasa_url)
    patient.start("self")
    patient.answer_all(PATIENT_A)
    assert patient.result() is not None
    assert content()["result_intro"] in " ".join(
        r.get("text") or "" for _, replies in patient.transcript for r in replies)
