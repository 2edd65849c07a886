"""One-time step: conversations stored before channel namespaces get their namespaced id.

Before bot/identity.py, a conversation's id was the platform's own id: an SMS patient's phone
number, a Telegram chat id, whatever a REST client sent. Such rows are renamed to the id the
channel now gives them (`sms:<keyed hash>`, `rest:<sender>`, ...), in Rasa's `events` table and
in the project's `conversations` and `audit_log`, so that a patient who writes again continues
the same conversation and no phone number stays in the database.

`python -m bot.storage migrate` runs it after the table migrations (so `make run` does it by
itself); it renames only ids that do not have the exact shape their channel gives today, so it
is idempotent. Its channel comes from the conversation's stored user messages (Rasa's
`input_channel`); a conversation without any message keeps its id and is counted as skipped
(it holds no answers, and retention removes it). Website conversations become `web:<old id>`,
which no browser can reach without a signed proof: their patients start again.
"""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot import identity
from bot.storage import db
from bot.storage.events import EVENTS, has_table, rename_sender
from bot.storage.models import AuditEntry, Conversation

_HASHED_ID = re.compile(r"^(tg|fb|sms|wa|wx):[0-9a-f]{32}$")


@dataclass(frozen=True)
class Renamed:
    renamed: int
    skipped: int


def is_current(conversation: str, input_channel: str | None) -> bool:
    """Whether an id already has the shape its channel gives it today."""
    if input_channel == "rest":
        return conversation.startswith("rest:")
    if input_channel == "socketio":
        return conversation.startswith("web:")
    return bool(_HASHED_ID.match(conversation))


def rename_legacy_ids(secret: str, tracker_url: str | None = None,
                      url: str | None = None) -> Renamed:
    """Rename every pre-namespace conversation id (see the module's docstring)."""
    tracker_url, url = tracker_url or db.tracker_url(), url or db.database_url()
    tracker_engine = db.engine_for(tracker_url)
    if not has_table(tracker_engine):
        return Renamed(0, 0)
    renamed = skipped = 0
    with tracker_engine.begin() as events, ExitStack() as stack:
        # One transaction when both live in one database (an SQLite file allows one writer).
        project = events if url == tracker_url else stack.enter_context(
            db.engine_for(url).begin())
        for old, channel in _channels(events).items():
            if channel is not None and is_current(old, channel):
                continue
            new = _new_id(old, channel, secret)
            if new is None:
                skipped += 1
                continue
            _rename(events, project, old, new)
            renamed += 1
    return Renamed(renamed, skipped)


def _channels(connection: Connection) -> dict[str, str | None]:
    """Every stored conversation id and the input channel of its first user message."""
    found: dict[str, str | None] = {}
    rows = connection.execute(sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.data)
                              .order_by(EVENTS.c.id))
    for sender, type_name, data in rows:
        if found.get(sender) is None:
            found[sender] = _input_channel(data) if type_name == "user" else None
    return found


def _input_channel(data: str) -> str | None:
    try:
        value = json.loads(data).get("input_channel")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _new_id(old: str, channel: str | None, secret: str) -> str | None:
    namespace = identity.legacy_namespace(channel, old)
    if namespace is None:
        return None
    if namespace == identity.WEB:
        return f"web:{old}"
    try:
        return identity.conversation_id(namespace, old, secret)
    except identity.IdentityError:
        return None


def _rename(events: Connection, project: Connection, old: str, new: str) -> None:
    rename_sender(events, old, new)
    if sa.inspect(project).has_table(Conversation.__tablename__):
        project.execute(sa.update(Conversation.__table__)
                        .where(Conversation.__table__.c.sender_id == old)
                        .values(sender_id=new))
        project.execute(sa.update(AuditEntry.__table__)
                        .where(AuditEntry.__table__.c.conversation == old)
                        .values(conversation=new))
