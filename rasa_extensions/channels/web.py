"""The website's socket.io channel, with the browser's origin checked on every connection.

Rasa builds its socket.io server with `cors_allowed_origins=[]` and leaves CORS to Sanic, which
only covers the long-polling transport: a WebSocket connection from any site was accepted. This
channel keeps Rasa's SocketIOInput (same name, path and events) and refuses a connection whose
Origin header is not in ALLOWED_ORIGINS. Clients that send no Origin (not browsers, so not
subject to CORS) are accepted as before; the random session id still guards a conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.settings import load_settings

logger = logging.getLogger(__name__)


class OriginCheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        namespace = self.namespace or "/"
        rasa_connect = self.sio.handlers[namespace]["connect"]
        allowed = set(load_settings().allowed_origins)

        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin not in allowed:
                logger.info("socket.io connection refused: origin not allowed")
                return False
            return await rasa_connect(sid, environ, auth)

        self.sio.on("connect", connect, namespace=self.namespace)
        return blueprint
