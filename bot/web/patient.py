"""Patient pages: the chat page (`/`), the embeddable widget (`/widget.js`), the page the widget
frames (`/embed`) and a demo host page for it (`/embed-demo`).

The browser code (static/chat.js) gets its configuration as JSON: the Rasa server's public URL
(RASA_PUBLIC_URL), how long an idle conversation's browser copy is kept
(WEB_SESSION_IDLE_HOURS), the wording of the page (bot/web/content.yaml) and of the result
cards (bot/content/conversation.yaml), and the URLs of its assets. Every value reaches the
page through Jinja's escaping (`tojson`), never as markup.

The widget keeps the conversation out of the host site's reach: widget.js, run by the host
page, only adds a launcher button and an iframe of `/embed`, served from this server. The
chat, its session id and proof, and its transcript live inside that iframe, on this server's
origin, where the host page's scripts cannot read them (the same-origin policy), and nothing
but 'close' and 'focus' crosses between the two (postMessage). `/embed` may be framed only by
the origins in ALLOWED_ORIGINS (CSP frame-ancestors, bot/web/app.py); every other page only
by this server. The Rasa URL comes from this server's settings, never from the host page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, render_template, url_for

from bot.dialogue import content as conversation_content
from bot.safety import emergency_number

HERE = Path(__file__).resolve().parent
CONTENT = HERE / "content.yaml"

#: The keys of bot/content/conversation.yaml the result cards use.
RESULT_WORDING = (
    "verdict_words", "verdict_for_now", "recruiting", "not_enrolling", "reasons_heading",
    "to_check_heading", "contact_heading", "no_contact", "registry_heading", "status_old",
)

#: What the widget sends, unseen, to start a new conversation (the greeting).
INIT_PAYLOAD = "/greet"

blueprint = Blueprint("patient", __name__, template_folder="templates")


def page_text() -> dict[str, str]:
    text = yaml.safe_load(CONTENT.read_text(encoding="utf-8"))
    text["notice"] = text["notice"].format(emergency_number=emergency_number())
    return text


def result_wording() -> dict[str, Any]:
    words = conversation_content()
    return {key: words[key] for key in RESULT_WORDING}


def chat_config(embedded: bool = False) -> dict[str, Any]:
    settings = current_app.config["SETTINGS"]
    return {
        "rasaUrl": settings.rasa_public_url,
        "initPayload": INIT_PAYLOAD,
        "idleHours": settings.web_session_idle.total_seconds() / 3600,
        "embedded": embedded,
        "text": page_text(),
        "labels": result_wording(),
        "assets": {
            "css": _static("chat.css"),
            "session": _static("session.js"),
            "chat": _static("chat.js"),
            "socketio": url_for("vendor", name="socket.io.min.js"),
        },
    }


def _static(filename: str) -> str:
    """A static file's URL with its version, so a browser never mixes old and new files."""
    return url_for("static", filename=filename, v=_version(filename))


@cache
def _version(filename: str) -> str:
    return str(int((HERE / "static" / filename).stat().st_mtime))


@blueprint.get("/")
def chat() -> str:
    return render_template("patient/chat.html", config=chat_config())


@blueprint.get("/embed")
def embed() -> str:
    """The chat inside the widget's iframe (framed only by ALLOWED_ORIGINS, bot/web/app.py)."""
    return render_template("patient/chat.html", config=chat_config(embedded=True), embedded=True)


def widget_config() -> dict[str, Any]:
    """What the host page's script needs: where the chat is and the launcher's words. Nothing
    of any conversation."""
    text = page_text()
    return {
        "embed": url_for("patient.embed"),
        "css": _static("widget.css"),
        "text": {key: text[key] for key in ("title", "open_chat", "close_chat")},
    }


@blueprint.get("/widget.js")
def widget_js() -> Response:
    body = render_template("patient/widget.js", config=widget_config())
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/embed-demo")
def embed_demo() -> str:
    return render_template("patient/embed_demo.html")
