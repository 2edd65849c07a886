"""One walk over every route of the running servers: nothing answers without credentials.

The routes are not listed by hand: the Rasa routes come from building Rasa's own Sanic app
in-process from the same credentials file the servers run with (every channel on, and the
HTTP API's routes too, which must not exist by default), and the staff routes from the Flask
app's URL map. Each route is then called on the real servers without credentials.

The action server's routes come from its own app (rasa_extensions/action_server.py), and
each is called without the shared secret Rasa sends.

Public by design, and only these: the socket.io channel (anonymous patients chat there; its
session proof is checked by its own tests), Rasa's hello page, each channel's and the action
server's health check (no data), and the staff sign-in form. The REST channel needs its token.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
import requests

from bot.web.app import create_app
from tests.channels.conftest import MESSAGING_SECRETS

PUBLIC_RASA = {"/", "/socket.io"}
HEALTH = re.compile(r"^/webhooks/\w+/?$")  # each channel's GET health check
REFUSED = {400, 401, 403, 404, 405}


def rasa_routes(servers, monkeypatch) -> list[tuple[str, set[str]]]:
    """(path, methods) of every route Rasa would serve, channels and HTTP API included."""
    from rasa.core import run

    for name, value in MESSAGING_SECRETS.items():
        monkeypatch.setenv(name, value)
    credentials = servers.data_dir / "credentials.effective.yml"
    channels = run.create_http_input_channels(None, str(credentials))
    app = run.configure_app(channels, enable_api=True, auth_token="walker-token")
    found = []
    for route in app.router.routes:
        path = "/" + re.sub(r"<[^>]+>", "walker", route.path).strip("/")
        found.append((path, set(route.methods)))
    return found


def event_count(servers) -> int:
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        return db.execute("SELECT count(*) FROM events").fetchone()[0]


def test_every_rasa_route_refuses_a_request_without_credentials(servers, monkeypatch):
    routes = rasa_routes(servers, monkeypatch)
    paths = {path for path, _ in routes}
    assert {"/webhooks/rest/webhook", "/webhooks/telegram/webhook", "/webhooks/facebook/webhook",
            "/webhooks/twilio/webhook", "/webhooks/wechat/webhook",
            "/conversations/walker/tracker", "/model/parse"} <= paths  # the walk sees them
    before = event_count(servers)
    answered, checked = [], 0
    for path, methods in routes:
        if path in PUBLIC_RASA or path.startswith("/socket.io") or HEALTH.match(path):
            continue
        for method in methods & {"GET", "POST", "PUT", "DELETE"}:
            response = requests.request(method, servers.rasa_url + path, timeout=30,
                                        json={"sender": "walker", "message": "hello"},
                                        params={"sender": "walker"})
            checked += 1
            if response.status_code not in REFUSED:
                answered.append((method, path, response.status_code))
    assert answered == []
    assert checked >= 20  # the channels' webhooks and the whole (disabled) HTTP API
    assert event_count(servers) == before  # nothing was accepted into a conversation


def test_every_action_server_route_refuses_a_request_without_the_secret(servers):
    from rasa_extensions.action_server import PUBLIC, build_app

    app = build_app("walker-secret-" + "x" * 16, 1024 * 1024)
    routes = [("/" + route.path.strip("/"), set(route.methods)) for route in app.router.routes]
    assert {"/webhook", "/actions"} <= {path for path, _ in routes}
    checked = 0
    for path, methods in routes:
        for method in methods & {"GET", "POST"}:
            if (method, path) in PUBLIC:
                continue
            for headers in ({}, {"X-Action-Secret": "wrong"}):
                response = requests.request(method, servers.action_url + path, timeout=30,
                                            json={"next_action": "action_delete_data"},
                                            headers=headers)
                assert response.status_code == 401, (method, path, response.status_code)
                checked += 1
    assert checked >= 4


@pytest.mark.parametrize("forged_cookie", [None, "not-a-session"])
def test_every_staff_route_refuses_a_request_without_a_session(servers, forged_cookie):
    app = create_app()
    # the sign-in page and the interface's language switch (a cookie and a redirect to a
    # staff page, also used on the sign-in page) are the two staff routes open to anyone
    public = {"staff.login", "staff.language"}
    rules = [r for r in app.url_map.iter_rules()
             if r.rule.startswith("/staff") and r.endpoint not in public]
    assert {"staff.conversations", "staff.conversation", "staff.export", "staff.summary",
            "staff.review", "staff.add_note", "staff.override"} <= {r.endpoint for r in rules}
    cookies = {"staff_session": forged_cookie} if forged_cookie else {}
    switched = requests.get(servers.web_url + "/staff/language/zh", cookies=cookies,
                            allow_redirects=True, timeout=30)
    assert switched.url.startswith(servers.web_url + "/staff/login")  # shows no staff data
    for rule in rules:
        path = re.sub(r"<(?:int:)?[^>]+>", lambda m: "1" if "int:" in m.group(0) else "x",
                      rule.rule)
        for method in rule.methods & {"GET", "POST"}:
            response = requests.request(method, servers.web_url + path, cookies=cookies,
                                        data={"text": "x", "csrf_token": "x"},
                                        allow_redirects=False, timeout=30)
            if method == "GET" and rule.endpoint != "staff.export":
                assert response.status_code == 302, (method, path)
                assert response.headers["Location"].startswith("/staff/login"), path
            else:
                assert response.status_code == 401, (method, path, response.status_code)
