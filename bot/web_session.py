"""Website session ids and their signed proofs: only the browser the server gave an id to can
use it.

Rasa's socket.io channel lets the browser choose its session id, and anyone who knows (or
guesses) an id joins that conversation's room and reads and writes it. Here the server issues
the id (160 random bits) together with a proof:

    v1.<expiry, unix seconds>.<HMAC-SHA256(WEB_SESSION_SECRET, "web-session/v1/<id>/<expiry>")>

The website's channel (rasa_extensions/channels/web.py) checks the proof before a socket joins
the conversation's room and on every message; an id without its proof, an invented id, a
tampered or expired proof gets nothing of the conversation. The conversation is stored as
`web:<id>` (bot/identity.py).

Lifetime (decided here): a proof is valid for WEB_SESSION_IDLE_HOURS (default 24) after it is
issued, and a new one is issued at every session request (connect, reconnect, reload) and on a
message once the proof is more than RENEW_AFTER old. So a conversation left alone for that
long cannot be resumed by anyone, which is the same idle limit the browser applies to its own
copy (bot/web/static/chat.js); an active conversation never expires. Revocation ('End chat',
'delete my data') is kept in bot/storage/web_sessions.py until the last proof issued could
expire.

No Rasa import: the channel, the action server's hooks and the tests all use this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.settings import MIN_SECRET_LENGTH

VERSION = "v1"
ID_BYTES = 20  # 160 bits: no one guesses or collides with a live id
ID_PATTERN = re.compile(rf"[0-9a-f]{{{ID_BYTES * 2}}}")
DEFAULT_LIFETIME = timedelta(hours=24)
RENEW_AFTER = timedelta(hours=1)  # a message renews a proof older than this
_MAX_PROOF = 128  # longer text is not a proof; refused before any work


class Check(Enum):
    """The outcome of checking an id and its proof."""

    VALID = "valid"
    INVALID = "invalid"  # malformed id or proof, wrong signature (invented, copied, tampered)
    EXPIRED = "expired"


@dataclass(frozen=True)
class Proof:
    token: str
    expires_at: int  # unix seconds

    def issued_before(self, lifetime: timedelta, age: timedelta, now: float | None = None) -> bool:
        """True when this proof was issued more than `age` ago (it is renewed then)."""
        issued = self.expires_at - lifetime.total_seconds()
        return _now(now) - issued > age.total_seconds()


def new_session_id() -> str:
    return secrets.token_hex(ID_BYTES)


def issue(session_id: str, secret: str, lifetime: timedelta = DEFAULT_LIFETIME,
          now: float | None = None) -> Proof:
    """A proof for `session_id`, valid for `lifetime` from now."""
    _require(secret)
    if not ID_PATTERN.fullmatch(session_id):
        raise ValueError("not a session id issued by this server")
    expires_at = int(_now(now) + lifetime.total_seconds())
    return Proof(f"{VERSION}.{expires_at}.{_mac(session_id, expires_at, secret)}", expires_at)


def check(session_id: object, token: object, secret: str,
          now: float | None = None) -> tuple[Check, Proof | None]:
    """Whether `token` proves `session_id`, and the proof when it does (or did, if expired).
    Anything that is not text of the right shape is INVALID; the signature is compared in
    constant time."""
    _require(secret)
    if not isinstance(session_id, str) or not ID_PATTERN.fullmatch(session_id):
        return Check.INVALID, None
    if not isinstance(token, str) or len(token) > _MAX_PROOF:
        return Check.INVALID, None
    version, _, rest = token.partition(".")
    expiry, _, mac = rest.partition(".")
    if version != VERSION or not expiry.isdigit() or not expiry.isascii():
        return Check.INVALID, None
    expected = _mac(session_id, int(expiry), secret)
    if not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode("ascii")):
        return Check.INVALID, None
    proof = Proof(token, int(expiry))
    if proof.expires_at <= _now(now):
        return Check.EXPIRED, proof
    return Check.VALID, proof


def session_of(conversation_or_session_id: str) -> str:
    """The session id of `web:<id>` (or of a bare id)."""
    prefix, separator, rest = conversation_or_session_id.partition(":")
    return rest if separator and prefix == "web" else conversation_or_session_id


def session_hash(conversation_or_session_id: str) -> str:
    """What revocation stores: SHA-256 of the session id. The id has 160 random bits, so the
    hash cannot be reversed by trying ids, and a database reader learns no usable id."""
    return hashlib.sha256(session_of(conversation_or_session_id).encode()).hexdigest()


def _mac(session_id: str, expires_at: int, secret: str) -> str:
    message = f"web-session/{VERSION}/{session_id}/{expires_at}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _require(secret: str) -> None:
    if len(secret or "") < MIN_SECRET_LENGTH:
        raise ValueError("WEB_SESSION_SECRET must be set (at least 16 characters)")


def _now(now: float | None) -> float:
    return time.time() if now is None else now
