"""Platform message ids already processed: a webhook retry or replay is processed once.

Twilio, Messenger, WeChat and Telegram resend a message when our answer is slow or lost, and
an attacker who captured a signed request can send it again. Each channel claims the message's
platform id here before running the turn; only the first claim, on any server, succeeds (the
primary key decides, so two servers racing on the same retry cannot both win). Ids are kept
for SEEN_WINDOW, longer than any platform retries (Telegram keeps retrying for up to a day),
then purged by the daily retention run.

The table holds message ids only, never text or a sender.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.storage import db
from bot.storage.models import SeenPlatformMessage, utcnow

SEEN_WINDOW = timedelta(days=3)
_table = SeenPlatformMessage.__table__


def claim(channel: str, message_id: str, url: str | None = None,
          now: datetime | None = None) -> bool:
    """True the first time (channel, message_id) is claimed, False for a repeat."""
    engine = db.engine_for(url or db.database_url())
    row = {"channel": channel, "message_id": message_id[:128], "seen_at": now or utcnow()}
    try:
        with engine.begin() as connection:
            connection.execute(_table.insert().values(**row))
    except IntegrityError:
        return False
    return True


def purge(url: str | None = None, now: datetime | None = None) -> int:
    """Forget ids older than the window; returns how many."""
    cutoff = (now or utcnow()) - SEEN_WINDOW
    with db.engine_for(url or db.database_url()).begin() as connection:
        return connection.execute(_table.delete().where(_table.c.seen_at < cutoff)).rowcount
