"""A website visitor's socket.io connection for tests: one browser tab, speaking the website
channel's protocol (rasa_extensions/channels/web.py) with python-socketio."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import socketio

from devkit.servers import Servers

QUIET_S = 1.5  # after a refused message, how long to listen for a reply that must not come


@dataclass
class Tab:
    """One browser tab's socket.io connection."""

    client: socketio.AsyncClient
    confirms: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    ended: list[dict[str, Any]] = field(default_factory=list)
    unavailable: list[dict[str, Any]] = field(default_factory=list)
    session_id: str = ""
    proof: str = ""

    async def request(self, payload: Any = None) -> dict[str, Any]:
        """session_request; returns the session_confirm, and keeps its id and proof."""
        count = len(self.confirms)
        await self.client.emit("session_request", {} if payload is None else payload)
        await until(lambda: len(self.confirms) > count)
        confirm = self.confirms[-1]
        self.session_id, self.proof = confirm["session_id"], confirm["proof"]
        return confirm

    async def say(self, text: str, session_id: str | None = None,
                  proof: str | None = None) -> tuple[Any, list[dict[str, Any]]]:
        """user_uttered with this tab's session (or the one given); returns the
        acknowledgement and what was said in reply."""
        self.replies.clear()
        message = {"message": text, "session_id": session_id or self.session_id,
                   "proof": self.proof if proof is None else proof}
        ack = await self.client.call("user_uttered", message, timeout=60)
        if ack and ack.get("refused"):
            await asyncio.sleep(QUIET_S)
        return ack, list(self.replies)


@asynccontextmanager
async def tab(servers: Servers):
    client = socketio.AsyncClient(reconnection=False)
    opened = Tab(client)
    client.on("session_confirm", opened.confirms.append)
    client.on("bot_uttered", opened.replies.append)
    client.on("session_ended", opened.ended.append)
    client.on("session_unavailable", opened.unavailable.append)
    await client.connect(servers.rasa_url, headers={"Origin": servers.web_url},
                         transports=["websocket"], socketio_path="/socket.io", wait_timeout=10)
    try:
        yield opened
    finally:
        await client.disconnect()


async def until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("no answer from the server")
        await asyncio.sleep(0.05)


def words(replies: list[dict[str, Any]]) -> str:
    """Everything a reply shows: texts and button titles."""
    shown = []
    for reply in replies:
        shown.append(reply.get("text") or "")
        shown += [button.get("title", "") for button in reply.get("quick_replies") or []]
    return "\n".join(shown)
