"""`Store`: the project's storage in one object, for callers that use several parts of it.

Each part owns its tables and lives in its own module; `Store` only puts them together over
one `Database` (bot/storage/base.py):

- patient.py   `PatientWrites`: consent, audience, closed choice, results, contact requests
- review.py    `ReviewWrites`: review status, notes, tags, overrides, contact handling, audit
- queries.py   `StaffQueries`: the staff list and conversation, transcripts, exports, counts
- deletion.py  `delete_conversation` and `purge`, the one deletion path (also methods here)
- events.py    Rasa's `events` table; audit.py the audit log; accounts.py staff accounts
"""

from __future__ import annotations

from datetime import datetime

from bot.storage import deletion
from bot.storage.deletion import Deleted, Purged
from bot.storage.patient import PatientWrites
from bot.storage.queries import StaffQueries
from bot.storage.review import ReviewWrites


class Store(PatientWrites, ReviewWrites, StaffQueries):
    def delete_conversation(self, sender_id: str, actor: str,
                            now: datetime | None = None) -> Deleted:
        """Delete everything about one conversation, everywhere (deletion.py)."""
        return deletion.delete_conversation(self, sender_id, actor, now)

    def purge(self, older_than_days: int, actor: str, now: datetime | None = None) -> Purged:
        """Retention: every conversation without activity for `older_than_days` days."""
        return deletion.purge(self, older_than_days, actor, now)
