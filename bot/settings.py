"""Settings from the environment, with `.env` read through python-dotenv.

Every secret and every deployment choice comes from here; nothing is committed. The defaults
run everything on this machine: SQLite files under var/, no external service.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
#: Secrets generated for `make run` when the environment has none, kept with the data they key.
GENERATED_SECRETS = "secrets.env"


@dataclass(frozen=True)
class Settings:
    rasa_host: str
    rasa_port: int
    action_host: str
    action_port: int
    web_host: str
    web_port: int
    rasa_public_url: str  # the Rasa server as a browser reaches it (the chat page connects there)
    allowed_origins: tuple[str, ...]  # browser origins the Rasa server accepts (CORS)
    log_level: str
    data_dir: Path
    # staff pages: a session ends after this long without a request, or this long after sign-in
    staff_session_idle: timedelta = timedelta(minutes=30)
    staff_session_lifetime: timedelta = timedelta(hours=12)
    # staff cookies are Secure unless STAFF_COOKIE_SECURE=false (plain-HTTP development;
    # scripts/run.py sets it for a web server on a loopback address)
    staff_cookie_secure: bool = True
    # how many proxies in front of the web server set X-Forwarded-For and X-Forwarded-Proto;
    # 0: those headers are ignored (anyone could send them)
    web_trusted_proxies: int = 0
    # retention (bot/storage/retention.py): conversations without patient activity for this
    # many days, audit entries older than this many days; run daily by the web server
    retention_days: int = 365
    audit_retention_days: int = 2190  # 6 years: hospital records rules
    retention_auto: bool = True
    # website: a browser's copy of an idle conversation, and its signed proof, expire after it
    web_session_idle: timedelta = timedelta(hours=24)
    # secrets (bot/generated_secrets.py makes the internal ones for `make run` when unset)
    conversation_id_secret: str = ""  # HMAC key of platform ids (bot/identity.py)
    web_session_secret: str = ""  # signs the website's session ids (bot/web_session.py)
    action_server_secret: str = ""  # Rasa sends it to the action server on every call
    rest_channel_token: str = ""  # the REST channel is off unless it is set
    action_max_body_bytes: int = 4 * 1024 * 1024  # larger action-server requests get 413
    # how long the Rasa server waits for a custom action (rasa_extensions/patches/resilience.py)
    action_timeout: float = 10.0
    # messaging platforms' API addresses; empty: the platform's own (tests use fakes)
    telegram_api_url: str = ""
    facebook_graph_url: str = ""
    twilio_api_url: str = ""
    twilio_number: str = ""  # the SMS sender number; empty: the one the message came to
    wechat_max_age_seconds: int | None = None  # WeChat's signed timestamps; None: the default
    # `python -m rasa_extensions.channels telegram-webhook` registers the Telegram webhook
    telegram_bot_token: str = ""
    telegram_secret_token: str = ""
    telegram_webhook_url: str = ""
    # databases (database_urls): the project's tables and Rasa's tracker store
    database_url: str = ""
    tracker_db_url: str = ""


@dataclass(frozen=True)
class DatabaseUrls:
    project: str  # DATABASE_URL, else TRACKER_DB_URL, else the SQLite file
    tracker: str  # TRACKER_DB_URL, else DATABASE_URL, else the SQLite file


def database_urls() -> DatabaseUrls:
    """Which databases: one by default, an SQLite file under DATA_DIR (bot/storage/db.py).
    Apart from load_settings because the storage reads it on every connection it makes,
    and must not fail for a setting it does not use."""
    load_dotenv(ROOT / ".env", override=False)
    data_dir = Path(os.environ.get("DATA_DIR") or ROOT / "var")
    default = f"sqlite:///{data_dir / 'trackers.db'}"
    project, tracker = os.environ.get("DATABASE_URL"), os.environ.get("TRACKER_DB_URL")
    return DatabaseUrls(project or tracker or default, tracker or project or default)


@dataclass(frozen=True)
class ContentSettings:
    """Where the trial files are and whom the safety message names; read apart from
    load_settings for the same reason as database_urls (the core reads them on demand)."""

    trials_dir: str  # TRIALS_DIR; empty: bot/content/trials
    emergency_number: str  # EMERGENCY_NUMBER; empty: the safety content's default (120)
    crisis_line: str  # CRISIS_LINE; empty: the safety content's default


def content_settings() -> ContentSettings:
    load_dotenv(ROOT / ".env", override=False)
    return ContentSettings(*(os.environ.get(name, "").strip() for name in
                             ("TRIALS_DIR", "EMERGENCY_NUMBER", "CRISIS_LINE")))


#: The secrets a server needs, with the least length accepted.
INTERNAL_SECRETS = ("CONVERSATION_ID_SECRET", "WEB_SESSION_SECRET", "ACTION_SERVER_SECRET")
MIN_SECRET_LENGTH = 16


def load_settings() -> Settings:
    """Read `.env` (without overriding real environment variables), then the environment."""
    load_dotenv(ROOT / ".env", override=False)
    data_dir = Path(os.environ.get("DATA_DIR", ROOT / "var"))
    load_dotenv(data_dir / GENERATED_SECRETS, override=False)
    rasa_port = _port("RASA_PORT", 5005)
    web_port = _port("WEB_PORT", 8080)
    return Settings(
        rasa_host=os.environ.get("RASA_HOST", "127.0.0.1"),
        rasa_port=rasa_port,
        action_host=os.environ.get("ACTION_HOST", "127.0.0.1"),
        action_port=_port("ACTION_PORT", 5055),
        web_host=os.environ.get("WEB_HOST", "127.0.0.1"),
        web_port=web_port,
        rasa_public_url=_url(
            "RASA_PUBLIC_URL", os.environ.get("RASA_PUBLIC_URL") or f"http://localhost:{rasa_port}"
        ),
        allowed_origins=_origins(web_port),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        data_dir=data_dir,
        staff_session_idle=timedelta(minutes=_positive("STAFF_SESSION_IDLE_MINUTES", 30)),
        staff_session_lifetime=timedelta(hours=_positive("STAFF_SESSION_HOURS", 12)),
        staff_cookie_secure=_choice("STAFF_COOKIE_SECURE", ("true", "false")) == "true",
        web_trusted_proxies=_count("WEB_TRUSTED_PROXIES", 0),
        retention_days=_positive("RETENTION_DAYS", 365),
        audit_retention_days=_positive("AUDIT_RETENTION_DAYS", 2190),
        retention_auto=_choice("RETENTION_AUTO", ("true", "false")) == "true",
        web_session_idle=timedelta(hours=_positive("WEB_SESSION_IDLE_HOURS", 24)),
        conversation_id_secret=_secret("CONVERSATION_ID_SECRET"),
        web_session_secret=_secret("WEB_SESSION_SECRET"),
        action_server_secret=_secret("ACTION_SERVER_SECRET"),
        rest_channel_token=_secret("REST_CHANNEL_TOKEN"),
        action_max_body_bytes=_positive("ACTION_MAX_BODY_BYTES", 4 * 1024 * 1024),
        action_timeout=_seconds("ACTION_TIMEOUT_SECONDS", 10.0),
        telegram_api_url=_text("TELEGRAM_API_URL"),
        facebook_graph_url=_text("FACEBOOK_GRAPH_URL"),
        twilio_api_url=_text("TWILIO_API_URL"),
        twilio_number=_text("TWILIO_NUMBER"),
        wechat_max_age_seconds=_optional_count("WECHAT_MAX_AGE_SECONDS"),
        telegram_bot_token=_text("TELEGRAM_BOT_TOKEN"),
        telegram_secret_token=_text("TELEGRAM_SECRET_TOKEN"),
        telegram_webhook_url=_text("TELEGRAM_WEBHOOK_URL"),
        database_url=(urls := database_urls()).project,
        tracker_db_url=urls.tracker,
    )


def _text(name: str) -> str:
    return os.environ.get(name, "")


def _optional_count(name: str) -> int | None:
    """A whole number, or None when unset or not one (the caller's default applies)."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() else None


def _seconds(name: str, default: float) -> float:
    """A number of seconds under an hour; refused, naming the variable, otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 3600:
        raise SystemExit(f"error: {name}={raw!r} is not a number of seconds")
    return seconds


def _secret(name: str) -> str:
    """A secret from the environment: empty when unset, refused when set but too short."""
    raw = os.environ.get(name, "").strip()
    if raw and len(raw) < MIN_SECRET_LENGTH:
        raise SystemExit(f"error: {name} must be at least {MIN_SECRET_LENGTH} characters")
    return raw


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"error: {name}={raw!r} is not a whole number (1 or more)")
    return int(raw)


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SystemExit(f"error: {name}={raw!r} is not a whole number (0 or more)")
    return int(raw)


def _choice(name: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise SystemExit(f"error: {name}={raw!r} is not one of {', '.join(choices)}")
    return raw


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"error: {name}={raw!r} is not a port number (1-65535)")
    return int(raw)


def _url(name: str, raw: str) -> str:
    """An http(s) origin-like URL without a trailing slash; anything else is refused."""
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SystemExit(f"error: {name}={raw!r} is not an http(s) URL such as http://host:5005")
    return url


def _origins(web_port: int) -> tuple[str, ...]:
    """ALLOWED_ORIGINS, comma-separated; by default the chat page's own origins."""
    default = f"http://localhost:{web_port},http://127.0.0.1:{web_port}"
    raw = os.environ.get("ALLOWED_ORIGINS") or default
    return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
