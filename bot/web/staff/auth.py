"""Sign-in for the staff pages: the session cookie, CSRF tokens, and the guard in front of
every staff route.

- Every request under /staff except the sign-in page needs a live session
  (bot.storage.accounts); pages redirect to sign-in, the CSV export answers 401.
- Every POST carries the session's CSRF token in a `csrf_token` field. The sign-in form,
  which has no session yet, uses a double-submit cookie instead. The cookies are HttpOnly,
  SameSite=Strict and Secure (STAFF_COOKIE_SECURE=false only for plain-HTTP development).
"""

from __future__ import annotations

import hmac
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from bot.storage.accounts import Accounts, LoginRefused, SessionPolicy
from bot.storage.store import Store

SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
COOKIE_PATH = "/staff"
#: Endpoints that answer without a session.
PUBLIC_ENDPOINTS = {"staff.login"}
#: Endpoints that are not pages: refused with 401 instead of a redirect to sign-in.
NON_PAGE_ENDPOINTS = {"staff.export"}


def accounts() -> Accounts:
    found = current_app.extensions.get("staff_accounts")
    if found is None:
        settings = current_app.config["SETTINGS"]
        policy = SessionPolicy(idle=settings.staff_session_idle,
                               lifetime=settings.staff_session_lifetime)
        found = current_app.extensions["staff_accounts"] = Accounts(Store(), policy)
    return found


def require_session() -> Response | None:
    """The blueprint's before_request: load the session or refuse; check CSRF on POST."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    g.staff = accounts().session_for(request.cookies.get(SESSION_COOKIE))
    if g.staff is None:
        if request.endpoint in NON_PAGE_ENDPOINTS or request.method != "GET":
            abort(401)
        return redirect(url_for("staff.login", next=_local_path(request.full_path)))
    if request.method == "POST" and not _same(request.form.get("csrf_token"),
                                              g.staff.csrf_token):
        abort(400, "The form had expired or came from another site. Go back, reload the "
                   "page and try again.")
    return None


def actor() -> str:
    return f"staff:{g.staff.username}"


def login() -> Response | str:
    """GET: the form. POST: check the password; on success a new session cookie."""
    if request.method == "GET":
        return _login_form()
    if not _same(request.form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_form("The sign-in form had expired. Please try again.", 400)
    try:
        token, _ = accounts().sign_in(request.form.get("username", ""),
                                      request.form.get("password", ""))
    except LoginRefused as refused:
        message = ("Too many failed attempts: this account is locked for 15 minutes."
                   if refused.locked else "Wrong user name or password.")
        return _login_form(message, 401)
    response = redirect(_local_path(request.args.get("next")) or url_for("staff.conversations"))
    _set_cookie(response, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


def logout() -> Response:
    accounts().sign_out(request.cookies.get(SESSION_COOKIE))
    response = redirect(url_for("staff.login"))
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


def register(blueprint: Blueprint) -> None:
    blueprint.before_request(require_session)
    blueprint.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    blueprint.add_url_rule("/logout", "logout", logout, methods=["POST"])


def _login_form(message: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = current_app.make_response(
        (render_template("staff/login.html", message=message, csrf_token=token), status))
    _set_cookie(response, LOGIN_CSRF_COOKIE, token)
    return response


def _set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=_secure_cookies())


def _secure_cookies() -> bool:
    """Secure unless STAFF_COOKIE_SECURE=false: a cookie marked Secure is never sent over
    plain HTTP, so a staff session cannot leak to a network eavesdropper even when a link or
    a misconfigured proxy sends a browser to http://."""
    return current_app.config["SETTINGS"].staff_cookie_secure


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(given, expected)


def _local_path(path: str | None) -> str | None:
    """Only a path on the staff pages is followed after sign-in (no open redirect)."""
    if not path or not path.startswith(COOKIE_PATH + "/") or path.startswith("//") or "\\" in path:
        return None
    return path.rstrip("?")
