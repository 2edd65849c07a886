"""What the action server calls: patient-side writes that never break the conversation.

Each hook runs its write in a worker thread (the action server's event loop keeps serving other
conversations), waits at most TIMEOUT seconds, and on any failure logs the operation and the
kind of error, never patient text or the SQL parameters, and returns None. The database is
the one bot/storage/db.py names (DATABASE_URL, else TRACKER_DB_URL, else the SQLite file
under DATA_DIR).

The hooks take the Rasa tracker's sender id and events (plain dicts), so this module needs no
Rasa import.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

from bot.engine import TrialResult
from bot.storage import db, deletion
from bot.storage.patient import ConversationRef
from bot.storage.store import Store

logger = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT = 5.0  # seconds; a turn must not wait longer on the database
PATIENT = "patient"

_stores: dict[tuple[str, str], Store] = {}
_stores_lock = threading.Lock()


def default_store() -> Store:
    """The store for the current environment's URLs (one per process and URL pair)."""
    key = (db.database_url(), db.tracker_url())
    with _stores_lock:
        if key not in _stores:
            _stores[key] = Store(*key)
        return _stores[key]


async def record_consent(sender_id: str, events: Sequence[Mapping[str, Any]],
                         consent: bool, language: str | None = None) -> None:
    ref = ConversationRef.from_events(sender_id, events, language)
    await _safely("record_consent", lambda: default_store().record_consent(ref, consent))


async def record_audience(sender_id: str, events: Sequence[Mapping[str, Any]],
                          audience: str, language: str | None = None) -> None:
    ref = ConversationRef.from_events(sender_id, events, language)
    await _safely("record_audience", lambda: default_store().record_audience(ref, audience))


async def record_closed_choice(sender_id: str, events: Sequence[Mapping[str, Any]],
                               choice: str) -> None:
    ref = ConversationRef.from_events(sender_id, events)
    await _safely("record_closed_choice",
                  lambda: default_store().record_closed_choice(ref, choice))


async def record_result(sender_id: str, events: Sequence[Mapping[str, Any]],
                        facts: Mapping[str, Any], audience: str | None,
                        results: Sequence[TrialResult] | None = None,
                        language: str | None = None) -> int | None:
    """Store the screening result the patient was shown: `results`, which the caller
    computed once for the turn from `facts` (computed here when not given), in `language`
    (kept on the conversation for the staff pages); returns its id."""
    ref = ConversationRef.from_events(sender_id, events, language)
    facts = dict(facts)
    results = list(results) if results is not None else None
    return await _safely("record_result",
                         lambda: default_store().record_result(ref, facts, audience, results))


async def record_contact_request(sender_id: str,
                                 events: Sequence[Mapping[str, Any]]) -> int | None:
    ref = ConversationRef.from_events(sender_id, events)
    return await _safely("record_contact_request",
                         lambda: default_store().record_contact_request(ref))


async def forget_conversation(sender_id: str) -> bool:
    """'Delete my data': the conversation everywhere, its events included
    (bot/storage/deletion.py, the one deletion path). True when the deletion went through
    (the website's session id is revoked with it); otherwise deletion.patient_deletion_failed
    records it for the retry and revokes the session id, as far as the database lets it."""
    deleted = await _safely(
        "delete_conversation",
        lambda: deletion.delete_conversation(default_store(), sender_id, PATIENT))
    if deleted is not None:
        return True
    await _safely("record_pending_deletion",
                  lambda: deletion.patient_deletion_failed(default_store(), sender_id))
    return False


async def _safely(name: str, operation: Callable[[], T]) -> T | None:
    try:
        return await asyncio.wait_for(asyncio.to_thread(operation), TIMEOUT)
    except asyncio.TimeoutError:
        logger.error("storage: %s took longer than %.0f s; the conversation goes on", name,
                     TIMEOUT)
    except Exception as error:  # storage must never break the conversation
        logger.error("storage: %s failed (%s); the conversation goes on%s", name,
                     _kind(error), _hint(error))
    return None


def _kind(error: Exception) -> str:
    """The error's class (and the driver's), without its message: messages can quote values."""
    kind = type(error).__name__
    original = getattr(error, "orig", None)
    if original is not None:
        kind += f"/{type(original).__name__}"
        code = getattr(original, "pgcode", None)
        if code:
            kind += f" SQLSTATE {code}"
    return kind


def _hint(error: Exception) -> str:
    if not isinstance(error, DBAPIError):
        return ""
    try:
        from bot.storage import migrate  # Alembic, only when something went wrong

        if not migrate.is_current(default_store().engine):
            return (": the project's tables are missing or out of date, run "
                    "`python -m bot.storage migrate`")
    except Exception:
        return ": the database cannot be reached"
    return ""
