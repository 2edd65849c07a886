"""The website's socket.io channel: the server issues the session, and only its proof reaches it.

Rasa's SocketIOInput with `session_persistence` lets the browser name any session id and joins
that conversation's room: whoever knows an id reads the replies and writes into it. This
channel keeps Rasa's path and event names (`session_request`, `session_confirm`,
`user_uttered`, `bot_uttered`) and replaces their handlers:

- `session_request {session_id?, proof?}`: a valid, unexpired, unrevoked proof resumes that
  session; anything else (no id, an invented or copied id without its proof, a tampered or
  expired proof, a revoked id) gets a new random id. Either way the socket joins the room of
  that conversation only, and `session_confirm {session_id, proof, expires_at, resumed}`
  carries a newly issued proof (bot/web_session.py says how long it lives).
- `user_uttered {message, session_id, proof, metadata?}`: the proof is checked again on every
  message, before anything reaches Rasa. A bad one is refused in the acknowledgement
  (`{"refused": "invalid"}`): nothing is stored, nothing answered. `{"refused":
  "unavailable"}` when revocation could not be checked (database down): the client keeps its
  session and sends again later. An accepted message is acknowledged after its turn.
- `session_end {session_id, proof}` ('End chat'): the id is revoked on every server
  (bot/storage/web_sessions.py); other tabs in that conversation get `session_ended`.
- After a turn in which the id was revoked ('delete my data' revokes it in the action
  server's hook, bot/storage/hooks.py), the room gets `session_ended` and is closed.

The conversation is stored as `web:<session id>` (bot/identity.py), and replies go to the room
of that name. Rasa 3.6.21's own handler calls `enter_room` without `await` (a coroutine in
later python-socketio versions); `_settle` awaits it whichever version is installed.

The browser's Origin is also checked on every connection: Rasa leaves CORS to Sanic, which
only covers long-polling, so a WebSocket from any site was accepted. A connection whose Origin
is not in ALLOWED_ORIGINS is refused; clients that send none (not browsers) are accepted, and
still reach nothing without a proof.

Custom messages (the `screening_result`): Rasa's SocketIOOutput.send_custom_json passes the
message's keys to `emit()` as keyword arguments, which python-socketio 5.9 refuses (TypeError:
emit() got an unexpected keyword argument 'type'), so the result and everything after it in
the turn never reached the website. The patch `socketio-custom-json` (in PATCHES, installed by
rasa_extensions/patches with the others) sends the message as the event's data to the
conversation's room, as Rasa sends its text messages.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

from bot import web_session
from bot.identity import WEB, conversation_id
from bot.settings import load_settings
from bot.storage import db, web_sessions
from rasa_extensions.patches.core import Patch

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
INVALID, UNAVAILABLE = {"refused": "invalid"}, {"refused": "unavailable"}


class OriginCheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        settings = load_settings()
        gate = SessionGate(self.sio, self.namespace, settings.web_session_secret,
                           settings.web_session_idle)
        namespace = self.namespace or "/"
        rasa_connect = self.sio.handlers[namespace]["connect"]
        allowed = set(settings.allowed_origins)

        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin not in allowed:
                logger.info("socket.io connection refused: origin not allowed")
                return False
            return await rasa_connect(sid, environ, auth)

        async def handle_message(sid: str, data: Any) -> dict[str, Any]:
            return await gate.message(sid, data, on_new_message, self._user_message)

        self.sio.on("connect", connect, namespace=self.namespace)
        self.sio.on("session_request", gate.open, namespace=self.namespace)
        self.sio.on("session_end", gate.end, namespace=self.namespace)
        self.sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint

    def _user_message(self, text: str, conversation: str, metadata: Any) -> UserMessage:
        output = SocketIOOutput(self.sio, self.bot_message_evt)
        return UserMessage(text, output, conversation, input_channel=self.name(),
                           metadata=_metadata(metadata))


class SessionGate:
    """Issues, checks and ends website sessions for one socket.io server."""

    def __init__(self, sio: AsyncServer, namespace: str | None, secret: str,
                 lifetime: timedelta) -> None:
        if len(secret) < 16:
            raise ValueError("the website channel needs WEB_SESSION_SECRET "
                             "(`make run` generates one)")
        self.sio, self.namespace = sio, namespace or "/"
        self.secret, self.lifetime = secret, lifetime
        # Resolved once: reading the settings (and .env) on each check was a quarter of it.
        self.database_url = db.database_url()

    async def open(self, sid: str, data: Any) -> None:
        """session_request: resume the session the proof names, or start a new one."""
        data = data if isinstance(data, dict) else {}
        session_id = data.get("session_id")
        outcome, _ = web_session.check(session_id, data.get("proof"), self.secret)
        resumed = False
        if outcome is web_session.Check.VALID:
            try:
                resumed = not await asyncio.to_thread(web_sessions.is_revoked, session_id,
                                                    self.database_url)
            except Exception as error:
                logger.error("web session: revocation check failed (%s)", type(error).__name__)
                await self.sio.emit("session_unavailable", {}, room=sid, namespace=self.namespace)
                return
        if not resumed:
            session_id = web_session.new_session_id()
        await self._join(sid, _conversation(session_id))
        await self._confirm(sid, session_id, resumed)

    async def message(self, sid: str, data: Any, on_new_message: OnNewMessage,
                      build: Callable[[str, str, Any], UserMessage]) -> dict[str, Any]:
        """user_uttered: run the turn only for a valid, unrevoked proof."""
        if not isinstance(data, dict):
            return INVALID
        session_id, text = data.get("session_id"), data.get("message", "")
        outcome, proof = web_session.check(session_id, data.get("proof"), self.secret)
        if outcome is not web_session.Check.VALID:
            logger.info("web session: message refused (%s proof)", outcome.value)
            return INVALID
        if not isinstance(text, str):
            return {"refused": "bad_message"}
        refused = await self._revoked(session_id)
        if refused:
            return refused
        conversation = _conversation(session_id)
        await self._join(sid, conversation)
        if proof.issued_before(self.lifetime, web_session.RENEW_AFTER):
            await self._confirm(sid, session_id, resumed=True)
        await on_new_message(build(text, conversation, data.get("metadata")))
        if await self._revoked(session_id):  # 'delete my data' in this turn
            await self._close(conversation, "ended")
        return {"accepted": True}

    async def end(self, sid: str, data: Any) -> dict[str, Any]:
        """session_end ('End chat'): revoke the id; other tabs on it are told."""
        data = data if isinstance(data, dict) else {}
        session_id = data.get("session_id")
        outcome, _ = web_session.check(session_id, data.get("proof"), self.secret)
        if outcome is web_session.Check.INVALID:
            return INVALID
        if outcome is web_session.Check.VALID:
            try:
                await asyncio.to_thread(web_sessions.revoke, session_id, url=self.database_url)
            except Exception as error:
                logger.error("web session: revocation failed (%s)", type(error).__name__)
                return UNAVAILABLE
        await self._close(_conversation(session_id), "ended", skip_sid=sid)
        return {"ended": True}

    async def _revoked(self, session_id: str) -> dict[str, str] | None:
        """INVALID when revoked, UNAVAILABLE when that cannot be known, else None.

        Asked on the event loop, not in a thread: it is one primary-key lookup in the database
        Rasa's tracker store already queries on the loop, and each thread hop cost a socket.io
        turn another pass of a busy loop (`scripts.loadtest --concurrency 8`, REST and
        socket.io mixed: socket.io p50 / p95 197 / 349 ms with two hops a turn, 149 / 289
        without; REST unchanged)."""
        try:
            revoked = web_sessions.is_revoked(session_id, self.database_url)
        except Exception as error:
            logger.error("web session: revocation check failed (%s)", type(error).__name__)
            return UNAVAILABLE
        return INVALID if revoked else None

    async def _confirm(self, sid: str, session_id: str, resumed: bool) -> None:
        proof = web_session.issue(session_id, self.secret, self.lifetime)
        await self.sio.emit("session_confirm", {
            "session_id": session_id, "proof": proof.token, "expires_at": proof.expires_at,
            "resumed": resumed,
        }, room=sid, namespace=self.namespace)

    async def _join(self, sid: str, conversation: str) -> None:
        """The socket is in its own room and in one conversation's room, never two."""
        for room in self.sio.rooms(sid, namespace=self.namespace):
            if room not in (sid, conversation):
                await _settle(self.sio.leave_room(sid, room, namespace=self.namespace))
        await _settle(self.sio.enter_room(sid, conversation, namespace=self.namespace))

    async def _close(self, conversation: str, reason: str, skip_sid: str | None = None) -> None:
        session_id = web_session.session_of(conversation)
        await self.sio.emit("session_ended", {"session_id": session_id, "reason": reason},
                            room=conversation, skip_sid=skip_sid, namespace=self.namespace)
        await _settle(self.sio.close_room(conversation, namespace=self.namespace))


def _conversation(session_id: str) -> str:
    return conversation_id(WEB, session_id, secret="")


def _metadata(raw: Any) -> dict[str, Any]:
    """Rasa accepts metadata as an object or as JSON text; anything else is dropped."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


async def _settle(result: Any) -> None:
    """Await python-socketio's room calls where they are coroutines (newer versions), and
    accept their plain return where they are not (the pinned 5.9.0)."""
    if inspect.isawaitable(result):
        await result


async def _send_custom_json(self: SocketIOOutput, recipient_id: str,
                            json_message: dict[str, Any], **_: Any) -> None:
    await self.sio.emit(self.bot_message_evt, json_message, room=recipient_id)


PATCHES = (
    Patch(
        name="socketio-custom-json",
        module="rasa.core.channels.socketio", attribute="SocketIOOutput.send_custom_json",
        why="python-socketio refused Rasa's emit(**message): no result card on the website",
        make=lambda original: _send_custom_json,
        tests=("tests/browser/test_chat.py::test_a_full_screening_by_tapping_buttons",
               "tests/e2e/test_socketio.py::test_the_screening_result_reaches_the_website"),
    ),
)
