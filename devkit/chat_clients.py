"""Patients chatting over the real channels, for `make bench` and `make load`.

One conversation is played turn by turn over REST (as an integration posts) or over the
website's socket.io channel (as the chat page connects: Origin header, session_request, then
user_uttered with the session id and proof the server issued, and the page's language as
metadata); a socket.io turn ends when the server acknowledges the user_uttered event, which it
does after the whole turn (every bot_uttered is sent before). What the patient says comes from
its devkit/rest_patient.py script: typed (devkit/typed_patients.py) or tapped buttons.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from bot.engine import screen
from bot.identity import WEB, conversation_id
from devkit.rest_patient import RestPatient
from devkit.servers import rest_headers, rest_id
from devkit.simulate import interview

CHANNELS = ("rest", "socketio")
AFFINITY_COOKIE = "rasa_affinity"  # the load balancer's sticky key for socket.io (deploy/)


@dataclass(frozen=True)
class Target:
    url: str  # a Rasa server or the load balancer in front of several
    origin: str | None  # an origin in ALLOWED_ORIGINS, sent by socket.io clients
    transports: tuple[str, ...] | None = None  # socket.io: None = polling, then websocket
    timeout: float = 60.0
    rest_url: str | None = None  # where the REST channel is, if not at `url` (the cluster's
    # internal listener: the public one passes no REST)


@dataclass
class Conversation:
    channel: str
    sender: str
    script: RestPatient  # the transcript, and what the patient says
    truth: dict[str, Any] = field(default_factory=dict)
    conversation_id: str = ""  # as the server stores it (set when the connection opens)
    sent: list[str] = field(default_factory=list)  # every message sent, in order
    latencies: list[float] = field(default_factory=list)  # seconds, one per complete turn
    completed: bool = False  # reached the screening result
    error: str | None = None

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every bot message, in order (socket.io messages in REST's shape)."""
        return [reply for _, replies in self.script.transcript for reply in replies]

    @property
    def questions(self) -> int:
        """Questions asked (one asked again, after a correction, counts once)."""
        return len(set(self.script.asked_slots))

    def verdicts_expected(self) -> bool:
        """Whether the result is the engine's for the patient's truth."""
        _, given = interview(self.truth)
        expected = {result.trial.nct_id: result.verdict for result in screen(given)}
        return self.completed and self.script.verdicts() == expected


class RestConnection:
    def __init__(self, target: Target, http: aiohttp.ClientSession, sender: str) -> None:
        self.url = f"{target.rest_url or target.url}/webhooks/rest/webhook"
        self.http, self.sender = http, sender
        self.conversation_id = rest_id(sender)
        self.timeout = aiohttp.ClientTimeout(total=target.timeout)

    async def open(self) -> None:
        pass

    async def turn(self, text: str) -> list[dict[str, Any]]:
        payload = {"sender": self.sender, "message": text}
        async with self.http.post(self.url, json=payload, timeout=self.timeout,
                                  headers=rest_headers()) as response:
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
            replies = await response.json()
        return [{k: v for k, v in reply.items() if k != "recipient_id"} for reply in replies]

    async def close(self) -> None:
        pass


class SocketIOConnection:
    """One website visitor: its own socket.io connection, and the session id and proof the
    server issues (rasa_extensions/channels/web.py); stored as `web:<id>`."""

    def __init__(self, target: Target, sender: str, language: str = "en") -> None:
        self.target, self.sender, self.language = target, sender, language
        self.conversation_id = ""  # web:<id>, once the server has issued the session
        self.session: dict[str, Any] = {}
        self.client = socketio.AsyncClient(reconnection=False)
        self.buffer: list[dict[str, Any]] = []
        self.confirmed = asyncio.Event()
        self.client.on("session_confirm", self._confirmed)
        self.client.on("bot_uttered", lambda data: self.buffer.append(rest_shape(data)))

    def _confirmed(self, confirm: dict[str, Any]) -> None:
        self.session = {"session_id": confirm["session_id"], "proof": confirm["proof"]}
        self.conversation_id = conversation_id(WEB, confirm["session_id"], secret="")
        self.confirmed.set()

    async def open(self) -> None:
        # Each visitor is its own client for the load balancer's sticky sessions (a browser
        # gets the cookie from the balancer; here every visitor brings a random one).
        headers = {"Cookie": f"{AFFINITY_COOKIE}={uuid.uuid4().hex}"}
        if self.target.origin:
            headers["Origin"] = self.target.origin
        await self.client.connect(
            self.target.url, headers=headers, socketio_path="/socket.io",
            transports=list(self.target.transports) if self.target.transports else None,
            wait_timeout=self.target.timeout,
        )
        await self.client.emit("session_request", {})
        await asyncio.wait_for(self.confirmed.wait(), self.target.timeout)

    async def turn(self, text: str) -> list[dict[str, Any]]:
        # The acknowledgement comes after the turn's last bot_uttered, on the same connection.
        message = {"message": text, **self.session, "metadata": {"language": self.language}}
        ack = await self.client.call("user_uttered", message, timeout=self.target.timeout)
        if not (isinstance(ack, dict) and ack.get("accepted")):
            raise RuntimeError(f"message refused: {ack}")
        replies, self.buffer = self.buffer, []
        return replies

    async def close(self) -> None:
        await self.client.disconnect()


Connection = RestConnection | SocketIOConnection


def connect(conversation: Conversation, target: Target,
            http: aiohttp.ClientSession) -> Connection:
    """The conversation's connection, on its channel (not opened yet)."""
    if conversation.channel == "rest":
        return RestConnection(target, http, conversation.sender)
    return SocketIOConnection(target, conversation.sender, conversation.script.language)


def rest_shape(message: dict[str, Any]) -> dict[str, Any]:
    """A socket.io bot message as the REST channel gives it: buttons, custom messages."""
    if "text" not in message and "type" in message:
        return {"custom": message}
    shaped = {k: v for k, v in message.items() if k != "quick_replies"}
    if message.get("quick_replies"):
        shaped["buttons"] = [{"title": b["title"], "payload": b["payload"]}
                             for b in message["quick_replies"]]
    return shaped


async def play(connection: Connection, conversation: Conversation,
               deadline: float = math.inf) -> None:
    """One screening, turn by turn, until the result or the deadline (time.monotonic(),
    checked between turns, so every turn sent is a complete one). Failures are recorded in
    the conversation, never raised."""
    script = conversation.script
    try:
        await connection.open()
        conversation.conversation_id = connection.conversation_id
        for text in script.messages(conversation.truth):
            if time.monotonic() >= deadline:
                return
            conversation.sent.append(text)
            started = time.perf_counter()
            replies = await connection.turn(text)
            conversation.latencies.append(time.perf_counter() - started)
            script.transcript.append((text, replies))
        if script.result() is None:
            raise AssertionError("the screening ended without a screening_result message")
        conversation.completed = True
    except Exception as error:  # every failure is counted and reported, never raised
        conversation.error = f"{type(error).__name__}: {error}".strip()
    finally:
        try:
            await connection.close()
        except Exception as error:
            conversation.error = conversation.error or f"closing: {error}"
