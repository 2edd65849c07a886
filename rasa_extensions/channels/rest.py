"""The REST channel, for integrations and tests only: behind a bearer token, in its own
namespace.

credentials.yml:

    rasa_extensions.channels.rest.TokenRestInput:
      token: ${REST_CHANNEL_TOKEN}

Rasa's RestInput answers anyone and uses the request's `sender` as the conversation id, so
any client on the internet could read and change any conversation whose id it could guess
(an SMS patient's is their phone number). This channel keeps Rasa's URL and reply format
(`POST /webhooks/rest/webhook`, a JSON list of messages) and adds:

- Off unless REST_CHANNEL_TOKEN is set (the credentials filter leaves the channel out).
- Every POST must carry `Authorization: Bearer <token>`, compared in constant time; else
  HTTP 401 before the body is read as a message, and nothing is stored.
- The conversation id is `rest:<sender>` (bot/identity.py), so a REST client reaches only
  REST conversations, whatever it puts in `sender`.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.identity import REST, IdentityError, conversation_id
from rasa_extensions.channels.common import OnNewMessage, same_secret

BEARER = "Bearer "


class TokenRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        return cls(str((credentials or {}).get("token") or ""))

    def __init__(self, token: str) -> None:
        if len(token) < 16:
            raise ValueError("the REST channel needs REST_CHANNEL_TOKEN (at least 16 characters)")
        self.token = token

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def authenticate(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            if not same_secret(bearer_token(request), self.token):
                return response.json({"error": "unauthorized"}, status=401,
                                     headers={"WWW-Authenticate": "Bearer"})
            return None

        return blueprint

    async def _extract_sender(self, request: Request) -> str:
        sender = await super()._extract_sender(request)  # checked by the rest-request-check patch
        try:
            return conversation_id(REST, str(sender), secret="")
        except IdentityError as error:
            raise InvalidUsage(f"'sender': {error}") from None

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """The request body's `metadata` object ({"language": "zh"}), passed to the message."""
        body = request.json if isinstance(request.json, dict) else {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def _extract_input_channel(self, request: Request) -> str:
        return self.name()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization") or ""
    return header[len(BEARER):].strip() if header.startswith(BEARER) else None
