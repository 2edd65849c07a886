"""The project's own tables (SQLAlchemy 1.4), beside Rasa's `events` table.

Created and upgraded only by the migrations in bot/storage/migrations (`python -m bot.storage
migrate`), never by `create_all`. Change a table here, then add a migration.

    conversations        one per Rasa sender id: its public id for staff, channel, start,
                         consent, audience, review, the choice to stop or go on when only
                         closed studies were left
    screening_results    every result shown to a patient: the facts it was computed from
    trial_results        per result and trial: verdict band, per-criterion statuses, data version
    review_notes         staff notes
    conversation_tags    staff tags
    verdict_overrides    a staff verdict with its reason (the patient's result is not changed)
    contact_requests     the patient asked to talk to a person
    audit_log            who did what, when, to which conversation (a deletion keeps only that
                         it happened)
    staff_accounts       staff logins: role, password hash, failed attempts, lockout, second
                         factor
    staff_sessions       signed-in staff: a hash of the session cookie, its CSRF token, expiry
    staff_login_failures failed sign-ins per source address (the throttle across accounts)
    seen_platform_messages  platform message ids already processed (webhook retries, replays)
    revoked_web_sessions    website session ids ended by 'delete my data' or 'end chat'
    pending_deletions    'delete my data' requests that could not be carried out yet (retried)
    scheduled_jobs       when the daily retention last ran, and which process holds it now

Times are UTC. Conversations are keyed by `sender_id` (Rasa's conversation id); every other
table refers to `conversations.id`, so deleting a conversation deletes everything about it.
Staff never see the sender id (a REST integrator's own id, a website session id): pages, URLs,
exports and the audit log name a conversation by its random `public_id`.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import declarative_base, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=sa.MetaData(naming_convention=NAMING))

#: JSON everywhere; JSONB on PostgreSQL (indexable, compact).
Json = sa.JSON().with_variant(JSONB(), "postgresql")

REVIEW_STATUSES = ("new", "reviewed")
#: Staff roles, each allowed what the one before it is and more (bot/web/staff/roles.py).
STAFF_ROLES = ("reviewer", "coordinator", "admin")
PUBLIC_ID_BYTES = 10  # 80 random bits, 20 hex characters
CONTACT_STATUSES = ("open", "done")


class UTCDateTime(sa.types.TypeDecorator):
    """A UTC time stored without a zone (the same on SQLite and PostgreSQL), read back aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware (UTC) time")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_public_id() -> str:
    """A conversation's staff-side id: random, so it says nothing about the patient or the
    channel, and only hex digits, so it is safe in any URL, file name or spreadsheet cell."""
    return secrets.token_hex(PUBLIC_ID_BYTES)


class Conversation(Base):
    __tablename__ = "conversations"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, unique=True)
    public_id = sa.Column(sa.String(32), nullable=False, default=new_public_id)
    channel = sa.Column(sa.String(64), nullable=False)
    started_at = sa.Column(UTCDateTime, nullable=False)
    # the patient's latest activity that the project recorded (consent, result, contact
    # request): retention counts from here, staff actions do not extend it
    last_activity_at = sa.Column(UTCDateTime, nullable=False)
    consent = sa.Column(sa.Boolean)
    consent_at = sa.Column(UTCDateTime)
    audience = sa.Column(sa.String(16))  # self / child / other
    last_result_at = sa.Column(UTCDateTime)
    # when only studies not taking new people were left: "stop" (see the result) or "go_on"
    closed_choice = sa.Column(sa.String(16))
    closed_choice_at = sa.Column(UTCDateTime)
    # the patient's language ("en" / "zh") when the opening or a result was last recorded;
    # NULL for conversations stored before migration 0007
    language = sa.Column(sa.String(8))
    review_status = sa.Column(sa.String(16), nullable=False, server_default="new")
    reviewed_at = sa.Column(UTCDateTime)
    reviewed_by = sa.Column(sa.String(255))

    results = relationship("ScreeningResult", back_populates="conversation",
                           order_by="ScreeningResult.id", passive_deletes=True)
    notes = relationship("ReviewNote", order_by="ReviewNote.id", passive_deletes=True)
    tags = relationship("ConversationTag", order_by="ConversationTag.tag",
                        passive_deletes=True)
    overrides = relationship("VerdictOverride", order_by="VerdictOverride.id",
                             passive_deletes=True)
    contact_requests = relationship("ContactRequest", order_by="ContactRequest.id",
                                    passive_deletes=True)

    __table_args__ = (
        sa.Index(None, "public_id", unique=True),
        # the staff list: newest first, filtered by channel or review status
        sa.Index(None, "started_at"),
        sa.Index(None, "channel", "started_at"),
        sa.Index(None, "review_status", "started_at"),
        # retention
        sa.Index(None, "last_activity_at"),
    )


