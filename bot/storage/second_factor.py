"""Time-based one-time codes (TOTP, RFC 6238) for the staff second factor.

Any authenticator app (FreeOTP, Google or Microsoft Authenticator, 1Password, ...) reads the
set-up QR code or the secret typed in: 6 digits, 30-second steps, SHA-1, the defaults every
app supports. A code is accepted for its own step and one step either side (clocks drift),
and only once: the step of the last code accepted is kept on the account, and a code of that
step or an earlier one is refused, so a code seen over someone's shoulder cannot be replayed.

The QR code is drawn here as an SVG data URI (segno), so the set-up page loads nothing from
anywhere else (the pages' CSP allows `img-src data:`).
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno

ISSUER = "Sarcoma trial pre-screening"
DIGITS = 6
VALID_WINDOW = 1  # steps either side of now


def new_secret() -> str:
    """A random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code of `uri` as an inline SVG image."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code `code` is (now, or one step either side), else None."""
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
