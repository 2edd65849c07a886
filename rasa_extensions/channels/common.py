"""What the messaging channels share: running one turn, signatures, replies by number, HTTP.

Each webhook verifies its request first (HTTP 403 otherwise, before anything reaches a
conversation), then runs the patient's message through Rasa with a `TurnCollector` as output
channel, then sends everything the assistant said in that turn, formatted for the app
(formatting.py). Collecting the turn lets SMS and WeChat send it as one message, and keeps the
order of messages on every app.

Conversation ids: each channel names its conversations `<namespace>:<keyed hash of the
platform id>` (bot/identity.py, `conversation_for`), never the phone number or account id
itself, and replies still go to the platform id from the request. A message the platform sends
again (a retry, or a replayed signed request) is processed once (`first_delivery`).

Logging: never the text of a message, a phone number or an account id; at INFO only what
happened ("rejected: bad signature", "send failed: HTTP 400").
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.identity import conversation_id
from bot.settings import load_settings
from bot.storage import seen_messages
from rasa_extensions.channels import formatting

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
_KEPT_KEYS = ("text", "buttons", "quick_replies", "image", "custom")


def conversation_for(namespace: str, platform_id: str) -> str:
    """The conversation id of a platform's user id on a messaging channel."""
    return conversation_id(namespace, platform_id, _id_secret())


def require_id_secret(channel: str) -> None:
    """Refuse to start a messaging channel that could not hash its ids."""
    if not _id_secret():
        raise ValueError(f"{channel} needs CONVERSATION_ID_SECRET (`make run` generates one)")


@functools.cache
def _id_secret() -> str:
    return load_settings().conversation_id_secret


async def first_delivery(channel: str, message_id: str | None) -> bool:
    """True unless this platform message id was processed before (on any server). A message
    without an id, or a database that cannot answer, is processed (logged, never dropped)."""
    if not message_id:
        return True
    try:
        return await asyncio.to_thread(seen_messages.claim, channel, message_id)
    except Exception as error:
        logger.warning("%s webhook: could not check for a repeated message (%s)", channel,
                       type(error).__name__)
        return True


def same_secret(given: str | bytes | None, expected: str | bytes) -> bool:
    """Constant-time comparison; a missing value never matches."""
    if not given or not expected:
        return False
    given = given.encode("utf-8") if isinstance(given, str) else given
    expected = expected.encode("utf-8") if isinstance(expected, str) else expected
    return hmac.compare_digest(given, expected)


def forbidden(channel: str, reason: str) -> HTTPResponse:
    logger.warning("%s webhook: request rejected (%s)", channel, reason)
    return response.text("forbidden", status=403)


class TurnCollector(OutputChannel):
    """Keeps the bot messages of one turn, to be formatted and sent together after it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        kept = {k: copy.deepcopy(message[k]) for k in _KEPT_KEYS if message.get(k)}
        if kept:
            self.messages.append(kept)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class DirectOutput(OutputChannel):
    """Sends each message at once, for messages Rasa sends outside a webhook turn (the HTTP API's
    `output_channel` option, reminders). `deliver(recipient, messages)` does the sending."""

    channel_name = "direct"

    def __init__(self, deliver: Callable[[str, list[dict[str, Any]]], Awaitable[None]]) -> None:
        self._deliver = deliver

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        collector = TurnCollector()
        await collector.send_response(recipient_id, message)
        if collector.messages:
            await self._deliver(recipient_id, collector.messages)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


async def run_turn(
    on_new_message: OnNewMessage, text: str, sender_id: str, channel: str,
    metadata: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run one patient message through Rasa; returns what the assistant said, in order.
    `metadata` is what the platform tells of the message ({"language": "zh"}: bot.language
    decides the conversation's language from the first message's)."""
    collector = TurnCollector()
    try:
        await on_new_message(UserMessage(text, collector, sender_id, input_channel=channel,
                                         metadata=metadata or None))
    except Exception:  # whatever was said before the failure is still sent
        logger.exception("%s webhook: handling a message failed", channel)
    return collector.messages


# --- the conversation's buttons, from the tracker store -----------------------------------------


async def conversation_events(request: Request, sender_id: str) -> list[tuple[str, str, list]]:
    """(kind, text, buttons) of the conversation's current session, oldest first, read from
    Rasa's tracker store (so every Rasa server behind a load balancer sees the same buttons).
    Empty when there is no conversation yet. Nothing is written."""
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:
        logger.exception("could not read the conversation's latest buttons")
        return []
    if tracker is None:
        return []
    events = []
    for event in tracker.events:
        kind = getattr(event, "type_name", "")
        if kind == "user":
            events.append(("user", "", []))
        elif kind == "bot":
            data = getattr(event, "data", None) or {}
            events.append(("bot", getattr(event, "text", "") or "", data.get("buttons") or []))
    return events


async def with_choice_resolved(request: Request, sender_id: str, text: str) -> str:
    """A reply naming an option by number ("2", "2.") becomes that option's payload; any other
    text is returned as it is. The tracker store is read only for replies that look like a
    number."""
    if formatting.parse_choice(text) is None:
        return text
    latest = formatting.latest_buttons(await conversation_events(request, sender_id))
    return formatting.resolve_choice(text, latest) or text


# --- small bounded caches -------------------------------------------------------------------------


class ExpiringCache:
    """A small in-process map whose entries expire after `ttl` seconds, holding at most
    `max_items` (the oldest go first). Used for WeChat's retry and replay checks, which only
    need to remember the last few minutes."""

    def __init__(self, ttl: float, max_items: int = 10_000) -> None:
        self.ttl, self.max_items = ttl, max_items
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()

    def get(self, key: Any, default: Any = None) -> Any:
        self._expire()
        found = self._items.get(key)
        return found[1] if found else default

    def __contains__(self, key: Any) -> bool:
        self._expire()
        return key in self._items

    def set(self, key: Any, value: Any) -> None:
        self._items[key] = (time.monotonic() + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def _expire(self) -> None:
        now = time.monotonic()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now:
                break
            del self._items[key]


# --- HTTP to the platforms' APIs ---------------------------------------------------------------


class ApiClient:
    """One aiohttp session per channel, created in the server's event loop on first use."""

    def __init__(self, channel: str, timeout: float = 15) -> None:
        self.channel = channel
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, *, what: str, **kwargs: Any) -> tuple[int, Any]:
        """POST; returns (status, parsed JSON or text), (0, None) when the API is unreachable.
        Failures are logged with the status only (`what` names the call, never the content)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(url, **kwargs) as reply:
                try:
                    body: Any = await reply.json(content_type=None)
                except ValueError:
                    body = await reply.text()
                if reply.status >= 300:
                    logger.warning("%s %s failed: HTTP %s", self.channel, what, reply.status)
                return reply.status, body
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("%s %s failed: %s", self.channel, what, type(error).__name__)
            return 0, None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
