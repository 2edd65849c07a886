"""`python -m bot.web`: serve the web pages with waitress on WEB_HOST:WEB_PORT, and run the
daily retention in a background thread (bot/storage/retention.py; RETENTION_AUTO=false turns
it off)."""

from __future__ import annotations

import logging

from waitress import serve

from bot.settings import load_settings
from bot.storage import retention
from bot.web.app import create_app

LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s - %(message)s"


def main() -> None:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    app = create_app(settings)
    logging.getLogger("bot.web").info(
        "web pages on http://%s:%d (chat connects to %s)",
        settings.web_host, settings.web_port, settings.rasa_public_url,
    )
    if settings.retention_auto:
        retention.start_in_background(settings)
    serve(app, host=settings.web_host, port=settings.web_port, threads=8, ident=None)


if __name__ == "__main__":
    main()
