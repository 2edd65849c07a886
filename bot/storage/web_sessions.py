"""Website session ids that are dead: ended with 'End chat' or by 'delete my data'.

A session's signed proof (bot/web_session.py) stays valid until it expires, and a copy of the
id and proof taken before the end (another tab, a shared computer, a screenshot of storage)
would otherwise still reach the conversation. So the id is recorded here and the website's
channel refuses it, on every server, until the last proof issued for it has expired; the
daily retention run then purges the row.

Only a SHA-256 of the session id is stored (bot.web_session.session_hash), never the id or
its proof. This module owns the table revoked_web_sessions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.settings import load_settings
from bot.storage import db
from bot.storage.models import RevokedWebSession, utcnow
from bot.web_session import session_hash

_table = RevokedWebSession.__table__
#: Built once: the website asks it twice a turn (building the select each time was a sixth of
#: the check's time under load).
_REVOKED = sa.select(_table.c.session_hash).where(_table.c.session_hash == sa.bindparam("key"))


def revoke(conversation_or_session_id: str, expires_at: datetime | None = None,
           url: str | None = None, now: datetime | None = None) -> None:
    """Refuse this id from now on. `expires_at` is the latest expiry of any proof issued for
    it; by default now plus the proof lifetime (WEB_SESSION_IDLE_HOURS), which no proof
    issued before now can outlive. Revoking twice keeps the later expiry."""
    now = now or utcnow()
    expires_at = expires_at or now + proof_lifetime()
    key = session_hash(conversation_or_session_id)
    engine = db.engine_for(url or db.database_url())
    try:
        with engine.begin() as connection:
            connection.execute(_table.insert().values(
                session_hash=key, revoked_at=now, expires_at=expires_at))
    except IntegrityError:
        with engine.begin() as connection:
            connection.execute(_table.update()
                               .where(_table.c.session_hash == key,
                                      _table.c.expires_at < expires_at)
                               .values(expires_at=expires_at))


def is_revoked(conversation_or_session_id: str, url: str | None = None) -> bool:
    """True when the id was revoked (rows past their expiry may linger until the purge;
    their proofs have expired too, so the answer is the same)."""
    key = session_hash(conversation_or_session_id)
    with db.engine_for(url or db.database_url()).connect() as connection:
        found = connection.execute(_REVOKED, {"key": key}).first()
    return found is not None


def purge(url: str | None = None, now: datetime | None = None) -> int:
    """Forget revocations whose proofs have all expired; returns how many."""
    cutoff = now or utcnow()
    with db.engine_for(url or db.database_url()).begin() as connection:
        return connection.execute(_table.delete().where(_table.c.expires_at < cutoff)).rowcount


def proof_lifetime() -> timedelta:
    return load_settings().web_session_idle
