"""Settings that decide the staff pages' cookies, proxies and retention, and how `make run`
picks plain-HTTP cookies for a web server only this machine can reach."""

from __future__ import annotations

import pytest

from bot.settings import DatabaseUrls, database_urls, load_settings
from scripts.run import is_loopback


def test_staff_cookies_are_secure_unless_turned_off(monkeypatch):
    monkeypatch.delenv("STAFF_COOKIE_SECURE", raising=False)
    assert load_settings().staff_cookie_secure is True
    monkeypatch.setenv("STAFF_COOKIE_SECURE", "false")
    assert load_settings().staff_cookie_secure is False
    monkeypatch.setenv("STAFF_COOKIE_SECURE", "auto")
    with pytest.raises(SystemExit, match="STAFF_COOKIE_SECURE"):
        load_settings()


def test_retention_and_proxy_settings(monkeypatch):
    for name in ("RETENTION_DAYS", "AUDIT_RETENTION_DAYS", "WEB_TRUSTED_PROXIES",
                 "RETENTION_AUTO"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.retention_days, settings.audit_retention_days) == (365, 2190)
    assert settings.web_trusted_proxies == 0 and settings.retention_auto is True
    monkeypatch.setenv("WEB_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("RETENTION_AUTO", "false")
    assert load_settings().web_trusted_proxies == 1 and not load_settings().retention_auto
    monkeypatch.setenv("RETENTION_DAYS", "0")
    with pytest.raises(SystemExit, match="RETENTION_DAYS"):
        load_settings()


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("10.0.0.5", False), ("chat.example.org", False), ("::", False)])
def test_make_run_uses_plain_http_cookies_only_on_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_one_database_by_default_and_each_url_falls_back_to_the_other(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "TRACKER_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    urls = database_urls()
    assert urls.project == urls.tracker == f"sqlite:///{tmp_path / 'trackers.db'}"
    monkeypatch.setenv("TRACKER_DB_URL", "postgresql://rasa@db/trackers")
    assert database_urls() == DatabaseUrls("postgresql://rasa@db/trackers",
                                           "postgresql://rasa@db/trackers")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db/project")
    settings = load_settings()
    assert (settings.database_url, settings.tracker_db_url) == (
        "postgresql://bot@db/project", "postgresql://rasa@db/trackers")


def test_the_action_timeout_and_the_platform_addresses(monkeypatch):
    for name in ("ACTION_TIMEOUT_SECONDS", "TELEGRAM_API_URL", "WECHAT_MAX_AGE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.action_timeout == 10.0 and settings.telegram_api_url == ""
    assert settings.wechat_max_age_seconds is None
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/fake")
    monkeypatch.setenv("WECHAT_MAX_AGE_SECONDS", "60")
    settings = load_settings()
    assert settings.action_timeout == 2.5
    assert settings.telegram_api_url == "http://127.0.0.1:9/fake"
    assert settings.wechat_max_age_seconds == 60
    for bad in ("0", "-1", "soon", "7200"):
        monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", bad)
        with pytest.raises(SystemExit, match="ACTION_TIMEOUT_SECONDS"):
            load_settings()
