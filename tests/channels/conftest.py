"""Real servers with every messaging channel on, pointed at a local fake of the platforms' APIs.

One pair of servers and one fake for the whole package (starting Rasa takes most of the time).
The secrets below are test values only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from bot.identity import conversation_id
from devkit.servers import SECRETS, Servers, running_servers
from tests.channels.fake_platforms import FakePlatforms

TELEGRAM_BOT_TOKEN = "123456789:TEST-bot-token_for-tests"
TELEGRAM_SECRET_TOKEN = "test-secret_TOKEN-42"
FACEBOOK_VERIFY_TOKEN = "test-verify-token"
FACEBOOK_APP_SECRET = "test-app-secret"
FACEBOOK_PAGE_ACCESS_TOKEN = "test-page-access-token"
TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
TWILIO_WEBHOOK_URL = "https://bot.example.org/webhooks/twilio/webhook"
WECHAT_TOKEN = "testWeChatToken2024"

MESSAGING_SECRETS = {
    "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
    "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET_TOKEN,
    "FACEBOOK_VERIFY_TOKEN": FACEBOOK_VERIFY_TOKEN,
    "FACEBOOK_APP_SECRET": FACEBOOK_APP_SECRET,
    "FACEBOOK_PAGE_ACCESS_TOKEN": FACEBOOK_PAGE_ACCESS_TOKEN,
    "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
    "TWILIO_WEBHOOK_URL": TWILIO_WEBHOOK_URL,
    "WECHAT_TOKEN": WECHAT_TOKEN,
}


@pytest.fixture(scope="session")
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms() as platforms:
        yield platforms


@pytest.fixture(scope="session")
def servers(tmp_path_factory, fake) -> Iterator[Servers]:
    env = {
        **MESSAGING_SECRETS,
        "TELEGRAM_API_URL": f"{fake.url}/telegram",
        "FACEBOOK_GRAPH_URL": f"{fake.url}/graph",
        "TWILIO_API_URL": f"{fake.url}/twilio",
    }
    with running_servers(tmp_path_factory.mktemp("channels-data"), extra_env=env) as running:
        fake.at_startup = fake.since(0)  # what the servers asked the platforms while starting
        yield running


@pytest.fixture(autouse=True)
def _fake_answers_normally(fake):
    fake.fail_with = None
    yield
    fake.fail_with = None


def conversation_of(namespace: str, platform_id: str) -> str:
    """The conversation id the servers store a platform user's messages under: the namespace
    and a keyed hash, never the phone number or account id (bot/identity.py)."""
    return conversation_id(namespace, platform_id, SECRETS["CONVERSATION_ID_SECRET"])


def stored_events(servers: Servers, sender: str) -> list[tuple[str, dict]]:
    """(type_name, data) of every event of a conversation in the SQL tracker store."""
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [(type_name, json.loads(data)) for type_name, data in rows]


def user_texts(servers: Servers, sender: str) -> list[str]:
    """What the conversation recorded as the patient's messages (payloads after a tap or a
    number)."""
    return [data.get("text") for kind, data in stored_events(servers, sender) if kind == "user"]


def stored_verdicts(servers: Servers, sender: str) -> dict[str, str]:
    """The verdicts of the latest screening_result the assistant produced."""
    verdicts: dict[str, str] = {}
    for kind, data in stored_events(servers, sender):
        custom = (data.get("data") or {}).get("custom") if kind == "bot" else None
        if isinstance(custom, dict) and custom.get("type") == "screening_result":
            verdicts = {t["nct_id"]: t["verdict"] for t in custom["trials"]}
    return verdicts
