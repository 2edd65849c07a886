"""Staff accounts for the review pages: creating them, roles, passwords, disabling, the second
factor. Sign-in and sessions are in bot/storage/sign_in.py (`Accounts` does both).

Decisions:

- Passwords: werkzeug's `generate_password_hash` (scrypt, random salt), at least 12
  characters. Only the hash is stored.
- Roles (models.STAFF_ROLES): `reviewer` (read, mark reviewed, notes, tags, close a contact
  request), `coordinator` (also verdict overrides and the CSV export), `admin` (also the
  accounts page). New accounts are reviewers unless given a role. Accounts that existed before
  roles became admins (migration 0004), so nobody was locked out.
- There is always an enabled admin: the last one cannot be lowered or disabled, on the page or
  the command line.
- Every change is audited with who made it: `staff:<name>` from the accounts page,
  `cli:<os user>` (or `--actor`) from the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from bot.storage import audit
from bot.storage.base import StorageError
from bot.storage.models import STAFF_ROLES, StaffAccount, StaffSession, utcnow
from bot.storage.sign_in import (  # noqa: F401  (re-exported for callers)
    LOCKOUT,
    MAX_FAILURES,
    LoginRefused,
    LoginThrottled,
    SessionPolicy,
    SignIn,
    StaffSessionInfo,
)

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
DEFAULT_ROLE = "reviewer"
CLI = "cli"


@dataclass(frozen=True)
class AccountView:
    """What the accounts page lists (never the hashes or the secret)."""

    username: str
    role: str
    disabled: bool
    locked: bool
    second_factor_required: bool
    second_factor_set_up: bool
    created_at: datetime
    last_login_at: datetime | None


class Accounts(SignIn):
    # --- accounts (the command line and the accounts page) ------------------------------

    def create(self, username: str, password: str, role: str = DEFAULT_ROLE,
               actor: str = CLI, now: datetime | None = None) -> None:
        username = _valid_username(username)
        _check_password(password)
        _check_role(role)
        now = now or utcnow()
        with self.store.session() as session:
            exists = session.execute(
                sa.select(StaffAccount.id).where(StaffAccount.username == username)
            ).first()
            if exists:
                raise StorageError(f"staff account {username!r} exists already",
                                   key="account_exists", username=username)
            session.add(StaffAccount(username=username, password_hash=generate_password_hash(
                password), created_at=now, password_changed_at=now, failed_logins=0,
                disabled=False, role=role, totp_required=False))
            audit.record(session, now, actor, "create_staff", None,
                         {"username": username, "role": role})

    def set_password(self, username: str, password: str, actor: str = CLI,
                     now: datetime | None = None) -> None:
        """A new password; unlocks the account and ends its sessions."""
        _check_password(password)
        now = now or utcnow()
        with self.store.session() as session:
            account = self._account(session, username)
            account.password_hash = generate_password_hash(password)
            account.password_changed_at, account.failed_logins = now, 0
            account.locked_until = None
            _end_sessions(session, account)
            audit.record(session, now, actor, "set_staff_password", None,
                         {"username": account.username})

    def set_disabled(self, username: str, disabled: bool, actor: str = CLI,
                     now: datetime | None = None) -> None:
        now = now or utcnow()
        with self.store.session() as session:
            account = self._account(session, username)
            if disabled:
                _keep_an_admin(session, account)
                _end_sessions(session, account)
            account.disabled = disabled
            audit.record(session, now, actor,
                         "disable_staff" if disabled else "enable_staff", None,
                         {"username": account.username})

    def set_role(self, username: str, role: str, actor: str = CLI,
                 now: datetime | None = None) -> None:
        _check_role(role)
        now = now or utcnow()
        with self.store.session() as session:
            account = self._account(session, username)
            if role != "admin":
                _keep_an_admin(session, account)
            before, account.role = account.role, role
            audit.record(session, now, actor, "set_staff_role", None,
                         {"username": account.username, "from": before, "to": role})

    def require_second_factor(self, username: str, required: bool, actor: str = CLI,
                              now: datetime | None = None) -> None:
        """From the next sign-in on, also ask for a code (set up at that sign-in)."""
        now = now or utcnow()
        with self.store.session() as session:
            account = self._account(session, username)
            account.totp_required = required
            audit.record(session, now, actor, "require_second_factor" if required
                         else "waive_second_factor", None, {"username": account.username})

    def reset_second_factor(self, username: str, actor: str = CLI,
                            now: datetime | None = None) -> None:
        """Forget the authenticator (a lost phone): the next sign-in sets up a new one. Ends
        the account's sessions."""
        now = now or utcnow()
        with self.store.session() as session:
            account = self._account(session, username)
            account.totp_secret = account.totp_enabled_at = account.totp_last_step = None
            _end_sessions(session, account)
            audit.record(session, now, actor, "reset_second_factor", None,
                         {"username": account.username})

    def usernames(self) -> list[tuple[str, bool]]:
        with self.store.session() as session:
            return [tuple(row) for row in session.execute(
                sa.select(StaffAccount.username, StaffAccount.disabled)
                .order_by(StaffAccount.username))]

    def list_accounts(self, now: datetime | None = None) -> list[AccountView]:
        now = now or utcnow()
        with self.store.session() as session:
            rows = session.execute(sa.select(StaffAccount).order_by(StaffAccount.username))
            return [AccountView(a.username, a.role, a.disabled,
                                bool(a.locked_until and a.locked_until > now), a.totp_required,
                                a.totp_enabled_at is not None, a.created_at, a.last_login_at)
                    for a in rows.scalars()]

    @staticmethod
    def _account(session: Session, username: str) -> StaffAccount:
        account = session.execute(
            sa.select(StaffAccount).where(StaffAccount.username == username.strip().lower())
        ).scalar_one_or_none()
        if account is None:
            raise StorageError(f"no staff account {username!r}", key="no_account",
                               username=username)
        return account


def _end_sessions(session: Session, account: StaffAccount) -> None:
    session.execute(sa.delete(StaffSession).where(StaffSession.account_id == account.id))


def _keep_an_admin(session: Session, account: StaffAccount) -> None:
    """Refuse to lower or disable the last enabled admin."""
    if account.role != "admin" or account.disabled:
        return
    others = session.execute(
        sa.select(sa.func.count()).select_from(StaffAccount).where(
            StaffAccount.role == "admin", StaffAccount.disabled.is_(False),
            StaffAccount.id != account.id)
    ).scalar_one()
    if not others:
        raise StorageError("this is the last enabled admin account: make another admin first",
                           key="last_admin")


def _valid_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.fullmatch(name):
        raise StorageError("a user name is 2-64 of a-z 0-9 . _ - (starting with a letter or "
                           "digit)", key="username")
    return name


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StorageError(f"a password has at least {MIN_PASSWORD_LENGTH} characters",
                           key="password_short", count=MIN_PASSWORD_LENGTH)


def _check_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise StorageError(f"a role is one of {', '.join(STAFF_ROLES)}", key="role_unknown")
