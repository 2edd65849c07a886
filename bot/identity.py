"""Conversation ids: which channel a conversation belongs to, decided on the server.

Rasa keys every conversation by one string, and every channel used to put the platform's own
id there: a WhatsApp or SMS patient's phone number, a Telegram chat id, whatever a REST client
sent. A stranger who knew a patient's number could then name that conversation over the open
REST channel. Now each channel builds the id itself, as `<namespace>:<id>`:

    rest:<the client's sender>     REST (integrations and tests, behind a token)
    web:<random id>                the website; the id is issued by the server with a signed
                                   proof (bot/web_session.py)
    tg: fb: sms: wa: wx:<hash>     Telegram, Messenger, SMS, WhatsApp, WeChat: a keyed hash
                                   (HMAC-SHA256 with CONVERSATION_ID_SECRET) of the platform's
                                   id, so no phone number or account id is stored

The namespace comes from the channel class, never from the request, so no message on one
channel can reach a conversation of another: a REST sender 'wa:abc' is 'rest:wa:abc'.
"""

from __future__ import annotations

import hashlib
import hmac

#: Channel kinds and their namespaces.
REST, WEB, TELEGRAM, FACEBOOK, SMS, WHATSAPP, WECHAT = "rest", "web", "tg", "fb", "sms", "wa", "wx"
NAMESPACES = (REST, WEB, TELEGRAM, FACEBOOK, SMS, WHATSAPP, WECHAT)
#: Namespaces whose platform id is a phone number or a stable account id: stored as a hash.
HASHED = frozenset({TELEGRAM, FACEBOOK, SMS, WHATSAPP, WECHAT})
#: Rasa's input channel names (the `channel` column staff see) for each namespace.
CHANNEL_NAMES = {
    REST: "rest", WEB: "socketio", TELEGRAM: "telegram", FACEBOOK: "facebook",
    SMS: "twilio", WHATSAPP: "twilio", WECHAT: "wechat",
}
#: The longest id a client may choose (REST senders, web session ids).
MAX_CLIENT_ID = 128
_HASH_HEX = 32  # 128 bits of the HMAC: no collision among any realistic number of patients


class IdentityError(ValueError):
    """A platform id that cannot name a conversation (empty, too long, control characters)."""


def conversation_id(namespace: str, platform_id: str, secret: str) -> str:
    """The conversation id for a platform's id on one channel."""
    if namespace not in NAMESPACES:
        raise IdentityError(f"unknown channel namespace {namespace!r}")
    if not isinstance(platform_id, str) or not platform_id or not platform_id.isprintable():
        raise IdentityError("the id must be non-empty printable text")
    if namespace in HASHED:
        return f"{namespace}:{keyed_hash(namespace, platform_id, secret)}"
    if len(platform_id) > MAX_CLIENT_ID:
        raise IdentityError(f"the id must be at most {MAX_CLIENT_ID} characters")
    return f"{namespace}:{platform_id}"


def keyed_hash(namespace: str, platform_id: str, secret: str) -> str:
    """HMAC-SHA256 of the namespaced platform id; the same patient always gets the same hash
    (so the conversation continues), and without the secret the hash cannot be tested
    against a list of phone numbers."""
    if len(secret or "") < 16:
        raise IdentityError("CONVERSATION_ID_SECRET must be set (at least 16 characters)")
    message = f"{namespace}:{platform_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:_HASH_HEX]


def namespace_of(conversation: str) -> str | None:
    """The namespace of a conversation id, None for an id from before namespaces."""
    prefix, separator, _ = conversation.partition(":")
    return prefix if separator and prefix in NAMESPACES else None


def legacy_namespace(input_channel: str | None, platform_id: str) -> str | None:
    """For the one-time migration of ids stored before namespaces: the namespace of a
    conversation from its Rasa input channel (and, for Twilio, its `whatsapp:` prefix)."""
    if input_channel == "twilio":
        return WHATSAPP if platform_id.startswith("whatsapp:") else SMS
    by_channel = {name: ns for ns, name in CHANNEL_NAMES.items() if ns not in (SMS, WHATSAPP)}
    return by_channel.get(input_channel or "")
