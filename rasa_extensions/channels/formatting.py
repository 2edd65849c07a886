"""How the assistant's messages look on each messaging app, and how replies map back to buttons.

Pure functions, no Rasa imports, unit-tested in tests/channels/test_formatting.py. A bot message
is a dict in Rasa's output shape: {"text": ..., "buttons": [{"title", "payload"}]}, or
{"custom": {...}}. Custom messages (the machine-readable screening_result) are for web widgets
and integrations; the plain-language result cards before them say the same, so messaging apps
get only the text.

Platform limits: Telegram 4096 characters per message, Messenger 2000, SMS (Twilio, also for
WhatsApp) 1600, WeChat 2048 bytes of UTF-8 in its single passive reply (a Chinese character is
3 bytes). An SMS with any character outside the GSM 7-bit alphabet (Chinese) is sent as UCS-2:
70 characters in a single part, 67 in each part of a multi-part message; such a turn is split
into bodies of those sizes.

What the channels add to the messages (option numbers, hints) is worded in the turn's
language: Chinese when its text holds Chinese characters (bot.language.has_chinese).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

from bot import i18n
from bot.catalog import load_catalog
from bot.i18n import LANGUAGES
from bot.language import has_chinese
from bot.values import AUDIENCES

Message = dict[str, Any]
Button = dict[str, Any]

TELEGRAM_LIMIT = 4096  # characters (UTF-16 code units) per sendMessage
MESSENGER_LIMIT = 2000  # characters per Send API text message
SMS_LIMIT = 1600  # characters per Twilio message body (SMS and WhatsApp)
WECHAT_LIMIT = 2048  # bytes (UTF-8) of Content in a passive reply
UCS2_SINGLE = 70  # characters of a one-part SMS outside the GSM alphabet (Chinese)
UCS2_PART = 67  # characters of each part of a multi-part UCS-2 SMS

TELEGRAM_CALLBACK_BYTES = 64  # callback_data limit
TELEGRAM_TITLE_MAX = 32  # longer labels are cut off on a phone: number them instead
MESSENGER_QUICK_REPLIES = 13
MESSENGER_TITLE_MAX = 20
MESSENGER_PAYLOAD_MAX = 1000

WORDING_FILE = Path(__file__).with_name("wording.yaml")


@cache
def wording(language: str = i18n.DEFAULT_LANGUAGE) -> dict[str, str]:
    """The channels' own words in `language` (its overlay, rasa_extensions/channels/zh/)."""
    if language == i18n.DEFAULT_LANGUAGE:
        return yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))
    return i18n.load(WORDING_FILE.relative_to(i18n.ROOT).as_posix(), language)


def turn_language(messages: Sequence[Message]) -> str:
    """The language of a turn's words: Chinese when any of its text is."""
    return "zh" if any(has_chinese(_text_of(m)) for m in messages) else "en"


#: The GSM 03.38 7-bit alphabet (basic set and the extension's characters): an SMS with any
#: other character is UCS-2.
GSM_CHARACTERS = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def is_ucs2(text: str) -> bool:
    return any(character not in GSM_CHARACTERS for character in text)


def utf16_len(text: str) -> int:
    """Telegram and Messenger count UTF-16 code units (an emoji counts as two)."""
    return len(text.encode("utf-16-le")) // 2


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


# --- splitting long text ------------------------------------------------------------------------

_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "。", "？", "！", "; ", "；", ", ", "，", " ")


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """`text` in parts of at most `limit` (as measured by `size`), cut at the last paragraph
    break that fits, else a line break, a sentence end, a word break, and only as a last resort
    inside a word. No part is empty; whitespace at the cuts is dropped."""
    if limit < 1:
        raise ValueError("limit must be positive")
    rest = text.strip()
    parts: list[str] = []
    while rest and size(rest) > limit:
        cut = _cut_point(rest, limit, size)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut_point(text: str, limit: int, size: Callable[[str], int]) -> int:
    fits = _longest_prefix(text, limit, size)
    window = text[:fits]
    for mark in _BREAKS:
        at = window.rfind(mark)
        if at > fits // 3:  # a break too near the start would leave a tiny part
            return at + len(mark.rstrip()) if mark.strip() else at
    return fits


