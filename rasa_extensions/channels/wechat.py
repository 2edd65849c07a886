"""WeChat Official Account (微信公众号), plaintext mode, with passive replies.

credentials.yml:

    rasa_extensions.channels.wechat.WeChatInput:
      token: ${WECHAT_TOKEN}

WECHAT_TOKEN is the Token set under 开发 > 基本配置 > 服务器配置, with 消息加解密方式 = 明文模式
(plaintext; the encrypted modes are not supported) and the URL
https://<public host>/webhooks/wechat/webhook. Rasa has no WeChat channel; this is an
`InputChannel` of its own.

- GET is WeChat's URL check: `signature` = sha1 of the sorted [token, timestamp, nonce] joined;
  the `echostr` is echoed when it matches (constant time), else 403.
- POST carries the same three query parameters, checked the same way, and the timestamp must be
  within WECHAT_MAX_AGE_SECONDS (default 300) of this server's clock, else 403. In plaintext
  mode the signature does not cover the body, so a (timestamp, nonce) pair seen with a different
  body is refused as a replay (HTTPS keeps the pair secret in transit).
- The reply is passive: the response body is `<xml><ToUserName>... <MsgType>text</MsgType>
  <Content>...</Content></xml>`, all of the turn's messages in one text within WeChat's 2048
  bytes (formatting.wechat_content), options numbered. WeChat gives up after 5 seconds and
  retries the same message up to three times: a retry (same MsgId; for events, same sender,
  CreateTime and event) gets the first attempt's reply and never runs the turn twice.
- Voice messages are used by their speech-recognition text when the account has it on; other
  media (photos, video, locations, links) get a polite "text only" reply; following the account
  gets a welcome line; other events get no reply ("success").

A retry that reaches the same server while the first attempt still runs waits for its reply
(an in-process memory of two minutes). Across servers, the message id is claimed in the
database (rasa_extensions/channels/common.py `first_delivery`), so a retry that reaches another
server, or a replay days later, gets "success" and never runs the turn twice. The (timestamp,
nonce) replay memory is per process and lasts a few minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.identity import WECHAT
from bot.settings import load_settings
from rasa_extensions.channels import formatting
from rasa_extensions.channels.common import (
    ExpiringCache,
    OnNewMessage,
    conversation_for,
    first_delivery,
    forbidden,
    require_id_secret,
    run_turn,
    same_secret,
    with_choice_resolved,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 300
NO_REPLY = "success"  # WeChat's documented "nothing to say" answer


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        max_age = load_settings().wechat_max_age_seconds
        return cls(
            str(credentials.get("token") or ""),
            max_age=DEFAULT_MAX_AGE if max_age is None else max_age,
        )

    def __init__(self, token: str, max_age: int = DEFAULT_MAX_AGE) -> None:
        if not token:
            raise ValueError("WeChat needs WECHAT_TOKEN")
        require_id_secret("WeChat")
        self.token = token
        self.max_age = max_age
        self._replies = ExpiringCache(ttl=120)  # retry key -> task giving the reply XML
        self._seen = ExpiringCache(ttl=2 * max_age + 60)  # (timestamp, nonce) -> body digest

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint("wechat_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def url_check(request: Request) -> HTTPResponse:
            problem = self._signature_problem(request)
            if problem:
                return forbidden("wechat", problem)
            return response.text(request.args.get("echostr") or "")

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            problem = self._signature_problem(request) or self._replay_problem(request)
            if problem:
                return forbidden("wechat", problem)
            if request.args.get("encrypt_type", "raw") != "raw":
                logger.error("wechat: encrypted mode is not supported; choose 明文模式")
                return response.text(NO_REPLY)
            try:
                fields = formatting.parse_wechat_xml(request.body)
            except formatting.BadXml as error:
                logger.warning("wechat: unreadable message (%s)", error)
                return response.text("bad request", status=400)
            reply = await self._reply_once(request, fields, on_new_message)
            if reply == NO_REPLY:
                return response.text(NO_REPLY)
            return response.text(reply, content_type="application/xml; charset=utf-8")

        return blueprint

    # --- verification ---------------------------------------------------------------------

    def _signature_problem(self, request: Request) -> str | None:
        timestamp = request.args.get("timestamp") or ""
        nonce = request.args.get("nonce") or ""
        signature = request.args.get("signature") or ""
        if not (timestamp and nonce and signature):
            return "missing signature parameters"
        expected = formatting.wechat_signature(self.token, timestamp, nonce)
        if not same_secret(signature, expected):
            return "wrong signature"
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > self.max_age:
            return "stale timestamp"
        return None

    def _replay_problem(self, request: Request) -> str | None:
        key = (request.args.get("timestamp"), request.args.get("nonce"))
        digest = hashlib.sha256(request.body).hexdigest()
        seen = self._seen.get(key)
        if seen is not None and seen != digest:
            return "signature replayed with another body"
        self._seen.set(key, digest)
        return None

    # --- replies ----------------------------------------------------------------------------

    async def _reply_once(
        self, request: Request, fields: dict[str, str], on_new_message: OnNewMessage
    ) -> str:
        """The reply to a message; a retry of the same message gets the same reply (a retry
        that reaches another server, or comes later, gets none: the turn runs once)."""
        key = _message_key(fields)
        task = self._replies.get(key)
        if task is None:
            task = asyncio.ensure_future(self._first_reply(key, request, fields, on_new_message))
            self._replies.set(key, task)
        return await asyncio.shield(task)

    async def _first_reply(
        self, key: str, request: Request, fields: dict[str, str], on_new_message: OnNewMessage
    ) -> str:
        if not await first_delivery("wechat", key):
            return NO_REPLY
        return await self._reply(request, fields, on_new_message)

    async def _reply(
        self, request: Request, fields: dict[str, str], on_new_message: OnNewMessage
    ) -> str:
        patient, account = fields.get("FromUserName", ""), fields.get("ToUserName", "")
        if not patient or not account:
            return NO_REPLY
        kind = fields.get("MsgType", "")
        text = ""
        if kind == "text":
            text = fields.get("Content", "")
        elif kind == "voice":
            text = fields.get("Recognition", "")
        if kind == "event":
            event = fields.get("Event", "").lower()
            content = formatting.wording("zh")["welcome"] if event == "subscribe" else ""
        elif not text.strip():
            content = formatting.wording("zh")["non_text"]
        else:
            conversation = conversation_for(WECHAT, patient)
            text = await with_choice_resolved(request, conversation, text)
            messages = await run_turn(on_new_message, text, conversation, self.name(),
                                      {"language": "zh"})  # WeChat's people read Chinese
            content = formatting.wechat_content(messages)
        if not content:
            return NO_REPLY
        return formatting.wechat_text_reply(patient, account, content, int(time.time()))


def _message_key(fields: dict[str, str]) -> str:
    """WeChat's MsgId; events have none, so (as WeChat's documentation advises) the sender,
    the time and the event, with the sender as its conversation id, never the OpenID."""
    if fields.get("MsgId"):
        return f"msg:{fields['MsgId']}"
    sender = fields.get("FromUserName") or ""
    who = conversation_for(WECHAT, sender) if sender else "-"
    parts = (fields.get(name) or "" for name in ("CreateTime", "MsgType", "Event"))
    return ":".join((who, *parts))
