"""Staff accounts, sign-in and sessions for the review pages.

Decisions (a hospital IT team would ask about each):

- Passwords: werkzeug's `generate_password_hash` (scrypt, random salt), at least 12
  characters. Only the hash is stored.
- Lockout: after `MAX_FAILURES` wrong passwords in a row the account refuses every sign-in,
  right password or not, for `LOCKOUT`. An unknown user name gets the same answer and costs
  the same time as a wrong password, so sign-in does not reveal which accounts exist.
- Sessions: a random 256-bit token in the cookie; the database keeps its SHA-256 and the
  session's CSRF token. A session ends at sign-out, after `idle` without a request, or at
  `lifetime` after sign-in, whichever comes first. Changing a password or disabling an
  account ends its sessions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from bot.storage.models import StaffAccount, StaffSession, utcnow
from bot.storage.store import StorageError, Store

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class LoginRefused(Exception):
    """Sign-in refused. `locked` tells the page to say so; nothing says whether the account
    exists."""

    def __init__(self, locked: bool = False) -> None:
        super().__init__("locked" if locked else "refused")
        self.locked = locked


@dataclass(frozen=True)
class StaffSessionInfo:
    username: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)


class Accounts:
    def __init__(self, store: Store, policy: SessionPolicy = SessionPolicy()) -> None:
        self.store = store
        self.policy = policy

    # --- accounts (the command line) ----------------------------------------------------

    def create(self, username: str, password: str, now: datetime | None = None) -> None:
        username = _valid_username(username)
        _check_password(password)
        now = now or utcnow()
        with self.store.session() as session:
            exists = session.execute(
                sa.select(StaffAccount.id).where(StaffAccount.username == username)
            ).first()
            if exists:
                raise StorageError(f"staff account {username!r} exists already")
            session.add(StaffAccount(username=username, password_hash=generate_password_hash(
                password), created_at=now, password_changed_at=now, failed_logins=0,
                disabled=False))
            self.store._audit(session, now, "cli", "create_staff", None, {"username": username})

    def set_password(self, username: str, password: str, now: datetime | None = None) -> None:
        """A new password; unlocks the account and ends its sessions."""
        _check_password(password)
        now = now or utcnow()
        with self.store.session() as session:
            account = self._account(session, username)
            account.password_hash = generate_password_hash(password)
            account.password_changed_at, account.failed_logins = now, 0
            account.locked_until = None
            session.execute(sa.delete(StaffSession).where(StaffSession.account_id == account.id))
            self.store._audit(session, now, "cli", "set_staff_password", None,
                              {"username": account.username})

    def set_disabled(self, username: str, disabled: bool, now: datetime | None = None) -> None:
        now = now or utcnow()
        with self.store.session() as session:
            account = self._account(session, username)
            account.disabled = disabled
            if disabled:
                session.execute(
                    sa.delete(StaffSession).where(StaffSession.account_id == account.id))
            self.store._audit(session, now, "cli",
                              "disable_staff" if disabled else "enable_staff", None,
                              {"username": account.username})

    def usernames(self) -> list[tuple[str, bool]]:
        with self.store.session() as session:
            return [tuple(row) for row in session.execute(
                sa.select(StaffAccount.username, StaffAccount.disabled)
                .order_by(StaffAccount.username))]

    # --- sign-in and sessions (the web pages) -------------------------------------------

    def sign_in(self, username: str, password: str,
                now: datetime | None = None) -> tuple[str, StaffSessionInfo]:
        """A new session (cookie token, session) for the right password of an enabled,
        unlocked account; otherwise LoginRefused. Every attempt is audited."""
        now = now or utcnow()
        name = (username or "").strip().lower()[:64]
        with self.store.session() as session:
            account = session.execute(
                sa.select(StaffAccount).where(StaffAccount.username == name)
            ).scalar_one_or_none()
            if account is None:
                check_password_hash(_dummy_hash(), password or "")
                self.store._audit(session, now, "anonymous", "login_failed", None,
                                  {"reason": "unknown user"})
                outcome: LoginRefused | None = LoginRefused()
            else:
                outcome = self._check(account, password or "", now)
                self.store._audit(session, now, f"staff:{account.username}",
                                  "login" if outcome is None else "login_failed", None,
                                  None if outcome is None else {"reason": str(outcome)})
            if outcome is None:
                return self._start(session, account, now)
        raise outcome

    def _check(self, account: StaffAccount, password: str, now: datetime) -> LoginRefused | None:
        if account.locked_until and account.locked_until > now:
            return LoginRefused(locked=True)
        if account.disabled or not check_password_hash(account.password_hash, password):
            account.failed_logins += 1
            if account.failed_logins >= MAX_FAILURES:
                account.locked_until, account.failed_logins = now + LOCKOUT, 0
                return LoginRefused(locked=True)
            return LoginRefused()
        account.failed_logins, account.locked_until, account.last_login_at = 0, None, now
        return None

    def _start(self, session, account: StaffAccount,
               now: datetime) -> tuple[str, StaffSessionInfo]:
        token = secrets.token_urlsafe(32)
        row = StaffSession(token_hash=_digest(token), account_id=account.id,
                           csrf_token=secrets.token_urlsafe(32), created_at=now,
                           last_seen_at=now, expires_at=now + self.policy.lifetime)
        session.add(row)
        session.execute(sa.delete(StaffSession).where(StaffSession.expires_at < now))
        return token, StaffSessionInfo(account.username, row.csrf_token, row.expires_at)

    def session_for(self, token: str | None,
                    now: datetime | None = None) -> StaffSessionInfo | None:
        """The live session for a cookie token (and it is seen now), or None."""
        if not token or len(token) > 128:
            return None
        now = now or utcnow()
        with self.store.session() as session:
            row = session.get(StaffSession, _digest(token))
            if row is None:
                return None
            if (row.expires_at <= now or row.last_seen_at + self.policy.idle <= now
                    or row.account.disabled):
                session.delete(row)
                return None
            row.last_seen_at = now
            return StaffSessionInfo(row.account.username, row.csrf_token, row.expires_at)

    def sign_out(self, token: str | None, now: datetime | None = None) -> None:
        if not token:
            return
        now = now or utcnow()
        with self.store.session() as session:
            row = session.get(StaffSession, _digest(token))
            if row is not None:
                self.store._audit(session, now, f"staff:{row.account.username}", "logout")
                session.delete(row)

    @staticmethod
    def _account(session, username: str) -> StaffAccount:
        account = session.execute(
            sa.select(StaffAccount).where(StaffAccount.username == username.strip().lower())
        ).scalar_one_or_none()
        if account is None:
            raise StorageError(f"no staff account {username!r}")
        return account


@cache
def _dummy_hash() -> str:
    """Checked against when the user name is unknown, so that both cost one scrypt; made on
    first use, not when every storage command imports this module."""
    return generate_password_hash("not a password of any account")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _valid_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.fullmatch(name):
        raise StorageError("a user name is 2-64 of a-z 0-9 . _ - (starting with a letter or "
                           "digit)")
    return name


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StorageError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
