"""Telegram, verified by the webhook's secret token.

credentials.yml:

    rasa_extensions.channels.telegram.VerifiedTelegramInput:
      access_token: ${TELEGRAM_BOT_TOKEN}
      secret_token: ${TELEGRAM_SECRET_TOKEN}

Differences from Rasa's TelegramInput (which this subclasses for its name and URL layout):
- Every update must carry `X-Telegram-Bot-Api-Secret-Token` equal to TELEGRAM_SECRET_TOKEN
  (compared in constant time), else HTTP 403. Rasa's channel checks nothing (it calls getMe
  and compares the bot's own username, which any sender passes).
- Nothing calls Telegram at start-up: Rasa's channel registers the webhook from
  get_output_channel(), so an offline start fails. Registering is a separate step:
  `python -m rasa_extensions.channels telegram-webhook` (see __main__.py), which also passes the
  secret token to Telegram. There is no unauthenticated /set_webhook route.
- Replies go through the Bot API's sendMessage with plain aiohttp (TELEGRAM_API_URL, default
  https://api.telegram.org, so tests can use a local fake); options as an inline keyboard, a
  tap is answered with answerCallbackQuery. Only private chats are served (a group chat about
  someone's health is not private); edited messages are ignored (the bot cannot tell which
  answer an edit was meant to change; patients can say "actually ...").
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.channels.telegram import TelegramInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import language
from bot.identity import TELEGRAM
from bot.settings import load_settings
from rasa_extensions.channels import formatting
from rasa_extensions.channels.common import (
    ApiClient,
    DirectOutput,
    OnNewMessage,
    conversation_events,
    conversation_for,
    first_delivery,
    forbidden,
    require_id_secret,
    run_turn,
    same_secret,
    with_choice_resolved,
)

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramApi:
    """The few Bot API methods the channel uses."""

    def __init__(self, token: str, api_url: str) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self.client = ApiClient("telegram")

    async def call(self, method: str, body: dict[str, Any]) -> bool:
        status, reply = await self.client.post(f"{self._base}/{method}", json=body, what=method)
        return status == 200 and isinstance(reply, dict) and reply.get("ok") is True

    async def deliver(self, chat_id: str, messages: list[dict[str, Any]]) -> None:
        for body in formatting.telegram_messages(messages):
            await self.call("sendMessage", {"chat_id": chat_id, **body})


class TelegramOutput(DirectOutput):
    channel_name = "telegram"


class VerifiedTelegramInput(TelegramInput):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> VerifiedTelegramInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            access_token=str(credentials.get("access_token") or ""),
            secret_token=str(credentials.get("secret_token") or ""),
            api_url=load_settings().telegram_api_url or DEFAULT_API_URL,
        )

    def __init__(self, access_token: str, secret_token: str, api_url: str = DEFAULT_API_URL):
        if not access_token or not secret_token:
            raise ValueError("Telegram needs TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN")
        require_id_secret("Telegram")
        super().__init__(access_token, verify=None, webhook_url=None, debug_mode=False)
        self.secret_token = secret_token
        self.api = TelegramApi(access_token, api_url)

    def get_output_channel(self) -> TelegramOutput:
        """No network call here (Rasa's registers the webhook at this point)."""
        return TelegramOutput(self.api.deliver)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint("verified_telegram_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not same_secret(request.headers.get(SECRET_HEADER), self.secret_token):
                return forbidden("telegram", "missing or wrong secret token")
            try:
                update = json.loads(request.body)
            except ValueError:
                return response.text("bad request", status=400)
            if isinstance(update, dict) and await first_delivery(
                    "telegram", str(update.get("update_id") or "")):
                await self._handle(request, update, on_new_message)
            return response.text("ok")

        @blueprint.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.api.client.close()

        return blueprint

    async def _handle(
        self, request: Request, update: dict[str, Any], on_new_message: OnNewMessage
    ) -> None:
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            chat, text = await self._tapped(request, callback)
        elif isinstance(update.get("message"), dict):
            chat, text = await self._typed(request, update["message"])
        else:  # edited messages, channel posts, ...: nothing to answer
            return
        if chat is None or text is None:
            return
        conversation = conversation_for(TELEGRAM, chat)
        sender = (callback if isinstance(callback, dict) else update["message"]).get("from")
        code = language.telegram_language((sender or {}).get("language_code"))
        metadata = {"language": code} if code else None
        messages = await run_turn(on_new_message, text, conversation, self.name(), metadata)
        await self.api.deliver(chat, messages)

    async def _typed(
        self, request: Request, message: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        chat = _private_chat(message)
        if chat is None:
            return None, None
        text = message.get("text")
        if not isinstance(text, str) or not text.strip():
            await self.api.deliver(chat, [{"text": formatting.wording()["non_text"]}])
            return None, None
        if text.strip().split(" ")[0].split("@")[0] == "/start":  # opening the bot
            return chat, "hello"
        return chat, await with_choice_resolved(request, conversation_for(TELEGRAM, chat), text)

    async def _tapped(
        self, request: Request, callback: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        chat = _private_chat(callback.get("message") or {})
        data = callback.get("data")
        answer: dict[str, Any] = {"callback_query_id": str(callback.get("id", ""))}
        payload = None
        if chat is not None and isinstance(data, str) and data:
            if data.startswith("#"):
                events = await conversation_events(request, conversation_for(TELEGRAM, chat))
                offered = [b for _, _, bs in events for b in bs]
                payload = formatting.resolve_callback(data, offered)
            else:
                payload = data
            if payload is None:
                answer["text"] = formatting.wording()["button_expired"]
        await self.api.call("answerCallbackQuery", answer)
        return (chat, payload) if payload else (None, None)


def _private_chat(message: dict[str, Any]) -> str | None:
    chat = message.get("chat") or {}
    if chat.get("type") != "private" or chat.get("id") is None:
        if chat:
            logger.info("telegram: ignored an update from a non-private chat")
        return None
    return str(chat["id"])
