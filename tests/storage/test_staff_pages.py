"""The staff review pages over Flask's test client, against SQLite and PostgreSQL: sign-in,
lockout, sessions and CSRF; the list's filters and paging; the conversation page's evidence;
review actions; export; summary; and the audit of every view."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage import migrate
from bot.storage.accounts import MAX_FAILURES, Accounts, SessionPolicy
from bot.storage.models import AuditEntry, TrialResult
from bot.storage.patient import ConversationRef
from bot.storage.store import Store
from bot.trials import load_trials
from bot.web.app import create_app
from devkit.patients import PATIENT_B, B
from tests.storage.helpers import save_conversation

PASSWORD = "a long staff password"
SENDER = "patient-zara"
SAID = "My name is Zara and I have leiomyosarcoma <script>alert(1)</script>"


@pytest.fixture
def site(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    migrate.upgrade(db_url)
    store = Store(db_url)
    Accounts(store).create("coord", PASSWORD, role="coordinator")
    save_conversation(db_url, SENDER, SAID)
    store.record_result(ConversationRef(SENDER, "rest"), PATIENT_B, audience="self")
    app = create_app()
    app.testing = True
    yield app.test_client(), store
    if "staff_accounts" in app.extensions:
        app.extensions["staff_accounts"].store.engine.dispose()


def public(store: Store, sender: str) -> str:
    """The id staff pages know a conversation by."""
    return store.find_conversation(sender).public_id


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, password: str = PASSWORD, username: str = "coord"):
    form = client.get("/staff/login").get_data(as_text=True)
    return client.post("/staff/login", data={"username": username, "password": password,
                                             "csrf_token": csrf(form)})


def actions(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id))
                    .scalars())


def test_nothing_answers_without_a_session(site):
    client, store = site
    for path in ("/staff/", f"/staff/conversations/{public(store, SENDER)}", "/staff/summary"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/staff/login" in response.headers["Location"]
        assert "Zara" not in response.get_data(as_text=True)
    assert client.get("/staff/export.csv").status_code == 401
    assert client.post(f"/staff/conversations/{public(store, SENDER)}/notes",
                       data={"text": "x"}).status_code == 401


def test_sign_in_sets_a_strict_http_only_cookie_and_lands_on_the_list(site):
    client, store = site
    response = sign_in(client)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "staff_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/staff/").get_data(as_text=True)
    assert public(store, SENDER) in page and "Possible match" in page
    assert SENDER not in page
    assert actions(store)[-2:] == ["login", "view_list"]


def test_wrong_passwords_lock_the_account_even_for_the_right_one(site):
    client, store = site
    assert sign_in(client, "wrong password!").status_code == 401
    assert sign_in(client, PASSWORD, "nobody").status_code == 401
    for _ in range(MAX_FAILURES - 1):
        sign_in(client, "wrong password!")
    locked = sign_in(client)
    assert locked.status_code == 401
    assert client.get("/staff/").status_code == 302
    assert actions(store).count("login_failed") == MAX_FAILURES + 2


def test_sign_in_without_the_form_token_is_refused(site):
    client, _ = site
    client.get("/staff/login")
    response = client.post("/staff/login", data={"username": "coord", "password": PASSWORD,
                                                 "csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_sessions_expire_when_idle_and_at_their_limit_and_end_at_sign_out(site):
    _, store = site
    accounts = Accounts(store, SessionPolicy(idle=timedelta(minutes=30),
                                             lifetime=timedelta(hours=2)))
    now = datetime.now(timezone.utc)
    token, _ = accounts.sign_in("coord", PASSWORD, now)
    assert accounts.session_for(token, now + timedelta(minutes=29)).username == "coord"
    assert accounts.session_for(token, now + timedelta(minutes=58)).username == "coord"
    assert accounts.session_for(token, now + timedelta(minutes=89)) is None  # idle
    token, _ = accounts.sign_in("coord", PASSWORD, now)
    for minutes in range(25, 120, 25):
        assert accounts.session_for(token, now + timedelta(minutes=minutes)) is not None
    assert accounts.session_for(token, now + timedelta(minutes=121)) is None  # lifetime
    token, _ = accounts.sign_in("coord", PASSWORD, now)
    accounts.sign_out(token)
    assert accounts.session_for(token) is None


def test_a_signed_out_cookie_cannot_be_replayed(site):
    client, _ = site
    sign_in(client)
    cookie = client.get_cookie("staff_session", path="/staff").value
    page = client.get("/staff/").get_data(as_text=True)
    client.post("/staff/logout", data={"csrf_token": csrf(page)})
    client.set_cookie("staff_session", cookie, path="/staff")
    assert client.get("/staff/").status_code == 302


def test_filters_select_by_trial_verdict_review_and_text(site):
    client, store = site
    store.record_result(ConversationRef("someone-else", "telegram"), {"diagnosis": "other"})
    sign_in(client)

    senders = {public(store, s): s for s in (SENDER, "someone-else")}

    def listed(**query) -> set[str]:
        page = client.get("/staff/", query_string=query).get_data(as_text=True)
        return {senders[i] for i in re.findall(r"/staff/conversations/([0-9a-f]+)", page)}

    assert listed() == {SENDER, "someone-else"}
    assert listed(trial=B, verdict="possible_match") == {SENDER}
    assert listed(trial=B, verdict="not_a_match") == {"someone-else"}
    assert listed(channel="telegram") == {"someone-else"}
    assert listed(q="zara") == {SENDER}
    assert listed(q="nobody said this") == set()
    assert listed(reviewed="yes") == set()
    store.mark_reviewed(public(store, SENDER), "staff:coord")
    assert listed(reviewed="yes") == {SENDER}
    assert listed(contact="open") == set()
    store.record_contact_request(ConversationRef("someone-else", "telegram"))
    assert listed(contact="open") == {"someone-else"}
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    assert listed(**{"from": tomorrow}) == set()
    assert listed(to=tomorrow) == {SENDER, "someone-else"}


def test_a_bad_filter_gets_a_clear_answer(site):
    client, _ = site
    sign_in(client)
    response = client.get("/staff/", query_string={"from": "last tuesday"})
    assert response.status_code == 400
    assert "From: a date such as" in response.get_data(as_text=True)
    assert client.get("/staff/", query_string={"after": "garbage"}).status_code == 400


def test_paging_walks_every_conversation_once(site):
    client, store = site
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(59):
        store.record_consent(ConversationRef(f"p{i:03d}", "rest", start + timedelta(hours=i)),
                             True, now=start + timedelta(hours=i))
    sign_in(client)
    seen, url = [], "/staff/"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += re.findall(r"/staff/conversations/([0-9a-f]+)", page)
        found = re.search(r'rel="next" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(set(seen)) == 60


def test_the_conversation_page_shows_the_evidence_escaped(site):
    client, store = site
    sign_in(client)
    page = client.get(f"/staff/conversations/{public(store, SENDER)}").get_data(as_text=True)
    assert "My name is Zara" in page and SENDER not in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    trial = next(t for t in load_trials() if t.nct_id == B)
    criterion = trial.criteria[0]
    assert _escaped(criterion.text.splitlines()[0]) in page
    assert "Still to check by the study team" in page
    assert "Possible match" in page
    assert actions(store)[-1] == "view_conversation"


def _escaped(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def test_review_actions_need_the_csrf_token_and_keep_the_patients_result(site):
    client, store = site
    sign_in(client)
    base = f"/staff/conversations/{public(store, SENDER)}"
    page = client.get(base).get_data(as_text=True)
    token = csrf(page)
    assert client.post(f"{base}/notes", data={"text": "call"}).status_code == 400
    assert store.find_conversation(SENDER).notes == []

    assert client.post(f"{base}/notes", data={"text": "Call on Monday <b>",
                                              "csrf_token": token}).status_code == 302
    assert client.post(f"{base}/tags", data={"tags": "Call, priority",
                                              "csrf_token": token}).status_code == 302
    assert client.post(f"{base}/review", data={"reviewed": "yes",
                                                "csrf_token": token}).status_code == 302
    refused = client.post(f"{base}/override", data={"trial": B, "verdict": "not_a_match",
                                                     "reason": " ", "csrf_token": token})
    assert refused.status_code == 400 and "Not saved" in refused.get_data(as_text=True)
    assert client.post(f"{base}/override", data={
        "trial": B, "verdict": "not_a_match", "reason": "ECOG 3 on the phone",
        "csrf_token": token}).status_code == 302

    conversation = store.find_conversation(SENDER)
    assert [n.text for n in conversation.notes] == ["Call on Monday <b>"]
    assert [t.tag for t in conversation.tags] == ["call", "priority"]
    assert conversation.review_status == "reviewed" and conversation.reviewed_by == "staff:coord"
    assert [(o.verdict, o.reason) for o in conversation.overrides] == [
        ("not_a_match", "ECOG 3 on the phone")]
    with store.session() as session:
        verdict = session.execute(sa.select(TrialResult.verdict).where(
            TrialResult.nct_id == B, TrialResult.is_latest.is_(True))).scalar_one()
    assert verdict == "possible_match"
    page = client.get(f"{base}?done=override").get_data(as_text=True)
    assert "Staff override" in page and "Call on Monday &lt;b&gt;" in page
    assert {"add_note", "set_tags", "mark_reviewed", "override_verdict"} <= set(actions(store))


def test_export_follows_the_filters_and_defuses_formulas(site):
    client, store = site
    store.record_result(ConversationRef("=cmd|calc", "rest"), {"diagnosis": "other"})
    sign_in(client)
    response = client.get("/staff/export.csv", query_string={"trial": B,
                                                              "verdict": "possible_match"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["conversation"] for r in rows] == [public(store, SENDER)]
    assert SENDER not in response.get_data(as_text=True)
    assert rows[0][f"{B} verdict"] == "possible_match"
    assert f'"diagnosis": "{PATIENT_B["diagnosis"]}"' in rows[0]["facts"]
    every = client.get("/staff/export.csv").get_data(as_text=True)
    assert "=cmd" not in every  # the sender id is not exported at all
    assert actions(store).count("export") == 2


def test_the_summary_counts_latest_results_per_week(site):
    client, store = site
    store.record_result(ConversationRef("another", "rest"), PATIENT_B)
    sign_in(client)
    page = client.get("/staff/summary").get_data(as_text=True)
    monday = datetime.now(timezone.utc).date()
    monday -= timedelta(days=monday.weekday())
    row = re.search(rf"<th>{monday.isoformat()}</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row).count("2") >= 1
    assert actions(store)[-1] == "view_summary"


HOSTILE = st.text(alphabet=st.sampled_from([*"<>\"'&/=` \n\t", "\x00", "\u202e", "é"]),
                  max_size=40)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(said=HOSTILE, note=HOSTILE, tag=HOSTILE.filter(lambda t: 0 < len(t.strip()) <= 60))
def test_staff_pages_escape_whatever_was_typed(site, db_url, said, note, tag):
    """Patient text, notes and tags reach the pages only as text: a marker element typed into
    any of them never appears as markup, on the conversation page or in the list."""
    client, store = site
    sender = f"hostile-{abs(hash((said, note, tag)))}"
    marker = "<b id=injected>"
    save_conversation(db_url, sender, said + marker)
    store.record_result(ConversationRef(sender, "rest"), PATIENT_B)
    if note.strip():
        store.add_note(public(store, sender), "staff:coord", note + marker)
    store.set_tags(public(store, sender), [tag + marker[:20]], "staff:coord")
    if client.get_cookie("staff_session", path="/staff") is None:
        sign_in(client)
    for path in (f"/staff/conversations/{public(store, sender)}", "/staff/"):
        page = client.get(path).get_data(as_text=True)
        assert "id=injected" not in page.replace("id=injected&gt;", "")
        assert "<b id" not in page


ODD_SENDERS = ["rest:a/b", "rest:../../staff/export.csv", "rest:a%2Fb", "rest:with space",
               "rest:患者 ü", "rest:a?b#c", "rest:.."]


def test_any_sender_id_gets_a_working_staff_url_that_does_not_contain_it(site):
    """Slashes, dots, escapes, spaces and unicode in the channel's id cannot break a staff
    URL: staff URLs carry the public id only."""
    client, store = site
    for sender in ODD_SENDERS:
        store.record_result(ConversationRef(sender, "rest"), PATIENT_B)
    sign_in(client)
    page = client.get("/staff/").get_data(as_text=True)
    links = re.findall(r'href="(/staff/conversations/[^"]*)"', page)
    assert len(links) == len(ODD_SENDERS) + 1
    for sender in ODD_SENDERS:
        link = f"/staff/conversations/{public(store, sender)}"
        assert link in links
        conversation_page = client.get(link)
        assert conversation_page.status_code == 200
        html = conversation_page.get_data(as_text=True)
        assert public(store, sender) in html and sender.split(":", 1)[1] not in html
        token = csrf(html)
        assert client.post(f"{link}/notes", data={"text": "seen", "csrf_token": token}
                           ).status_code == 302
        assert [n.text for n in store.find_conversation(sender).notes] == ["seen"]
    assert client.get("/staff/conversations/rest:a/b").status_code == 404
    assert client.get("/staff/conversations/..%2F..").status_code == 404


def test_a_search_for_the_public_id_finds_the_conversation_and_the_sender_id_does_not(site):
    client, store = site
    sign_in(client)

    def listed(q: str) -> list[str]:
        page = client.get("/staff/", query_string={"q": q}).get_data(as_text=True)
        return re.findall(r"/staff/conversations/([0-9a-f]+)", page)

    assert listed(public(store, SENDER)) == [public(store, SENDER)]
    assert listed(SENDER) == []


def test_every_staff_response_is_not_stored_and_cookies_are_secure_by_default(site):
    client, store = site
    login = client.get("/staff/login")
    assert "Secure" in login.headers["Set-Cookie"]
    signed_in = sign_in(client)
    assert "Secure" in signed_in.headers["Set-Cookie"]
    pages = [login, signed_in, client.get("/staff/"), client.get("/staff/export.csv"),
             client.get(f"/staff/conversations/{public(store, SENDER)}"),
             client.get("/staff/conversations/" + "0" * 20), client.get("/staff/nowhere")]
    assert {p.status_code for p in pages} == {200, 302, 404}
    for page in pages:
        assert page.headers["Cache-Control"] == "no-store", page.request.path
    assert "Strict-Transport-Security" not in pages[2].headers  # plain HTTP


def test_plain_http_cookies_only_when_configured(site, monkeypatch):
    monkeypatch.setenv("STAFF_COOKIE_SECURE", "false")
    app = create_app()
    response = app.test_client().get("/staff/login")
    assert "Secure" not in response.headers["Set-Cookie"]


def test_hsts_over_https_and_forwarded_headers_only_from_a_trusted_proxy(site, monkeypatch):
    client, _ = site
    https = client.get("/staff/login", base_url="https://staff.example.org")
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" not in client.get("/staff/login",
                                                        headers=forwarded).headers
    monkeypatch.setenv("WEB_TRUSTED_PROXIES", "1")
    behind_proxy = create_app().test_client()
    assert "Strict-Transport-Security" in behind_proxy.get("/staff/login",
                                                           headers=forwarded).headers


def test_staff_see_deletions_that_are_not_finished_by_public_id_only(site):
    client, store = site
    from bot.storage import deletion

    sign_in(client)
    assert "not finished yet" not in client.get("/staff/").get_data(as_text=True)
    deletion.record_pending(store, SENDER, "OperationalError")
    page = client.get("/staff/").get_data(as_text=True)
    assert "1 patient request to delete their data is not finished yet" in page
    assert public(store, SENDER) in page.split("not finished yet")[1].split("</section>")[0]
    assert SENDER not in page
    deletion.retry_pending(store)
    assert "not finished yet" not in client.get("/staff/").get_data(as_text=True)
