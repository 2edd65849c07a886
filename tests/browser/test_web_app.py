"""The web server without a browser: pages, headers, configuration (Flask's test client)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

import pytest

from bot.settings import load_settings
from bot.web.app import create_app


def client(tmp_path=None, **changes):
    settings = dataclasses.replace(load_settings(), **changes)
    app = create_app(settings, **({"node_modules": tmp_path} if tmp_path else {}))
    return app.test_client()


def page_config(html: str) -> dict:
    found = re.search(r'<script id="sarcoma-chat-config" type="application/json">(.*?)</script>',
                      html, re.S)
    return json.loads(found.group(1))


def test_security_headers_allow_only_this_server_and_the_rasa_server():
    response = client(rasa_public_url="https://rasa.example.org").get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "connect-src 'self' https://rasa.example.org wss://rasa.example.org" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    plain = client(rasa_public_url="http://127.0.0.1:5005").get("/widget.js")
    assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005" in (
        plain.headers["Content-Security-Policy"])


def test_the_chat_page_gets_the_rasa_url_and_the_wording_as_data():
    html = client(rasa_public_url="http://rasa.example:5005").get("/").get_data(as_text=True)
    config = page_config(html)
    assert config["rasaUrl"] == "http://rasa.example:5005"
    assert config["labels"]["verdict_words"]["possible_match"].startswith("You may be a match")
    assert "Not medical advice" in config["text"]["notice"]
    assert "120" in config["text"]["notice"]  # EMERGENCY_NUMBER's default
    assert config["assets"]["socketio"] == "/static/vendor/socket.io.min.js"


def test_a_hostile_rasa_url_stays_data():
    hostile = "https://h/</script><script>alert(1)</script>"
    html = client(rasa_public_url=hostile).get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert page_config(html)["rasaUrl"] == hostile


def test_the_widget_script_only_knows_where_the_chat_is():
    response = client(rasa_public_url="http://rasa.example:5005").get("/widget.js")
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assert '"embed": "/embed"' in body and '"css": "/static/widget.css?v=' in body
    assert "rasa.example" not in body and "localStorage" not in body
    demo = client().get("/embed-demo").get_data(as_text=True)
    assert '<script src="/widget.js"></script>' in demo


def test_the_embed_page_runs_the_chat_and_only_allowed_sites_may_frame_it():
    web = client(allowed_origins=("https://www.hospital.example", "bad; script-src *"),
                 web_session_idle=timedelta(hours=6))
    embed = web.get("/embed")
    config = page_config(embed.get_data(as_text=True))
    assert config["embedded"] is True and config["idleHours"] == 6
    csp = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.hospital.example" in csp
    assert "bad" not in csp and "X-Frame-Options" not in embed.headers
    chat = web.get("/")
    assert page_config(chat.get_data(as_text=True))["embedded"] is False
    assert chat.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert chat.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_javascript_dependencies_come_from_node_modules_by_an_allow_list(tmp_path):
    served = client().get("/static/vendor/socket.io.min.js")
    assert served.status_code == 200 and served.mimetype == "text/javascript"
    assert b"socket.io" in served.get_data()[:400].lower() or served.content_length > 10_000
    assert client().get("/static/vendor/package.json").status_code == 404
    assert client().get("/static/vendor/..%2Fpackage.json").status_code == 404
    missing = client(tmp_path).get("/static/vendor/socket.io.min.js")
    assert missing.status_code == 503
    assert b"npm ci" in missing.get_data()


def test_settings_for_the_web(monkeypatch):
    for name in ("RASA_PORT", "WEB_PORT", "RASA_PUBLIC_URL", "ALLOWED_ORIGINS", "WEB_HOST",
                 "WEB_SESSION_IDLE_HOURS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RASA_PORT", "5105")
    monkeypatch.setenv("WEB_PORT", "8180")
    settings = load_settings()
    assert settings.rasa_public_url == "http://localhost:5105"
    assert settings.allowed_origins == ("http://localhost:8180", "http://127.0.0.1:8180")
    assert settings.web_host == "127.0.0.1"
    assert settings.web_session_idle == timedelta(hours=24)
    monkeypatch.setenv("WEB_SESSION_IDLE_HOURS", "8")
    assert load_settings().web_session_idle == timedelta(hours=8)
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://chat.example.org/rasa/")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://www.example.org, https://example.org")
    settings = load_settings()
    assert settings.rasa_public_url == "https://chat.example.org/rasa"
    assert settings.allowed_origins == ("https://www.example.org", "https://example.org")
    monkeypatch.setenv("RASA_PUBLIC_URL", "javascript:alert(1)")
    with pytest.raises(SystemExit, match="RASA_PUBLIC_URL"):
        load_settings()


def test_make_run_starts_the_web_server_beside_rasa_and_the_action_server(monkeypatch, tmp_path):
    from scripts import run

    for name in ("ACTION_SERVER_URL", "SANIC_HOST", "TRACKER_DB_URL"):
        monkeypatch.setenv(name, "set-by-test")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WEB_PORT", "8180")
    monkeypatch.setenv("ALLOWED_ORIGINS", "")
    commands = run.commands()
    assert list(commands) == ["action server", "rasa server", "web server"]
    assert commands["web server"][1:] == ["-m", "bot.web"]
    rasa = commands["rasa server"]
    assert rasa[rasa.index("--cors") + 1:] == ["http://localhost:8180", "http://127.0.0.1:8180"]
