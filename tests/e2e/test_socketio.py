"""The website's socket.io channel: bot messages arrive, and foreign origins are refused."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio


async def _converse(url: str, origin: str | None, text: str = "hello") -> list:
    client = socketio.AsyncClient(reconnection=False)
    received: list = []
    confirmed = asyncio.Event()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("bot_uttered", lambda data: received.append(data))
    headers = {"Origin": origin} if origin else {}
    await client.connect(url, headers=headers, transports=["websocket"],
                         socketio_path="/socket.io", wait_timeout=10)
    try:
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(confirmed.wait(), 10)
        await client.emit("user_uttered", {"message": text, "session_id": session})
        for _ in range(100):
            if any("buttons" in m or "quick_replies" in m for m in received):
                break
            await asyncio.sleep(0.1)
    finally:
        await client.disconnect()
    return received


def test_an_allowed_origin_gets_the_greeting_over_websocket(servers):
    origin = servers.web_url.rstrip("/")
    received = asyncio.run(_converse(servers.rasa_url, origin))
    assert any("automated assistant" in (m.get("text") or "") for m in received)


def test_a_foreign_origin_is_refused(servers):
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(_converse(servers.rasa_url, "https://evil.example"))
