"""Website session ids and proofs (bot/web_session.py), without servers."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from bot import web_session
from bot.web_session import Check, check, issue, new_session_id

SECRET = "s" * 32
OTHER = "o" * 32


def test_a_new_id_is_random_hex_of_160_bits():
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(web_session.ID_PATTERN.fullmatch(i) for i in ids)
    assert all(len(i) == 40 for i in ids)


def test_the_proof_issued_for_an_id_checks():
    session = new_session_id()
    proof = issue(session, SECRET)
    assert check(session, proof.token, SECRET) == (Check.VALID, proof)


@pytest.mark.parametrize("tamper", [
    lambda s, t: (s, t[:-1] + ("A" if t[-1] != "A" else "B")),  # signature changed
    lambda s, t: (s, t.replace(t.split(".")[1], str(int(t.split(".")[1]) + 3600))),  # expiry
    lambda s, t: (new_session_id(), t),  # another id with this proof
    lambda s, t: (s, None),  # the id without its proof
    lambda s, t: (s, ""),
    lambda s, t: (s, "v2" + t[2:]),
    lambda s, t: (s, t + "." + "x" * 200),
    lambda s, t: (s.upper(), t),  # not an id this server issues
    lambda s, t: (s + "0", t),
    lambda s, t: (12345, t),
    lambda s, t: (s, ["v1", t]),
    lambda s, t: (s, "v1.１２３.abc"),  # non-ASCII digits
])
def test_a_tampered_copied_or_malformed_proof_is_invalid(tamper):
    session = new_session_id()
    given_id, given_token = tamper(session, issue(session, SECRET).token)
    assert check(given_id, given_token, SECRET) == (Check.INVALID, None)


def test_a_proof_signed_with_another_secret_is_invalid():
    session = new_session_id()
    assert check(session, issue(session, OTHER).token, SECRET)[0] is Check.INVALID


def test_a_proof_past_its_lifetime_is_expired():
    session = new_session_id()
    day_ago = time.time() - timedelta(hours=25).total_seconds()
    old = issue(session, SECRET, timedelta(hours=24), now=day_ago)
    assert check(session, old.token, SECRET)[0] is Check.EXPIRED
    recent = issue(session, SECRET, timedelta(hours=24), now=time.time() - 23 * 3600)
    assert check(session, recent.token, SECRET)[0] is Check.VALID


def test_renewal_is_due_once_a_proof_is_older_than_an_hour():
    lifetime = timedelta(hours=24)
    session = new_session_id()
    fresh = issue(session, SECRET, lifetime)
    older = issue(session, SECRET, lifetime, now=time.time() - 2 * 3600)
    assert not fresh.issued_before(lifetime, web_session.RENEW_AFTER)
    assert older.issued_before(lifetime, web_session.RENEW_AFTER)


def test_no_secret_no_proof():
    with pytest.raises(ValueError, match="WEB_SESSION_SECRET"):
        issue(new_session_id(), "")
    with pytest.raises(ValueError, match="WEB_SESSION_SECRET"):
        check(new_session_id(), "v1.1.x", "short")


def test_revocation_stores_a_hash_of_the_session_id_with_or_without_its_namespace():
    session = new_session_id()
    assert web_session.session_hash(session) == web_session.session_hash(f"web:{session}")
    assert session not in web_session.session_hash(session)
    assert len(web_session.session_hash(session)) == 64
