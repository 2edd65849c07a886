"""Rasa's Redis lock store, with every change to a conversation's lock made atomically.

With several Rasa servers, the lock store is what keeps two messages of one conversation from
being processed at once: each takes a ticket and waits for its turn. Rasa's RedisLockStore
changes a lock by reading it, changing it in the server's memory and writing it back (GET, then
SET). Two servers taking a ticket at the same moment both read the same lock, both issue the
same ticket number, and both run their turns at once; each saves the conversation it read plus
its own events, and the tracker store keeps only one of them (RasaHQ/rasa#9213; the atomic
store is Rasa Pro only). The scale test (tests/scale) lost patient messages this way when two
were sent together.

Here each read-change-write runs in a Redis transaction on the lock's key (WATCH, MULTI/EXEC,
retried when another server changed the key in between): issuing a ticket, dropping expired
tickets while waiting, and handing the lock back (deleted when no ticket is left, in the same
transaction, so a ticket issued meanwhile is never deleted with it). Configured in
deploy/endpoints.yml:

    lock_store:
      type: rasa_extensions.lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      ...

Nothing here imports the project's code (it runs inside the Rasa server).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore (same settings, same keys) whose lock changes are atomic."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with `endpoint_config=` only.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs,
                      **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str,
                change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]) -> T:
        """Apply `change` to the stored lock atomically: it gets the lock (None when there is
        none) and returns the lock to store (None: delete it) and a result."""
        key = self.key_prefix + conversation_id
        result: list[T] = []

        def transaction(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new_lock, value = change(lock)
            result[:] = [value]
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())

        self.red.transaction(transaction, key)
        return result[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # as Rasa: the turn fails with a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, _without_ticket(ticket_number, keep_empty=True))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, _without_ticket(ticket_number, keep_empty=False))


def _without_ticket(ticket_number: int, keep_empty: bool
                    ) -> Callable[[TicketLock | None], tuple[TicketLock | None, None]]:
    def remove(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
        if lock is None:
            return None, None
        lock.remove_ticket_for(ticket_number)
        return (lock if keep_empty or lock.is_someone_waiting() else None), None

    return remove
