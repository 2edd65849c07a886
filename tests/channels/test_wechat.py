"""WeChat Official Account: URL check, signed XML pushes, passive XML replies."""

from __future__ import annotations

import random
import time
import uuid

import pytest
import requests

from bot.dialogue import content
from bot.identity import WECHAT
from devkit.patients import PATIENT_A, A, B
from rasa_extensions.channels import formatting
from tests.channels.conftest import (
    WECHAT_TOKEN,
    conversation_of,
    stored_events,
    stored_verdicts,
    user_texts,
)
from tests.channels.numbered_patient import NumberedPatient, Shown

ACCOUNT = "gh_0123456789ab"


def wx(platform_id: str) -> str:
    """The conversation id of a WeChat user."""
    return conversation_of(WECHAT, platform_id)


def signed_query(timestamp: int | None = None, token: str = WECHAT_TOKEN, **extra) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = str(random.randint(10**8, 10**9))
    signature = formatting.wechat_signature(token, timestamp, nonce)
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra}


def push(openid: str, msg_type: str = "text", msg_id: str | None = None, **fields: str) -> bytes:
    """A message pushed by WeChat, as its documentation shows it."""
    parts = [
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{int(time.time())}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
        *(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()),
    ]
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id or random.randint(10**15, 10**16)}</MsgId>")
    return ("<xml>" + "".join(parts) + "</xml>").encode()


def post(servers, body: bytes, query: dict | None = None) -> requests.Response:
    return requests.post(f"{servers.rasa_url}/webhooks/wechat/webhook",
                         params=signed_query() if query is None else query, data=body,
                         headers={"Content-Type": "text/xml"}, timeout=60)


def reply_content(reply: requests.Response, openid: str) -> str:
    assert reply.status_code == 200, reply.text
    fields = formatting.parse_wechat_xml(reply.content)
    assert fields["ToUserName"] == openid and fields["FromUserName"] == ACCOUNT
    assert fields["MsgType"] == "text" and fields["CreateTime"].isdigit()
    assert formatting.utf8_len(fields["Content"]) <= formatting.WECHAT_LIMIT
    return fields["Content"]


def new_openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


class WeChatUser:
    def __init__(self, servers) -> None:
        self.servers, self.openid = servers, new_openid()

    def say(self, text: str) -> str:
        return reply_content(post(self.servers, push(self.openid, Content=text)), self.openid)

    def turn(self, text: str) -> list[Shown]:
        return [Shown(self.say(text))]


def test_url_check_echoes_echostr_only_when_signed(servers):
    url = f"{servers.rasa_url}/webhooks/wechat/webhook"
    good = signed_query(echostr="5837397520665456")
    reply = requests.get(url, params=good, timeout=10)
    assert reply.status_code == 200 and reply.text == "5837397520665456"
    for bad in ({**good, "signature": "0" * 40}, signed_query(token="other", echostr="1"),
                {"echostr": "1"}, signed_query(timestamp=int(time.time()) - 3600, echostr="1")):
        assert requests.get(url, params=bad, timeout=10).status_code == 403


ZH = content("zh")


def test_a_text_gets_a_passive_reply_in_chinese_with_numbered_options(servers):
    user = WeChatUser(servers)  # WeChat's conversations are in Chinese, whatever is typed
    text = user.say("hello")
    assert ZH["greeting"].strip()[:20] in text
    assert "1. 同意\n2. 不用了，谢谢" in text and "请回复答案前面的数字" in text
    text = user.say("1")
    assert ZH["audience_question"] in text
    assert user_texts(servers, wx(user.openid)) == ["hello", "同意"]


def test_a_whole_chinese_screening_fits_wechat_replies(servers):
    user = WeChatUser(servers)
    patient = NumberedPatient(user.turn, number_style=lambda n: f"{n}。", language="zh",
                              opening="你好")
    patient.screen(PATIENT_A, audience="self")
    assert stored_verdicts(servers, wx(user.openid)) == {A: "possible_match", B: "not_a_match"}
    text = patient.all_text()
    assert ZH["verdict_words"]["possible_match"] in text and "您今年多大？" in text


def test_english_on_wechat_after_typing_english(servers):
    user = WeChatUser(servers)
    user.say("你好")
    text = user.say("English")
    assert content()["language_switched"] in text
    assert "1. Yes, I agree\n2. No, thank you" in text


def test_a_retry_of_the_same_message_gets_the_same_reply_and_runs_once(servers):
    openid = new_openid()
    body = push(openid, msg_id="6000000000000000001", Content="hello")
    first = reply_content(post(servers, body), openid)
    again = reply_content(post(servers, body), openid)  # WeChat's retry: new query, same MsgId
    assert first == again
    assert user_texts(servers, wx(openid)) == ["hello"]


def test_a_signature_replayed_with_another_body_is_refused(servers):
    openid, query = new_openid(), signed_query()
    assert post(servers, push(openid, Content="hello"), query).status_code == 200
    replay = post(servers, push(openid, Content="delete my data"), query)
    assert replay.status_code == 403
    assert user_texts(servers, wx(openid)) == ["hello"]


def test_other_messages_and_events(servers):
    openid = new_openid()
    image = push(openid, "image", PicUrl="http://mmbiz.qpic.cn/x.jpg", MediaId="m1")
    assert reply_content(post(servers, image), openid) == formatting.wording("zh")["non_text"]
    follow = push(openid, "event", Event="subscribe")
    assert reply_content(post(servers, follow), openid) == formatting.wording("zh")["welcome"]
    unfollow = post(servers, push(openid, "event", Event="unsubscribe"))
    assert unfollow.status_code == 200 and unfollow.text == "success"
    assert stored_events(servers, wx(openid)) == []
    voice = push(openid, "voice", MediaId="m2", Format="amr", Recognition="hello")
    assert ZH["greeting"].strip()[:20] in reply_content(post(servers, voice), openid)
    assert user_texts(servers, wx(openid)) == ["hello"]


@pytest.mark.parametrize("case", ["missing", "wrong token", "stale", "future"])
def test_unsigned_wrongly_signed_or_stale_pushes_are_refused_before_any_conversation(
    servers, case
):
    openid = new_openid()
    query = {
        "missing": {},
        "wrong token": signed_query(token="not-the-token"),
        "stale": signed_query(timestamp=int(time.time()) - 301 - 5),
        "future": signed_query(timestamp=int(time.time()) + 3600),
    }[case]
    reply = post(servers, push(openid, Content="hello"), query)
    assert reply.status_code == 403
    assert stored_events(servers, wx(openid)) == []


def test_xml_with_entities_is_refused(servers):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b"<xml><Content>&a;</Content></xml>")
    assert post(servers, bomb).status_code == 400
