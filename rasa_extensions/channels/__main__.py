"""Register the Telegram webhook: an explicit step, never done at server start-up.

    .venv/bin/python -m rasa_extensions.channels telegram-webhook           # register
    .venv/bin/python -m rasa_extensions.channels telegram-webhook --info    # what Telegram has
    .venv/bin/python -m rasa_extensions.channels telegram-webhook --delete  # stop deliveries

Reads TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, TELEGRAM_WEBHOOK_URL (the public HTTPS URL of
/webhooks/telegram/webhook) and TELEGRAM_API_URL from the environment or `.env`. Telegram then
sends the secret token with every update, and the channel refuses updates without it. The bot
token is never printed.

Messenger, Twilio and WeChat are registered in their own consoles (see README, Configuration).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import requests
from dotenv import load_dotenv

from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts
ALLOWED_UPDATES = ["message", "callback_query"]


def telegram_webhook(info: bool = False, delete: bool = False) -> int:
    settings = load_settings()
    token, secret = settings.telegram_bot_token, settings.telegram_secret_token
    url = settings.telegram_webhook_url
    api = (settings.telegram_api_url or "https://api.telegram.org").rstrip("/")
    if not token:
        return _fail("set TELEGRAM_BOT_TOKEN")
    if info or delete:
        method, body = ("getWebhookInfo", {}) if info else ("deleteWebhook", {})
    else:
        if not SECRET_TOKEN.match(secret):
            return _fail("set TELEGRAM_SECRET_TOKEN: 1-256 characters of A-Z a-z 0-9 _ -")
        if not url.startswith("https://"):
            return _fail("set TELEGRAM_WEBHOOK_URL to the public https:// URL of "
                         "/webhooks/telegram/webhook")
        method = "setWebhook"
        body = {"url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES}
    try:
        reply = requests.post(f"{api}/bot{token}/{method}", json=body, timeout=30)
        result = reply.json()
    except (requests.RequestException, ValueError) as error:
        return _fail(f"{method} failed: {type(error).__name__}")
    if not result.get("ok"):
        return _fail(f"{method} refused: {result.get('description', reply.status_code)}")
    if info:
        webhook = result.get("result") or {}
        for key in ("url", "pending_update_count", "last_error_message", "allowed_updates"):
            print(f"{key}: {webhook.get(key, '')}")
    else:
        print(f"{method}: ok" + (f" ({url})" if method == "setWebhook" else ""))
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    load_dotenv(ROOT / ".env", override=False)
    parser = argparse.ArgumentParser(prog="python -m rasa_extensions.channels")
    commands = parser.add_subparsers(dest="command", required=True)
    telegram = commands.add_parser("telegram-webhook", help="register the Telegram webhook")
    group = telegram.add_mutually_exclusive_group()
    group.add_argument("--info", action="store_true", help="show the registered webhook")
    group.add_argument("--delete", action="store_true", help="remove the webhook")
    args = parser.parse_args(argv)
    return telegram_webhook(info=args.info, delete=args.delete)


if __name__ == "__main__":
    sys.exit(main())
