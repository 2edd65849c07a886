"""`Store`: the project's storage in one object, for callers that use several parts of it.

Each part owns its tables and lives in its own module; `Store` only puts them together over
one `Database` (bot/storage/base.py):

- patient.py   `PatientWrites`: consent, audience, closed choice, results, contact requests
- review.py    `ReviewWrites`: review status, notes, tags, overrides, contact handling, audit
- queries.py   `StaffQueries`: the staff list and conversation, transcripts, exports, counts
- deletion.py  `delete_conversation` and `purge`, the one deletion path
- events.py    Rasa's `events` table; audit.py the audit log; accounts.py staff accounts
"""

from __future__ import annotations

from bot.storage.patient import PatientWrites
from bot.storage.queries import StaffQueries
from bot.storage.review import ReviewWrites


class Store(PatientWrites, ReviewWrites, StaffQueries):
    """Patient writes, review writes and staff queries over one database. Deleting is not
    here: every deletion goes through bot/storage/deletion.py (`delete_conversation`,
    `purge`), the one path."""
