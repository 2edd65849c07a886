"""The audit log: `record` writes an entry, with where the audited request came from.

Every staff change, view and sign-in, every account change and every deletion is recorded
with `record`, in the transaction of the change it records. The client address of the staff
request being served is set once per request (bot/web/staff/auth.py) and every entry written
while serving that request records it, so sign-ins, views and changes all carry the address
without passing it through every store method. The address is what the web
server sees, or the one a trusted proxy forwarded (WEB_TRUSTED_PROXIES, bot/web/app.py).
Entries written outside a request (the command line, retention) record none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.storage.models import AuditEntry

_source: ContextVar[str | None] = ContextVar("audit_source", default=None)
MAX_LENGTH = 64


def record(session: Session, now: datetime, actor: str, action: str,
           public_id: str | None = None, detail: Mapping[str, Any] | None = None) -> int:
    """An audit entry in the session's transaction, with the request's source address;
    returns its id. `public_id` names the conversation (never the sender id); `detail`
    holds ids, filters or counts, never patient or staff text."""
    entry = AuditEntry(at=now, actor=actor, action=action, conversation=public_id,
                       detail=dict(detail) if detail is not None else None,
                       source=current_source())
    session.add(entry)
    session.flush()
    return entry.id


def current_source() -> str | None:
    return _source.get()


@contextmanager
def from_source(address: str | None) -> Iterator[None]:
    """Audit entries written inside the block record `address`."""
    token = set_source(address)
    try:
        yield
    finally:
        reset(token)


def set_source(address: str | None) -> Token:
    """Until reset(token): a web request sets it first and resets it at its teardown, as
    the server's threads serve one request after another in the same context."""
    return _source.set((address or "")[:MAX_LENGTH] or None)


def reset(token: Token) -> None:
    _source.reset(token)
