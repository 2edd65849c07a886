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

Languages (bot/i18n.py): the page carries its wording in every language, so the 中文 / English
switch changes it in place without a reload. Which one it opens in: `?lang=` (the widget passes
its tag's `data-lang` so), else the browser's Accept-Language (`zh*` is Chinese), else English;
chat.js then prefers a choice the patient made earlier in this browser (static/language.js).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from bot import i18n
from bot.safety import emergency_number
from bot.wording import content as conversation_content

HERE = Path(__file__).resolve().parent
CONTENT = "bot/web/content.yaml"
#: Each language's name on the switch, as typed to switch (the dialogue reads these words), and
#: its `<html lang>`.
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
HTML_LANG = {"en": "en", "zh": "zh-CN"}
#: The switch's order: 中文 / English.
SWITCH_ORDER = ("zh", "en")

#: The keys of bot/content/conversation.yaml the result cards use.
RESULT_WORDING = (
    "verdict_words", "verdict_for_now", "recruiting", "not_enrolling", "reasons_heading",
    "to_check_heading", "contact_heading", "no_contact", "registry_heading", "status_old",
)

#: What the widget sends, unseen, to start a new conversation (the greeting).
INIT_PAYLOAD = "/greet"

blueprint = Blueprint("patient", __name__, template_folder="templates")


def page_text(language: str = i18n.DEFAULT_LANGUAGE) -> dict[str, str]:
    text = dict(_page_text(language))
    text["notice"] = text["notice"].format(emergency_number=emergency_number())
    return text


@cache
def _page_text(language: str) -> dict[str, str]:
    return i18n.load(CONTENT, language)


def result_wording(language: str = i18n.DEFAULT_LANGUAGE) -> dict[str, Any]:
    words = conversation_content(language)
    return {key: words[key] for key in RESULT_WORDING}


def requested_language() -> str | None:
    """The language the URL asks for (`?lang=zh`, from the widget's `data-lang`), if known."""
    asked = request.args.get("lang", "").strip().lower().split("-", 1)[0]
    return asked if asked in i18n.LANGUAGES else None


def browser_language() -> str:
    """The first of the browser's languages (Accept-Language, by preference) that we have."""
    for tag, _quality in request.accept_languages:
        primary = tag.split("-", 1)[0].lower()
        if primary in i18n.LANGUAGES:
            return primary
    return i18n.DEFAULT_LANGUAGE


def page_language() -> str:
    return requested_language() or browser_language()


def languages() -> dict[str, Any]:
    """Every language's wording of the page and cards, for the switch (no reload)."""
    return {
        code: {"name": LANGUAGE_NAMES[code], "htmlLang": HTML_LANG[code],
               "text": page_text(code), "labels": result_wording(code)}
        for code in SWITCH_ORDER
    }


def chat_config(embedded: bool = False) -> dict[str, Any]:
    settings = current_app.config["SETTINGS"]
    language = page_language()
    return {
        "rasaUrl": settings.rasa_public_url,
        "initPayload": INIT_PAYLOAD,
        "idleHours": settings.web_session_idle.total_seconds() / 3600,
        "embedded": embedded,
        "language": language,
        "languageAsked": requested_language() is not None,
        "languages": languages(),
        "switchOrder": list(SWITCH_ORDER),  # JSON objects lose their order (tojson sorts)
        "text": page_text(language),
        "labels": result_wording(language),
        "assets": {
            "css": _static("chat.css"),
            "session": _static("session.js"),
            "language": _static("language.js"),
            "cards": _static("cards.js"),
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
    return _chat_page(chat_config())


@blueprint.get("/embed")
def embed() -> str:
    """The chat inside the widget's iframe (framed only by ALLOWED_ORIGINS, bot/web/app.py)."""
    return _chat_page(chat_config(embedded=True), embedded=True)


def _chat_page(config: dict[str, Any], embedded: bool = False) -> str:
    return render_template("patient/chat.html", config=config, embedded=embedded,
                           html_lang=HTML_LANG[config["language"]], text=config["text"])


def widget_config() -> dict[str, Any]:
    """What the host page's script needs: where the chat is and the launcher's words. Nothing
    of any conversation. The launcher's words in every language: the tag's `data-lang`, else
    the browser's language, picks one (templates/patient/widget.js)."""
    return {
        "embed": url_for("patient.embed"),
        "css": _static("widget.css"),
        "languages": {code: HTML_LANG[code] for code in i18n.LANGUAGES},
        "text": {code: {key: page_text(code)[key] for key in ("title", "open_chat", "close_chat")}
                 for code in i18n.LANGUAGES},
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