def _longest_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    """The largest n with size(text[:n]) <= limit (at least 1, so splitting always advances)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


# --- numbered options and replies by number ---------------------------------------------------

_CHOICE = re.compile(r"^\s*#?\s*(\d{1,2})\s*[.)。、]?\s*$")


def parse_choice(text: str) -> int | None:
    """The option number a reply names: "2", "2.", " 2 ", "2)", "２" (full width) -> 2."""
    match = _CHOICE.match(text or "")
    return int(match.group(1)) if match else None


@cache
def _number_questions() -> frozenset[str]:
    """Every wording, in every language, of the questions answered with a number (the age)."""
    catalogs = [load_catalog(language=language) for language in LANGUAGES]
    return frozenset(
        fact.question(audience, catalog.persons).strip()
        for catalog in catalogs
        for fact in catalog
        if fact.type == "int"
        for audience in AUDIENCES
    )


def expects_number(question: str) -> bool:
    """Whether a question is answered with a number: its options are then not numbered, so that
    "2" stays an answer (a two-year-old) and never becomes the second option."""
    return (question or "").strip() in _number_questions()


def numbered_options(buttons: Sequence[Button]) -> str:
    return "\n".join(f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons, start=1))


def resolve_choice(text: str, latest: tuple[str, Sequence[Button]] | None) -> str | None:
    """The payload of the option a reply names by number, or None when the reply is not an
    option number. `latest` is the latest question with options (its text and buttons)."""
    number = parse_choice(text)
    if number is None or not latest:
        return None
    question, buttons = latest
    if expects_number(question) or not 1 <= number <= len(buttons):
        return None
    payload = buttons[number - 1].get("payload")
    return str(payload) if payload else None


def latest_buttons(events: Iterable[tuple[str, str, Sequence[Button]]]) -> tuple[str, list]:
    """The text and buttons of the newest bot message with buttons in the latest bot turn.

    `events` are (kind, text, buttons) with kind "user" or "bot", oldest first. Buttons of a
    message before the patient's latest message are no longer on offer."""
    found: tuple[str, list] = ("", [])
    for kind, text, buttons in events:
        if kind == "user":
            found = ("", [])
        elif kind == "bot" and buttons:
            found = (text or "", list(buttons))
    return found


# --- Telegram -----------------------------------------------------------------------------------


def callback_data(payload: str) -> str:
    """Telegram's callback_data holds at most 64 bytes: longer payloads travel as a hash and are
    looked up in the conversation's buttons when the button is tapped."""
    if utf8_len(payload) <= TELEGRAM_CALLBACK_BYTES and not payload.startswith("#"):
        return payload
    return "#" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def resolve_callback(data: str, offered: Iterable[Button]) -> str | None:
    """The payload behind a tapped Telegram button (None: a hashed payload no longer offered)."""
    if not data.startswith("#"):
        return data
    for button in offered:
        payload = str(button.get("payload") or "")
        if payload and callback_data(payload) == data:
            return payload
    return None


