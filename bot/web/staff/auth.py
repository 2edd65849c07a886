"""Sign-in for the staff pages: the session cookie, CSRF tokens, the second factor, and the
guard in front of every staff route.

- Every request under /staff except the sign-in page needs a live session
  (bot.storage.sign_in); pages redirect to sign-in, the CSV export answers 401. A session
  still waiting for its second factor reaches only the code page.
- Every POST carries the session's CSRF token in a `csrf_token` field. The sign-in form,
  which has no session yet, uses a double-submit cookie instead. The cookies are HttpOnly,
  SameSite=Strict and Secure (STAFF_COOKIE_SECURE=false only for plain-HTTP development).
- Every audit entry written while serving a request records the client's address
  (bot/storage/audit.py; behind a proxy, WEB_TRUSTED_PROXIES decides which address).
- Sign-in refusals all read the same (unknown user, wrong password, locked, disabled); too
  many failures from one address get 429 (bot/storage/sign_in.py).
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

from bot.storage import audit, second_factor
from bot.storage.accounts import Accounts, LoginRefused, LoginThrottled, SessionPolicy
from bot.storage.store import Store
from bot.web.staff.present import error_text, refused, words

SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
COOKIE_PATH = "/staff"
#: Endpoints that answer without a session.
PUBLIC_ENDPOINTS = {"staff.login", "staff.language"}
#: Endpoints a session waiting for its second factor may reach.
SECOND_FACTOR_ENDPOINTS = {"staff.second_factor", "staff.logout"}
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
    """The blueprint's before_request: note the address, load the session or refuse; check
    CSRF on POST."""
    g.audit_token = audit.set_source(request.remote_addr)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    g.staff = accounts().session_for(request.cookies.get(SESSION_COOKIE))
    if g.staff is None:
        if request.endpoint in NON_PAGE_ENDPOINTS or request.method != "GET":
            abort(401)
        return redirect(url_for("staff.login", next=_local_path(request.full_path)))
    if g.staff.second_factor_pending and request.endpoint not in SECOND_FACTOR_ENDPOINTS:
        if request.method != "GET" or request.endpoint in NON_PAGE_ENDPOINTS:
            abort(401)
        return redirect(url_for("staff.second_factor"))
    if request.method == "POST" and not _same(request.form.get("csrf_token"),
                                              g.staff.csrf_token):
        abort(400, error_text(refused("form_expired")))
    return None


def forget_source(_: BaseException | None) -> None:
    token = g.pop("audit_token", None)
    if token is not None:
        audit.reset(token)


def actor() -> str:
    return f"staff:{g.staff.username}"


def login() -> Response | str:
    """GET: the form. POST: check the password; on success a new session cookie (and, when
    the account needs a second factor, on to the code page)."""
    if request.method == "GET":
        return _login_form()
    if not _same(request.form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_form(_message("login_expired"), 400)
    try:
        token, info = accounts().sign_in(request.form.get("username", ""),
                                         request.form.get("password", ""),
                                         address=request.remote_addr)
    except LoginThrottled:
        return _login_form(_message("login_throttled"), 429)
    except LoginRefused:
        return _login_form(_message("login_refused"), 401)
    if info.second_factor_pending:
        response = redirect(url_for("staff.second_factor",
                                    next=_local_path(request.args.get("next"))))
    else:
        response = redirect(_local_path(request.args.get("next"))
                            or url_for("staff.conversations"))
    _set_cookie(response, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


def second_factor_page() -> Response | str | tuple:
    """GET: the code form (with the QR code and secret the first time). POST: check the code;
    a right one gives a full session under a new cookie token."""
    if not g.staff.second_factor_pending:
        return redirect(url_for("staff.conversations"))
    if request.method == "POST":
        try:
            token, _ = accounts().verify_second_factor(
                request.cookies.get(SESSION_COOKIE), request.form.get("code", ""),
                address=request.remote_addr)
        except LoginThrottled:
            return _code_form(_message("login_throttled"), 429)
        except LoginRefused:
            return _code_form(_message("code_refused"), 401)
        response = redirect(_local_path(request.args.get("next"))
                            or url_for("staff.conversations"))
        _set_cookie(response, SESSION_COOKIE, token)
        return response
    return _code_form()


def _code_form(message: str | None = None, status: int = 200) -> tuple:
    setup = accounts().second_factor_setup(request.cookies.get(SESSION_COOKIE))
    qr = secret = None
    if setup is not None:
        secret, uri = setup
        qr, secret = second_factor.qr_data_uri(uri), second_factor.grouped(secret)
    if g.staff is None or (setup is None and not g.staff.second_factor_set_up):
        return redirect(url_for("staff.login")), 302  # the pending session ended
    return render_template("staff/second_factor.html", message=message, qr=qr, secret=secret,
                           staff=g.staff, setup=setup is not None), status


def logout() -> Response:
    accounts().sign_out(request.cookies.get(SESSION_COOKIE))
    response = redirect(url_for("staff.login"))
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


def register(blueprint: Blueprint) -> None:
    blueprint.before_request(require_session)
    blueprint.teardown_request(forget_source)
    blueprint.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    blueprint.add_url_rule("/login/code", "second_factor", second_factor_page,
                           methods=["GET", "POST"])
    blueprint.add_url_rule("/logout", "logout", logout, methods=["POST"])


def _message(key: str) -> str:
    return words()["messages"][key]


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
