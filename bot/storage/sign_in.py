"""Staff sign-in, the second factor, and sessions for the review pages.

Decisions (a hospital IT team would ask about each):

- One answer for every refusal: an unknown user name, a wrong password, a locked account and
  a disabled one all get LoginRefused, and every attempt runs one scrypt check (against a
  dummy hash when there is no account), so neither the page nor its timing tells which
  accounts exist or what state they are in. Only the audit log says why.
- Per account: after `MAX_FAILURES` wrong passwords or codes in a row the account refuses
  every sign-in, right password or not, for `LOCKOUT`.
- Per address: more than `ADDRESS_MAX_FAILURES` failures from one address within
  `ADDRESS_WINDOW` (any accounts, existing or not) and that address is refused without a
  check until the window has passed (LoginThrottled, HTTP 429). Counted in the database
  (staff_login_failures), so several web processes share it. Behind a proxy the address is
  the proxy's unless WEB_TRUSTED_PROXIES is set (bot/web/app.py).
- Second factor (bot/storage/second_factor.py), when the account requires it: the password
  opens a pending session that reaches only the code page, for `SECOND_FACTOR_TIME`. The
  first time, that page shows the QR code and the secret to set up an authenticator; then
  every sign-in asks for the code. A right code replaces the pending session by a full one
  with a new cookie token; a wrong one counts like a wrong password.
- Sessions: a random 256-bit token in the cookie; the database keeps its SHA-256 and the
  session's CSRF token. A session ends at sign-out, after `idle` without a request, or at
  `lifetime` after sign-in, whichever comes first. Changing a password, disabling an account
  or resetting its second factor ends its sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.storage import audit, second_factor
from bot.storage.models import StaffAccount, StaffLoginFailure, StaffSession, utcnow
from bot.storage.store import Store

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW = timedelta(minutes=15)
SECOND_FACTOR_TIME = timedelta(minutes=10)
UNKNOWN_ADDRESS = "unknown"


class LoginRefused(Exception):
    """Sign-in refused; deliberately says nothing about why."""


class LoginThrottled(Exception):
    """Too many failed sign-ins from this address lately; nothing was checked."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class StaffSessionInfo:
    username: str
    role: str
    csrf_token: str
    expires_at: datetime
    second_factor_pending: bool = False
    second_factor_set_up: bool = True  # False: the code page shows the set-up first


