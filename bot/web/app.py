"""The Flask app: blueprints, security headers, and the JavaScript dependencies from node_modules.

`create_app()` is the factory; `python -m bot.web` serves it with waitress. Pages are
blueprints (`patient`; `staff`, the review pages under /staff behind a sign-in) sharing one
set of headers:

- Content-Security-Policy: scripts, styles and images only from this server; the browser may
  connect only to this server and the configured Rasa server (RASA_PUBLIC_URL). Pages may be
  framed only by this server (frame-ancestors 'self', and X-Frame-Options SAMEORIGIN for old
  browsers), except the widget's page `/embed`, which the sites in ALLOWED_ORIGINS may frame
  (X-Frame-Options cannot name several sites, so it is left off there).
- X-Content-Type-Options, Referrer-Policy (no referrer: a registry link opened from the chat
  says nothing about it), Permissions-Policy.
- Cache-Control: no-store on every HTML page and on every staff response (pages, redirects,
  refusals, the CSV export), so no browser or proxy cache keeps health data.
- Strict-Transport-Security on every response served over HTTPS.

Behind a reverse proxy, WEB_TRUSTED_PROXIES=N (the number of proxies in front) makes the app
believe the last N hops' X-Forwarded-For and X-Forwarded-Proto (werkzeug's ProxyFix): the
client address then reaches the audit log and the sign-in throttle, and HTTPS is recognised for
Secure cookies and HSTS. Without it those headers are ignored, since any client can send them.

JavaScript libraries come from the npm registry (package.json, package-lock.json, installed by
`make setup` with `npm ci`) and are served from node_modules by an allow-list; nothing is
copied into the repository or loaded from a CDN.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.settings import ROOT, Settings, load_settings

logger = logging.getLogger(__name__)

NODE_MODULES = ROOT / "node_modules"
#: Pages other sites may frame (the widget's iframe); the rest only this server.
EMBEDDABLE = frozenset({"patient.embed"})
#: An origin as a CSP source: scheme, host, optional port, nothing that could end the directive.
ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?")
HSTS = "max-age=31536000"  # one year; subdomains are not this app's to decide

#: URL name under /static/vendor/ -> file under node_modules.
VENDOR_FILES = {
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "socket.io.min.js.map": "socket.io-client/dist/socket.io.min.js.map",
}


def create_app(settings: Settings | None = None, node_modules: Path = NODE_MODULES) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config["SETTINGS"] = settings
    app.config["NODE_MODULES"] = node_modules
    app.json.sort_keys = False
    if settings.web_trusted_proxies:
        count = settings.web_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore

    from bot.web.patient import blueprint as patient
    from bot.web.staff.views import blueprint as staff

    app.register_blueprint(patient)
    app.register_blueprint(staff)

    missing = [name for name, path in VENDOR_FILES.items() if not (node_modules / path).exists()]
    if missing:
        logger.warning(
            "JavaScript dependencies are missing (%s): run `make setup` (npm ci)",
            ", ".join(missing),
        )

    @app.get("/static/vendor/<name>")
    def vendor(name: str) -> Response:
        relative = VENDOR_FILES.get(name)
        if relative is None:
            abort(404)
        path = node_modules / relative
        if not path.exists():
            abort(503, "JavaScript dependencies are not installed: run `make setup` (npm ci)")
        return send_from_directory(path.parent, path.name, max_age=3600)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    csp = content_security_policy(settings.rasa_public_url)
    embed_csp = content_security_policy(settings.rasa_public_url, settings.allowed_origins)

    @app.after_request
    def security_headers(response: Response) -> Response:
        if request.endpoint in EMBEDDABLE:
            response.headers["Content-Security-Policy"] = embed_csp
        else:
            response.headers["Content-Security-Policy"] = csp
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if response.mimetype == "text/html" or request.path.startswith("/staff"):
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        return response

    return app


def content_security_policy(rasa_url: str, framed_by: tuple[str, ...] = ()) -> str:
    """Only this server for scripts, styles and images; connections to this server and the
    Rasa server (its http(s) origin and the matching ws(s) origin for the WebSocket); framing
    by this server and the origins `framed_by` (those that are plain http(s) origins)."""
    ancestors = " ".join(["'self'", *(o for o in framed_by if ORIGIN.fullmatch(o))])
    parts = urlsplit(rasa_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    socket_origin = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src 'self' {origin} {socket_origin}",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
        f"frame-ancestors {ancestors}",
    ])
