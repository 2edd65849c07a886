"""Where an audited request came from: the client address of the staff request being served.

The staff pages set it once per request (bot/web/staff/auth.py) and every audit entry written
while serving that request records it (Store._audit), so sign-ins, views and changes all carry
the address without passing it through every store method. The address is what the web
server sees, or the one a trusted proxy forwarded (WEB_TRUSTED_PROXIES, bot/web/app.py).
Entries written outside a request (the command line, retention) record none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_source: ContextVar[str | None] = ContextVar("audit_source", default=None)
MAX_LENGTH = 64


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