class SignIn:
    """Sign-in and sessions over a Store's database (the web pages)."""

    def __init__(self, store: Store, policy: SessionPolicy = SessionPolicy()) -> None:
        self.store = store
        self.policy = policy

    def sign_in(self, username: str, password: str, now: datetime | None = None,
                address: str | None = None) -> tuple[str, StaffSessionInfo]:
        """A new session (cookie token, session) for the right password of an enabled,
        unlocked account, pending its second factor if the account requires one; otherwise
        LoginRefused (or LoginThrottled). Every attempt is audited."""
        now, address = now or utcnow(), (address or UNKNOWN_ADDRESS)[:64]
        name = (username or "").strip().lower()[:64]
        with self.store.session() as session:
            throttled = self._throttled(session, address, now)
            if not throttled:
                account = session.execute(
                    sa.select(StaffAccount).where(StaffAccount.username == name)
                ).scalar_one_or_none()
                # always one scrypt check, whatever the account's state
                matches = check_password_hash(
                    account.password_hash if account else _dummy_hash(), password or "")
                reason = _refusal(account, matches, now)
                if reason is None:
                    account.failed_logins, account.locked_until = 0, None
                    if not account.totp_required:
                        account.last_login_at = now
                    audit.record(session, now, f"staff:{account.username}",
                                 "login" if not account.totp_required else "password_ok")
                    return self._start(session, account, now, account.totp_required)
                self._fail(session, account, address, now, reason)
        raise LoginThrottled() if throttled else LoginRefused()

    def second_factor_setup(self, token: str | None,
                            now: datetime | None = None) -> tuple[str, str] | None:
        """For a pending session whose account has not set up its authenticator: (secret,
        otpauth URI) to show; the secret is kept until a code confirms it. None otherwise."""
        now = now or utcnow()
        with self.store.session() as session:
            row = self._live(session, token, now)
            if row is None or not row.second_factor_pending or row.account.totp_enabled_at:
                return None
            account = row.account
            if not account.totp_secret:
                account.totp_secret = second_factor.new_secret()
            return account.totp_secret, second_factor.provisioning_uri(account.totp_secret,
                                                                       account.username)

    def verify_second_factor(self, token: str | None, code: str, now: datetime | None = None,
                             address: str | None = None) -> tuple[str, StaffSessionInfo]:
        """Replace a pending session by a full one (a new token) for a right code not used
        before; otherwise LoginRefused, counted like a wrong password (or LoginThrottled)."""
        now, address = now or utcnow(), (address or UNKNOWN_ADDRESS)[:64]
        with self.store.session() as session:
            throttled = self._throttled(session, address, now)
            if not throttled:
                row = self._live(session, token, now)
                if row is not None and row.second_factor_pending:
                    account = row.account
                    step = second_factor.matching_step(account.totp_secret or "", code, now)
                    reused = step is not None and step <= (account.totp_last_step or -1)
                    if step is not None and not reused and not _locked(account, now):
                        return self._confirm(session, row, account, step, now)
                    reason = "code reused" if reused else (
                        "locked" if _locked(account, now) else "wrong code")
                    self._fail(session, account, address, now, reason)
                    if _locked(account, now):
                        session.delete(row)
                else:
                    self._fail(session, None, address, now, "no pending session")
        raise LoginThrottled() if throttled else LoginRefused()

    def session_for(self, token: str | None,
                    now: datetime | None = None) -> StaffSessionInfo | None:
        """The live session for a cookie token (and it is seen now), or None."""
        now = now or utcnow()
        with self.store.session() as session:
            row = self._live(session, token, now)
            if row is None:
                return None
            row.last_seen_at = now
            return _info(row)

    def sign_out(self, token: str | None, now: datetime | None = None) -> None:
        if not token:
            return
        now = now or utcnow()
        with self.store.session() as session:
            row = session.get(StaffSession, _digest(token))
            if row is not None:
                audit.record(session, now, f"staff:{row.account.username}", "logout")
                session.delete(row)

    # --- helpers ------------------------------------------------------------------------

    def _live(self, session: Session, token: str | None, now: datetime) -> StaffSession | None:
        if not token or len(token) > 128:
            return None
        row = session.get(StaffSession, _digest(token))
        if row is None:
            return None
        if (row.expires_at <= now or row.last_seen_at + self.policy.idle <= now
                or row.account.disabled):
            session.delete(row)
            return None
        return row

    def _start(self, session: Session, account: StaffAccount, now: datetime,
               pending: bool) -> tuple[str, StaffSessionInfo]:
        token = secrets.token_urlsafe(32)
        lifetime = SECOND_FACTOR_TIME if pending else self.policy.lifetime
        row = StaffSession(token_hash=_digest(token), account=account,
                           csrf_token=secrets.token_urlsafe(32), created_at=now,
                           last_seen_at=now, expires_at=now + lifetime,
                           second_factor_pending=pending)
        session.add(row)
        session.execute(sa.delete(StaffSession).where(StaffSession.expires_at < now))
        return token, _info(row)

    def _confirm(self, session: Session, row: StaffSession, account: StaffAccount, step: int,
                 now: datetime) -> tuple[str, StaffSessionInfo]:
        first = account.totp_enabled_at is None
        account.totp_last_step, account.failed_logins, account.last_login_at = step, 0, now
        if first:
            account.totp_enabled_at = now
        session.delete(row)
        audit.record(session, now, f"staff:{account.username}", "login", None,
                     {"second_factor": "set up" if first else "code"})
        return self._start(session, account, now, pending=False)

    def _fail(self, session: Session, account: StaffAccount | None, address: str,
              now: datetime, reason: str) -> None:
        """Count a failure for the address and (unless locked or disabled) the account."""
        session.add(StaffLoginFailure(address=address, at=now))
        if account is not None and not account.disabled and not _locked(account, now):
            account.failed_logins += 1
            if account.failed_logins >= MAX_FAILURES:
                account.locked_until, account.failed_logins = now + LOCKOUT, 0
        actor = f"staff:{account.username}" if account is not None else "anonymous"
        audit.record(session, now, actor, "login_failed", None, {"reason": reason})

    def _throttled(self, session: Session, address: str, now: datetime) -> bool:
        """Too many recent failures from this address (audited when so)."""
        recent = session.execute(
            sa.select(sa.func.count()).select_from(StaffLoginFailure)
            .where(StaffLoginFailure.address == address,
                   StaffLoginFailure.at > now - ADDRESS_WINDOW)
        ).scalar_one()
        if recent < ADDRESS_MAX_FAILURES:
            return False
        audit.record(session, now, "anonymous", "login_throttled")
        return True


def purge_login_failures(store: Store, now: datetime | None = None) -> int:
    """Forget failures older than the window (the retention run); returns how many."""
    cutoff = (now or utcnow()) - ADDRESS_WINDOW
    with store.session() as session:
        return session.execute(
            sa.delete(StaffLoginFailure).where(StaffLoginFailure.at <= cutoff)).rowcount or 0


def purge_sessions(store: Store, now: datetime | None = None) -> int:
    """Delete sessions past their absolute limit (the retention run); returns how many."""
    with store.session() as session:
        return session.execute(
            sa.delete(StaffSession).where(StaffSession.expires_at <= (now or utcnow()))
        ).rowcount or 0


def _refusal(account: StaffAccount | None, matches: bool, now: datetime) -> str | None:
    """Why a sign-in is refused (for the audit log only), or None."""
    if account is None:
        return "unknown user"
    if account.disabled:
        return "disabled"
    if _locked(account, now):
        return "locked"
    return None if matches else "wrong password"


def _locked(account: StaffAccount, now: datetime) -> bool:
    return bool(account.locked_until and account.locked_until > now)


def _info(row: StaffSession) -> StaffSessionInfo:
    account = row.account
    return StaffSessionInfo(account.username, account.role, row.csrf_token, row.expires_at,
                            row.second_factor_pending, account.totp_enabled_at is not None)


@cache
def _dummy_hash() -> str:
    """Checked against when the user name is unknown, so that both cost one scrypt; made on
    first use, not when every storage command imports this module."""
    return generate_password_hash("not a password of any account")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
