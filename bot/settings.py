"""Settings from the environment, with `.env` read through python-dotenv.

Every secret and every deployment choice comes from here; nothing is committed. The defaults
run everything on this machine: SQLite files under var/, no external service.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    rasa_host: str
    rasa_port: int
    action_host: str
    action_port: int
    web_port: int
    log_level: str
    data_dir: Path


def load_settings() -> Settings:
    """Read `.env` (without overriding real environment variables), then the environment."""
    load_dotenv(ROOT / ".env", override=False)
    data_dir = Path(os.environ.get("DATA_DIR", ROOT / "var"))
    return Settings(
        rasa_host=os.environ.get("RASA_HOST", "127.0.0.1"),
        rasa_port=_port("RASA_PORT", 5005),
        action_host=os.environ.get("ACTION_HOST", "127.0.0.1"),
        action_port=_port("ACTION_PORT", 5055),
        web_port=_port("WEB_PORT", 8080),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        data_dir=data_dir,
    )


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"error: {name}={raw!r} is not a port number (1-65535)")
    return int(raw)