class ScreeningResult(Base):
    __tablename__ = "screening_results"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    created_at = sa.Column(UTCDateTime, nullable=False)
    audience = sa.Column(sa.String(16))
    facts = sa.Column(Json, nullable=False)  # the patient's answers, fact name -> value
    is_latest = sa.Column(sa.Boolean, nullable=False)

    conversation = relationship("Conversation", back_populates="results")
    trials = relationship("TrialResult", back_populates="result", order_by="TrialResult.id",
                          passive_deletes=True)

    __table_args__ = (sa.Index(None, "conversation_id", "created_at"),)


class TrialResult(Base):
    __tablename__ = "trial_results"

    id = sa.Column(sa.Integer, primary_key=True)
    result_id = sa.Column(
        sa.Integer, sa.ForeignKey("screening_results.id", ondelete="CASCADE"), nullable=False
    )
    # copies of the result's conversation, time and latest flag, so that the staff list filters
    # by trial and verdict without a join through screening_results
    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    created_at = sa.Column(UTCDateTime, nullable=False)
    is_latest = sa.Column(sa.Boolean, nullable=False)
    nct_id = sa.Column(sa.String(32), nullable=False)
    verdict = sa.Column(sa.String(32), nullable=False)  # possible_match / unclear / not_a_match
    recruiting = sa.Column(sa.Boolean, nullable=False)
    trial_version = sa.Column(sa.String(64), nullable=False)  # bot.result's trial_version
    # part id -> status, for every part of every criterion of the trial as bot.engine judged
    # it: {"inc-1": "met", "inc-3a": "unknown", "exc-2": "not_met", "exc-9": "study_team"}.
    # A part id starts with its criterion id ("inc-3a" is a part of inclusion 3, whose text is
    # in the trial file of `trial_version`); an inclusion not_met or an exclusion met rules out.
    criteria = sa.Column(Json, nullable=False)

    result = relationship("ScreeningResult", back_populates="trials")

    __table_args__ = (
        sa.UniqueConstraint("result_id", "nct_id"),
        # "conversations whose latest verdict for trial T is V", newest first
        sa.Index(None, "nct_id", "verdict", "is_latest", "created_at"),
        # a conversation's latest verdicts (list rows, and EXISTS filters per conversation)
        sa.Index(None, "conversation_id", "is_latest", "nct_id", "verdict"),
    )


class ReviewNote(Base):
    __tablename__ = "review_notes"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    author = sa.Column(sa.String(255), nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False)
    text = sa.Column(sa.Text, nullable=False)

    __table_args__ = (sa.Index(None, "conversation_id", "created_at"),)


class ConversationTag(Base):
    __tablename__ = "conversation_tags"

    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    tag = sa.Column(sa.String(64), primary_key=True)
    author = sa.Column(sa.String(255), nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index(None, "tag", "conversation_id"),)


class VerdictOverride(Base):
    """A reviewer's verdict for one trial, with the reason. Reported beside the patient's
    result, which stays as it was; the latest override per trial is the one in force."""

    __tablename__ = "verdict_overrides"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    nct_id = sa.Column(sa.String(32), nullable=False)
    verdict = sa.Column(sa.String(32), nullable=False)
    reason = sa.Column(sa.Text, nullable=False)
    reviewer = sa.Column(sa.String(255), nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index(None, "conversation_id", "nct_id", "created_at"),)


class ContactRequest(Base):
    __tablename__ = "contact_requests"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    created_at = sa.Column(UTCDateTime, nullable=False)
    channel = sa.Column(sa.String(64), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, server_default="open")
    handled_by = sa.Column(sa.String(255))
    handled_at = sa.Column(UTCDateTime)

    __table_args__ = (
        sa.Index(None, "status", "created_at"),
        sa.Index(None, "conversation_id"),
    )


class AuditEntry(Base):
    """Who did what, when, from where, to which conversation. `conversation` is the
    conversation's public id as text (not a foreign key, so the entry outlives the
    conversation; never the sender id, which can be a client's own identifier); deleting a
    conversation clears it from every entry, and the deletion's own entry names no
    conversation. `source` is the request's address (bot/storage/audit.py)."""

    __tablename__ = "audit_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(UTCDateTime, nullable=False)
    actor = sa.Column(sa.String(255), nullable=False)  # "staff:<account>", "patient", "cli:<user>"
    action = sa.Column(sa.String(64), nullable=False)  # "view", "export", "delete", "purge", ...
    conversation = sa.Column(sa.String(255))
    detail = sa.Column(Json)  # counts and filters; never patient text
    source = sa.Column(sa.String(64))  # the client address of a web request; None from the CLI

    __table_args__ = (
        sa.Index(None, "at"),
        sa.Index(None, "conversation", "at"),
        sa.Index(None, "actor", "at"),
    )