def telegram_messages(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """sendMessage bodies (without chat_id), in order. Options become an inline keyboard; long
    labels are numbered in the text and the keyboard shows the numbers."""
    out: list[dict[str, Any]] = []
    messages = list(messages)
    words = wording(turn_language(messages))
    for message in messages:
        text, buttons = _text_of(message), _buttons_of(message)
        if not text and not buttons:
            continue
        keyboard = None
        if buttons:
            titles = [str(b.get("title", "")) for b in buttons]
            if any(len(t) > TELEGRAM_TITLE_MAX for t in titles):
                text = _join(text, numbered_options(buttons), words["number_hint"])
                keys = [{"text": str(i), "callback_data": callback_data(_payload(b))}
                        for i, b in enumerate(buttons, start=1)]
                rows = [keys[i:i + 5] for i in range(0, len(keys), 5)]
            else:
                keys = [{"text": t, "callback_data": callback_data(_payload(b))}
                        for t, b in zip(titles, buttons, strict=True)]
                one_row = len(keys) <= 3 and all(len(t) <= 14 for t in titles)
                rows = [keys] if one_row else [[key] for key in keys]
            keyboard = {"inline_keyboard": rows}
        parts = split_text(text or words["number_hint"], TELEGRAM_LIMIT, utf16_len)
        out += [{"text": part} for part in parts]
        if keyboard:
            out[-1]["reply_markup"] = keyboard
    return out


# --- Facebook Messenger -------------------------------------------------------------------------


def messenger_messages(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Send API `message` objects, in order. Options become quick replies (at most 13, titles at
    most 20 characters); otherwise they are numbered in the text and the quick replies show the
    numbers (numbered text only, past 13 options)."""
    out: list[dict[str, Any]] = []
    messages = list(messages)
    words = wording(turn_language(messages))
    for message in messages:
        text, buttons = _text_of(message), _buttons_of(message)
        if not text and not buttons:
            continue
        quick_replies = None
        if buttons:
            titles = [str(b.get("title", "")) for b in buttons]
            payloads = [_payload(b)[:MESSENGER_PAYLOAD_MAX] for b in buttons]
            fits = len(buttons) <= MESSENGER_QUICK_REPLIES
            if fits and all(0 < len(t) <= MESSENGER_TITLE_MAX for t in titles):
                labels = titles
            else:
                text = _join(text, numbered_options(buttons), words["number_hint"])
                labels = [str(i) for i in range(1, len(buttons) + 1)]
            if fits:
                quick_replies = [{"content_type": "text", "title": label, "payload": payload}
                                 for label, payload in zip(labels, payloads, strict=True)]
        parts = split_text(text or words["number_hint"], MESSENGER_LIMIT, utf16_len)
        out += [{"text": part} for part in parts]
        if quick_replies:
            out[-1]["quick_replies"] = quick_replies
    return out


# --- text-only apps: SMS and WhatsApp (Twilio), WeChat --------------------------------------------


def plain_blocks(messages: Sequence[Message]) -> list[str]:
    """One block of text per message. The options of the turn's last message with buttons are
    numbered (replies by number map to them); earlier ones are listed by name."""
    with_buttons = [i for i, m in enumerate(messages) if _buttons_of(m)]
    last = with_buttons[-1] if with_buttons else -1
    words = wording(turn_language(messages))
    blocks: list[str] = []
    for index, message in enumerate(messages):
        text, buttons = _text_of(message), _buttons_of(message)
        if buttons:
            titles = [str(b.get("title", "")) for b in buttons]
            if index == last and expects_number(text):
                options = words["also_reply"].format(options=", ".join(titles))
            elif index == last:
                options = _join(numbered_options(buttons), words["number_hint"])
            else:
                options = "\n".join(f"- {t}" for t in titles)
            text = _join(text, options)
        if text:
            blocks.append(text)
    return blocks


def sms_bodies(messages: Sequence[Message], limit: int = SMS_LIMIT) -> list[str]:
    """The turn as few SMS/WhatsApp bodies as the limit allows (messages can arrive out of
    order, so a turn is one body when it fits; split bodies are marked (1/3), (2/3), ...).
    A UCS-2 turn (Chinese) is one body of at most 70 characters, else bodies of at most 67."""
    text = "\n\n".join(plain_blocks(messages))
    single, part = (UCS2_SINGLE, UCS2_PART) if is_ucs2(text) else (limit, limit)
    single, part = min(single, limit), min(part, limit)
    parts = split_text(text, single)
    if len(parts) <= 1:
        return parts
    marker = len("(9/9) ") if part < 100 else len("(99/99) ")
    parts = split_text(text, part - marker)
    if len(parts) > 9 and part < 100:  # two-digit markers: one more character each
        parts = split_text(text, part - len("(99/99) "))
    return [f"({i}/{len(parts)}) {body}" for i, body in enumerate(parts, start=1)]


def wechat_content(messages: Sequence[Message], limit: int = WECHAT_LIMIT) -> str:
    """The turn as one passive-reply text of at most `limit` UTF-8 bytes (shorten_blocks)."""
    note = wording(turn_language(messages))["shortened"]
    return shorten_blocks(plain_blocks(messages), limit, note, utf8_len)


ELLIPSIS = " …"
SEPARATOR = "\n\n"


def shorten_blocks(
    blocks: Sequence[str], limit: int, note: str, size: Callable[[str], int] = len
) -> str:
    """The blocks joined, within `limit`. When they are too long, only the longest blocks are
    cut, each to the same length (at a line or sentence end, marked …), so that the beginning
    of every block stays: the title and verdict of each result card, the question and its
    options. The note saying that text was cut goes before the last block."""
    text = SEPARATOR.join(blocks)
    if size(text) <= limit:
        return text
    budget = limit - size(note) - size(SEPARATOR) * len(blocks)
    sizes = [size(block) for block in blocks]
    cap = _largest_cap(sizes, budget)
    if cap < 40:  # nothing sensible fits: the beginning of the whole text, then the note
        head = split_text(text, max(1, limit - size(note) - size(ELLIPSIS + SEPARATOR)), size)
        return f"{head[0]}{ELLIPSIS}{SEPARATOR}{note}"
    kept = [
        block if length <= cap else split_text(block, cap - size(ELLIPSIS), size)[0] + ELLIPSIS
        for block, length in zip(blocks, sizes, strict=True)
    ]
    return SEPARATOR.join([*kept[:-1], note, kept[-1]] if len(kept) > 1 else [*kept, note])


def _largest_cap(sizes: Sequence[int], budget: int) -> int:
    """The largest c with sum(min(size, c)) <= budget (0 when even nothing fits)."""
    low, high = 0, max(sizes, default=0)
    while low < high:
        middle = (low + high + 1) // 2
        if sum(min(s, middle) for s in sizes) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


# --- WeChat XML and signatures ------------------------------------------------------------------


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's URL signature: sha1 of token, timestamp and nonce, sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()


class BadXml(ValueError):
    """The body is not a WeChat message."""


def parse_wechat_xml(body: bytes, max_bytes: int = 64 * 1024) -> dict[str, str]:
    """The fields of a WeChat push (<xml><ToUserName>...</xml>) as a flat dict of strings.
    Documents with a DOCTYPE or entities are refused (no entity expansion, ever)."""
    if len(body) > max_bytes:
        raise BadXml("too large")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadXml("DOCTYPE or ENTITY not allowed")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise BadXml(str(error)) from None
    if root.tag != "xml":
        raise BadXml("root element is not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def wechat_text_reply(to_user: str, from_user: str, content: str, created: int) -> str:
    """A passive text reply (ToUserName is the patient's OpenID, FromUserName the account)."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName>"
        f"<FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(created)}</CreateTime>"
        f"<MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# --- helpers ------------------------------------------------------------------------------------


def _text_of(message: Message) -> str:
    text = str(message.get("text") or "").strip()
    image = message.get("image")
    return _join(text, str(image)) if image else text


def _buttons_of(message: Message) -> list[Button]:
    buttons = message.get("buttons") or message.get("quick_replies") or []
    return [b for b in buttons if isinstance(b, dict) and (b.get("payload") or b.get("title"))]


def _payload(button: Button) -> str:
    return str(button.get("payload") or button.get("title") or "")


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)
