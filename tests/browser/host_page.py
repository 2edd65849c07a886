"""A hospital's page on another origin, embedding the chat widget, with a spy script of its own.

The page is served by a tiny HTTP server on 127.0.0.1 (its own port). At `/` the widget comes
from the chat's web server reached as `localhost`: another origin and another site, as a
hospital page embedding a chat hosted elsewhere. At `/same-site` it comes from 127.0.0.1 on the
web server's port: another origin of the same site, as www.hospital.org embedding
chat.hospital.org. (Browsers that block third-party storage, as Chromium's fresh profiles here
do, give a cross-site iframe no localStorage at all; a same-site one keeps it.)

`window.spy(secrets, patterns)` is what a script of the host page (its analytics, an injected
ad, a compromised library) could do: it looks for the given strings (case-insensitive) and
regular expressions everywhere it can reach and lists where it found them.

A path ending in `-zh` (`/same-site-zh`) embeds the widget with `data-lang="zh"` on its tag.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SPY = Path(__file__).with_name("host_spy.js")
#: A path ending so embeds the widget with the tag's `data-lang="zh"`.
LANG_ZH = "-zh"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sarcoma clinic</title><link rel="icon" href="data:,"></head>
<body>
<main><h1>Sarcoma clinic</h1><p>A hospital page with the chat widget.</p></main>
<script>{spy}</script>
<script src="{widget}"{attributes}></script>
</body></html>
"""


class HostPageServer:
    """Serves PAGE at / on 127.0.0.1 and a free port, in a thread."""

    def __init__(self) -> None:
        self.chat_urls: dict[str, str] = {}  # path -> the chat's web server as that page names it
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                chat = host.chat_urls.get(self.path, "")
                page = PAGE.replace("{spy}", SPY.read_text(encoding="utf-8"))
                attributes = ' data-lang="zh"' if self.path.endswith(LANG_ZH) else ""
                body = page.replace("{widget}", f"{chat}/widget.js")
                body = body.replace("{attributes}", attributes).encode()
                self.send_response(200 if chat else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