class StaffAccount(Base):
    """A staff login for the review pages (created with `python -m bot.storage create-staff`
    or on the accounts page). Only a salted hash of the password is kept (werkzeug's scrypt);
    after repeated failures the account is locked for a while. With `totp_required` every
    sign-in also asks for a time-based code; `totp_enabled_at` is set once the user has set
    up their authenticator, and `totp_last_step` is the time step of the last code accepted
    (a code is accepted once)."""

    __tablename__ = "staff_accounts"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False)
    password_changed_at = sa.Column(UTCDateTime, nullable=False)
    failed_logins = sa.Column(sa.Integer, nullable=False, server_default="0")
    locked_until = sa.Column(UTCDateTime)
    disabled = sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    last_login_at = sa.Column(UTCDateTime)
    role = sa.Column(sa.String(16), nullable=False, server_default="reviewer")
    totp_required = sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    totp_secret = sa.Column(sa.String(64))
    totp_enabled_at = sa.Column(UTCDateTime)
    totp_last_step = sa.Column(sa.BigInteger)


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database cannot be used to sign in. Ends at logout, after an idle period, or
    at an absolute limit. A session with `second_factor_pending` has passed the password but
    not yet the code: it reaches only the code page."""

    __tablename__ = "staff_sessions"

    token_hash = sa.Column(sa.String(64), primary_key=True)
    account_id = sa.Column(
        sa.Integer, sa.ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False
    )
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False)
    last_seen_at = sa.Column(UTCDateTime, nullable=False)
    expires_at = sa.Column(UTCDateTime, nullable=False)  # the absolute limit
    second_factor_pending = sa.Column(sa.Boolean, nullable=False, server_default=sa.false())

    account = relationship("StaffAccount")

    __table_args__ = (sa.Index(None, "account_id"), sa.Index(None, "expires_at"))


class StaffLoginFailure(Base):
    """A failed sign-in (wrong password or code, unknown account) from one address: counted
    per address over a window, so that guessing across many accounts is stopped too
    (bot/storage/accounts.py). Kept only as long as the window."""

    __tablename__ = "staff_login_failures"

    id = sa.Column(sa.Integer, primary_key=True)
    address = sa.Column(sa.String(64), nullable=False)
    at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index(None, "address", "at"), sa.Index(None, "at"))


class SeenPlatformMessage(Base):
    """A messaging platform's id for a message already processed (Twilio MessageSid, Messenger
    mid, WeChat MsgId, Telegram update_id), so that a retry or a replay, on any server, is
    processed once. Kept for a window longer than any platform retries
    (bot/storage/seen_messages.py)."""

    __tablename__ = "seen_platform_messages"

    channel = sa.Column(sa.String(16), primary_key=True)
    message_id = sa.Column(sa.String(128), primary_key=True)
    seen_at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index(None, "seen_at"),)


class RevokedWebSession(Base):
    """A website session id that may never be used again ('delete my data', 'end chat'):
    its signed proof stays valid until it expires, so the id is refused until then. Only a
    hash of the id is kept."""

    __tablename__ = "revoked_web_sessions"

    session_hash = sa.Column(sa.String(64), primary_key=True)
    revoked_at = sa.Column(UTCDateTime, nullable=False)
    expires_at = sa.Column(UTCDateTime, nullable=False)  # the proof's expiry: purged after it

    __table_args__ = (sa.Index(None, "expires_at"),)


class PendingDeletion(Base):
    """A patient's 'delete my data' that did not complete (the database was unreachable, or
    too slow): retried by the web server's scheduler until it does (bot/storage/deletion.py).
    Holds the sender id only so that the retry can find the conversation, and the public id
    so that staff can see which one is waiting; nothing the patient said."""

    __tablename__ = "pending_deletions"

    sender_id = sa.Column(sa.String(255), primary_key=True)
    public_id = sa.Column(sa.String(32))
    requested_at = sa.Column(UTCDateTime, nullable=False)
    attempts = sa.Column(sa.Integer, nullable=False, server_default="0")
    last_attempt_at = sa.Column(UTCDateTime)
    last_error = sa.Column(sa.String(128))  # the kind of error, never its message

    __table_args__ = (sa.Index(None, "requested_at"),)


class ScheduledJob(Base):
    """A job that runs once a day across every process and machine (bot/storage/retention.py):
    a process takes the lease with one conditional UPDATE, so only one runs it; a run that
    dies leaves a lease that expires, and the next process takes over."""

    __tablename__ = "scheduled_jobs"

    name = sa.Column(sa.String(64), primary_key=True)
    last_success_at = sa.Column(UTCDateTime)  # when the last complete run started
    lease_until = sa.Column(UTCDateTime)
    lease_holder = sa.Column(sa.String(128))
