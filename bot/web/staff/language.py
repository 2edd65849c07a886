"""The staff interface's language: the 中文 / English switch in every page's header.

The choice is a cookie of its own (`staff_language`, a year, on /staff only), so it holds on
the sign-in page too, before any session, and outlives sessions; without it the browser's
Accept-Language decides (`zh*` is Chinese), else English. Switching is a plain link
(`/staff/language/zh?next=<this page>`): the pages use no JavaScript, and a forged link can
only change the words a page is shown in, so it needs no CSRF token. `next` is followed only
to a staff page (no open redirect). The patient's words (transcripts, notes) and the
registry's criteria are shown as they are, whatever the interface's language.
"""

from __future__ import annotations

from flask import Response, current_app, has_request_context, redirect, request, url_for

from bot import i18n

LANGUAGE_COOKIE = "staff_language"
COOKIE_PATH = "/staff"
YEAR_SECONDS = 365 * 24 * 3600
#: Each language's name on the switch (in its own language) and its `<html lang>`.
NAMES = {"en": "English", "zh": "中文"}
HTML_LANG = {"en": "en", "zh": "zh-CN"}
SWITCH_ORDER = ("zh", "en")  # 中文 / English


def current() -> str:
    """The interface's language for this request (English outside a request)."""
    if not has_request_context():
        return i18n.DEFAULT_LANGUAGE
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in i18n.LANGUAGES:
        return chosen
    for tag, _quality in request.accept_languages:
        primary = tag.split("-", 1)[0].lower()
        if primary in i18n.LANGUAGES:
            return primary
    return i18n.DEFAULT_LANGUAGE


def switch(code: str) -> Response:
    """Remember `code` and go back to the page the switch was pressed on."""
    from bot.web.staff.auth import _local_path

    target = _local_path(request.args.get("next")) or url_for("staff.conversations")
    response = redirect(target, code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=YEAR_SECONDS, path=COOKIE_PATH,
                            httponly=True, samesite="Lax",
                            secure=current_app.config["SETTINGS"].staff_cookie_secure)
    return response


def template_values() -> dict:
    """What every staff template gets: the language, the switch's links, the interface words."""
    from bot.web.staff.present import words

    language = current()
    here = request.full_path.rstrip("?")
    links = [{"code": code, "name": NAMES[code], "lang": HTML_LANG[code],
              "current": code == language,
              "href": url_for("staff.language", code=code, next=here)}
             for code in SWITCH_ORDER]
    staff_words = words(language)
    return {"language": language, "html_lang": HTML_LANG[language], "language_links": links,
            "ui": staff_words["ui"], "role_names": staff_words["role_names"]}


def register(blueprint) -> None:
    blueprint.add_url_rule("/language/<code>", "language", switch)
    blueprint.context_processor(template_values)
