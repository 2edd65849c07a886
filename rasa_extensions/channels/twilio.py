"""Twilio SMS and WhatsApp, verified by X-Twilio-Signature.

credentials.yml:

    rasa_extensions.channels.twilio.VerifiedTwilioInput:
      account_sid: ${TWILIO_ACCOUNT_SID}
      auth_token: ${TWILIO_AUTH_TOKEN}
      webhook_url: ${TWILIO_WEBHOOK_URL}

Differences from Rasa's TwilioInput (subclassed for its name and URL layout):
- Every POST must carry a valid `X-Twilio-Signature`, checked with twilio's own
  `RequestValidator(auth_token).validate(url, params, signature)` over TWILIO_WEBHOOK_URL (the
  public URL configured in Twilio's console, since behind a proxy the URL this server sees
  differs) and the form parameters, blank ones included; else HTTP 403.
- One webhook serves SMS and WhatsApp: the reply goes from the number the patient wrote to
  (the request's `To`, e.g. `whatsapp:+86...`), so no sender number is configured.
- Replies go through the Messages REST API with plain aiohttp (TWILIO_API_URL, default
  https://api.twilio.com; basic auth account SID : auth token), not twilio's blocking client.
  The whole turn is one message when it fits 1600 characters, else parts marked (1/2), (2/2)
  (SMS can arrive out of order); options are numbered.
- Media without text (photos, voice notes, locations) gets a polite "text only" reply.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.identity import SMS, WHATSAPP
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
    with_choice_resolved,
)

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class FormParams(dict):
    """Form fields as lists, blank values kept (Twilio signs them; Sanic's `request.form`
    drops them). RequestValidator reads multiple values through `getlist`."""

    @classmethod
    def parse(cls, body: bytes) -> FormParams:
        return cls(parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True))

    def getlist(self, name: str) -> list[str]:
        return self.get(name, [])

    def first(self, name: str) -> str:
        values = self.get(name) or [""]
        return values[0]


class TwilioApi:
    def __init__(self, account_sid: str, auth_token: str, api_url: str) -> None:
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.client = ApiClient("twilio")

    async def send(self, to: str, from_: str, body: str) -> bool:
        status, _ = await self.client.post(
            self._url, data={"To": to, "From": from_, "Body": body}, auth=self._auth,
            what="message create",
        )
        return status in (200, 201)

    async def deliver(self, to: str, from_: str, messages: list[dict[str, Any]]) -> None:
        for body in formatting.sms_bodies(messages):
            await self.send(to, from_, body)


class TwilioOutput(DirectOutput):
    channel_name = "twilio"


class VerifiedTwilioInput(TwilioInput):
    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> VerifiedTwilioInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        settings = load_settings()
        return cls(
            str(credentials.get("account_sid") or ""),
            str(credentials.get("auth_token") or ""),
            str(credentials.get("webhook_url") or ""),
            api_url=settings.twilio_api_url or DEFAULT_API_URL,
            twilio_number=settings.twilio_number or None,
        )

    def __init__(
        self, account_sid: str, auth_token: str, webhook_url: str,
        api_url: str = DEFAULT_API_URL, twilio_number: str | None = None,
    ) -> None:
        if not (account_sid and auth_token and webhook_url):
            raise ValueError("Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                             "TWILIO_WEBHOOK_URL")
        require_id_secret("Twilio")
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        self.webhook_url = webhook_url
        self.validator = RequestValidator(auth_token)
        self.api = TwilioApi(account_sid, auth_token, api_url)

    def get_output_channel(self) -> TwilioOutput | None:
        """For messages outside a webhook turn; needs TWILIO_NUMBER to send from (SMS only)."""
        if not self.twilio_number:
            return None
        number = self.twilio_number
        return TwilioOutput(lambda to, messages: self.api.deliver(to, number, messages))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint("verified_twilio_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            params = FormParams.parse(request.body)
            signature = request.headers.get("X-Twilio-Signature") or ""
            if not signature or not self.validator.validate(self.webhook_url, params, signature):
                return forbidden("twilio", "missing or wrong X-Twilio-Signature")
            sender, ours = params.first("From"), params.first("To") or self.twilio_number
            message_id = params.first("MessageSid") or params.first("SmsMessageSid")
            if sender and ours and await first_delivery("twilio", message_id):
                await self._handle(request, params, sender, ours, on_new_message)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @blueprint.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.api.client.close()

        return blueprint

    async def _handle(
        self, request: Request, params: FormParams, sender: str, ours: str,
        on_new_message: OnNewMessage,
    ) -> None:
        text = params.first("Body").replace("¡", "@")  # some carriers corrupt '@' (as Rasa does)
        if not text.strip():
            await self.api.deliver(sender, ours, [{"text": formatting.wording()["non_text"]}])
            return
        conversation = conversation_for(WHATSAPP if sender.startswith("whatsapp:") else SMS,
                                        sender)
        text = await with_choice_resolved(request, conversation, text)
        messages = await run_turn(on_new_message, text, conversation, self.name())
        await self.api.deliver(sender, ours, messages)
