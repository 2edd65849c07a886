"""A small HTTP proxy between the Rasa server and the real action server, to make it fail.

The Rasa server is started with ACTION_SERVER_URL pointing here; `upstream` is set to the real
action server once it is up. Modes:

- `forward()`: pass every request through, as if the proxy were not there;
- `slow(seconds)`: wait, then pass the request through (the action still runs, late);
- `error(status)`: answer with an HTTP error without calling the action server;
- `down()`: stop listening, so connections are refused, as with the action server stopped.

No production code knows about it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from rasa_extensions.action_server import SECRET_HEADER


class ActionServerProxy:
    def __init__(self, port: int) -> None:
        self.port = port
        self.upstream = ""  # e.g. http://127.0.0.1:5055
        self.mode = "forward"
        self.delay = 0.0
        self.status = 500
        self.requests = 0  # requests that reached the proxy while it listened
        self.forwarded = 0  # requests the action server answered
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def up(self) -> None:
        if self._server is not None:
            return
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy._lock:
                    proxy.requests += 1
                mode, delay, status = proxy.mode, proxy.delay, proxy.status
                if mode == "error":
                    self._reply(status, b'{"error": "test proxy"}')
                    return
                if mode == "slow":
                    time.sleep(delay)
                answer = requests.post(proxy.upstream + self.path, data=body, timeout=60,
                                       headers={"Content-Type": "application/json",
                                                SECRET_HEADER: self.headers.get(SECRET_HEADER, "")})
                with proxy._lock:
                    proxy.forwarded += 1
                with contextlib.suppress(OSError):  # Rasa may have given up and gone
                    self._reply(answer.status_code, answer.content)

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def forward(self) -> None:
        self.up()
        self.mode = "forward"

    def slow(self, seconds: float) -> None:
        self.up()
        self.mode, self.delay = "slow", seconds

    def error(self, status: int = 500) -> None:
        self.up()
        self.mode, self.status = "error", status
