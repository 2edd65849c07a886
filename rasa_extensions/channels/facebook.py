"""Facebook Messenger, verified by X-Hub-Signature-256.

credentials.yml:

    rasa_extensions.channels.facebook.VerifiedFacebookInput:
      verify: ${FACEBOOK_VERIFY_TOKEN}
      secret: ${FACEBOOK_APP_SECRET}
      page-access-token: ${FACEBOOK_PAGE_ACCESS_TOKEN}

Differences from Rasa's FacebookInput (subclassed for its name, credentials keys and URLs):
- POSTs must carry `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app
  secret>`, compared in constant time, else HTTP 403 (Rasa's reads only the SHA-1
  `X-Hub-Signature`, compares with `==`, and answers 200 "not validated").
- The GET handshake answers `hub.challenge` only for `hub.mode=subscribe` with the right
  `hub.verify_token` (constant time), else 403.
- Every event of a batch is handled (Rasa's stops after the first). Echoes, deliveries and reads
  are ignored; attachments get a polite "text only" reply without reaching the conversation.
- Replies go through the Graph API send endpoint with plain aiohttp (FACEBOOK_GRAPH_URL,
  default https://graph.facebook.com/v21.0); options as quick replies (formatting.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.identity import FACEBOOK
from bot.settings import load_settings
from rasa_extensions.channels import formatting
from rasa_extensions.channels.common import (
    ApiClient,
    DirectOutput,
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

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"


def hub_signature(app_secret: str, body: bytes) -> str:
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class GraphApi:
    def __init__(self, page_access_token: str, graph_url: str) -> None:
        self._url = f"{graph_url.rstrip('/')}/me/messages"
        self._token = page_access_token
        self.client = ApiClient("facebook")

    async def send(self, recipient: str, message: dict[str, Any]) -> bool:
        body = {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": message}
        status, _ = await self.client.post(
            self._url, params={"access_token": self._token}, json=body, what="send"
        )
        return status == 200

    async def deliver(self, recipient: str, messages: list[dict[str, Any]]) -> None:
        for message in formatting.messenger_messages(messages):
            await self.send(recipient, message)


class MessengerOutput(DirectOutput):
    channel_name = "facebook"


class VerifiedFacebookInput(FacebookInput):
    @classmethod
    def name(cls) -> str:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> VerifiedFacebookInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            str(credentials.get("verify") or ""),
            str(credentials.get("secret") or ""),
            str(credentials.get("page-access-token") or ""),
            graph_url=load_settings().facebook_graph_url or DEFAULT_GRAPH_URL,
        )

    def __init__(
        self, fb_verify: str, fb_secret: str, fb_access_token: str,
        graph_url: str = DEFAULT_GRAPH_URL,
    ) -> None:
        if not (fb_verify and fb_secret and fb_access_token):
            raise ValueError("Messenger needs FACEBOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET and "
                             "FACEBOOK_PAGE_ACCESS_TOKEN")
        require_id_secret("Messenger")
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.api = GraphApi(fb_access_token, graph_url)

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.api.deliver)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint("verified_fb_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def verify_token(request: Request) -> HTTPResponse:
            mode = request.args.get("hub.mode")
            token = request.args.get("hub.verify_token")
            if mode != "subscribe" or not same_secret(token, self.fb_verify):
                return forbidden("facebook", "wrong verify token")
            return response.text(request.args.get("hub.challenge") or "")

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            expected = hub_signature(self.fb_secret, request.body)
            if not same_secret(request.headers.get(SIGNATURE_HEADER), expected):
                return forbidden("facebook", "missing or wrong X-Hub-Signature-256")
            try:
                payload = json.loads(request.body)
            except ValueError:
                return response.text("bad request", status=400)
            for event in _messaging_events(payload):
                await self._handle(request, event, on_new_message)
            return response.text("EVENT_RECEIVED")

        @blueprint.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.api.client.close()

        return blueprint

    async def _handle(
        self, request: Request, event: dict[str, Any], on_new_message: OnNewMessage
    ) -> None:
        sender = str((event.get("sender") or {}).get("id") or "")
        if not sender:
            return
        conversation = conversation_for(FACEBOOK, sender)
        message = event.get("message")
        postback = event.get("postback")
        if not await first_delivery("facebook", _event_id(event, conversation)):
            return
        if isinstance(message, dict):
            if message.get("is_echo"):
                return
            quick_reply = message.get("quick_reply") or {}
            if quick_reply.get("payload"):
                text = str(quick_reply["payload"])
            elif isinstance(message.get("text"), str) and message["text"].strip():
                text = await with_choice_resolved(request, conversation, message["text"])
            else:  # attachments: photos, voice, stickers, files, locations
                await self.api.deliver(sender, [{"text": formatting.wording()["non_text"]}])
                return
        elif isinstance(postback, dict) and postback.get("payload"):
            text = str(postback["payload"])
        else:  # deliveries, reads, reactions, ...
            return
        messages = await run_turn(on_new_message, text, conversation, self.name())
        await self.api.deliver(sender, messages)


def _event_id(event: dict[str, Any], conversation: str) -> str | None:
    """Messenger's id of a message or postback (`mid`); for events without one, the
    conversation and the event's time, which a resent event repeats."""
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and part.get("mid"):
            return f"{kind}:{part['mid']}"
    if event.get("timestamp") is not None and (event.get("message") or event.get("postback")):
        return f"{conversation}:{event['timestamp']}"
    return None


def _messaging_events(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or payload.get("object") != "page":
        return []
    events = []
    for entry in payload.get("entry") or []:
        if isinstance(entry, dict):
            events += [e for e in entry.get("messaging") or [] if isinstance(e, dict)]
    return events
