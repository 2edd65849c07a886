"""A local stand-in for the messaging platforms' outbound APIs: Telegram's Bot API, the Graph
API send endpoint, Twilio's Messages API. It records every request and answers the way the real
API does, so the channels can be tested offline. The servers under test are pointed at it with
TELEGRAM_API_URL, FACEBOOK_GRAPH_URL and TWILIO_API_URL.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    platform: str  # telegram, facebook, twilio
    method: str  # Bot API method, "send" or "messages"
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]  # JSON, or form fields (first value each)

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password


_TELEGRAM = re.compile(r"^/telegram/bot(?P<token>[^/]+)/(?P<method>\w+)$")
_TWILIO = re.compile(r"^/twilio/2010-04-01/Accounts/(?P<sid>\w+)/Messages\.json$")


class FakePlatforms:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.fail_with: int | None = None  # answer every request with this status when set
        self.at_startup: list[Recorded] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakePlatforms:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def mark(self) -> int:
        with self._lock:
            return len(self.requests)

    def since(self, mark: int, platform: str | None = None) -> list[Recorded]:
        with self._lock:
            found = self.requests[mark:]
        return [r for r in found if platform is None or r.platform == platform]

    # --- the HTTP side ----------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._answer(self.path, dict(self.headers.items()), raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass

        return Handler

    def _answer(self, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in headers.items()}
        if "json" in headers.get("content-type", ""):
            body = json.loads(raw or b"{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        if match := _TELEGRAM.match(url.path):
            platform, method = "telegram", match["method"]
        elif url.path == "/graph/me/messages":
            platform, method = "facebook", "send"
        elif _TWILIO.match(url.path):
            platform, method = "twilio", "messages"
        else:
            return 404, {"error": "unknown path"}
        with self._lock:
            self.requests.append(Recorded(platform, method, url.path, query, headers, body))
        if self.fail_with:
            return self.fail_with, {"ok": False, "error_code": self.fail_with,
                                    "description": "fake failure"}
        return self._real_answer(platform, method, body)

    def _real_answer(self, platform: str, method: str, body: dict[str, Any]) -> tuple[int, Any]:
        n = next(self._ids)
        if platform == "telegram":
            if method == "sendMessage":
                return 200, {"ok": True, "result": {
                    "message_id": n, "date": 1700000000, "text": body.get("text"),
                    "chat": {"id": body.get("chat_id"), "type": "private"},
                }}
            if method == "getWebhookInfo":
                return 200, {"ok": True, "result": {"url": "", "pending_update_count": 0}}
            return 200, {"ok": True, "result": True}
        if platform == "facebook":
            recipient = (body.get("recipient") or {}).get("id")
            return 200, {"recipient_id": recipient, "message_id": f"m_{n}"}
        return 201, {"sid": f"SM{n:032d}", "status": "queued", "to": body.get("To"),
                     "from": body.get("From"), "body": body.get("Body")}
