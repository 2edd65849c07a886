"""The patient's language on the conversation (issue 13): the migration, what the actions
store, and the staff list's column and filter, the conversation page and the export; against
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from actions.screening import ActionFinishScreening, ValidateScreeningForm
from bot.storage import db, migrate
from bot.storage.accounts import Accounts
from bot.storage.patient import ConversationRef
from bot.storage.store import Store
from bot.web.app import create_app
from devkit.patients import PATIENT_A, PATIENT_B
from tests.storage.test_cli_and_hooks import run, tracker
from tests.storage.test_staff_pages import PASSWORD, public, sign_in


def test_the_migration_adds_the_column_and_keeps_old_rows_unknown(db_url):
    migrate.upgrade(db_url, "0006")
    engine = db.engine_for(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO conversations (sender_id, public_id, channel, started_at, "
            "last_activity_at, review_status) VALUES ('old', 'abc123', 'rest', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'new')"))
    assert migrate.upgrade(db_url) == ("0006", migrate.head())
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("conversations")}
    assert columns["language"]["nullable"] is True
    assert Store(db_url).find_conversation("old").language is None


@pytest.fixture
def env(monkeypatch, db_url) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    migrate.upgrade(db_url)
    return db_url


async def test_the_actions_store_the_language_of_the_opening_and_the_result(env):
    await run(ValidateScreeningForm(), tracker(
        "li", {"language": "zh"}, "同意", requested="consent", to_validate={"consent": "同意"}))
    assert Store(env).find_conversation("li").language == "zh"
    await run(ValidateScreeningForm(), tracker(
        "li", {"language": "zh", "consent": True}, "我自己", requested="audience",
        to_validate={"audience": "我自己"}))
    conversation = Store(env).find_conversation("li")
    assert (conversation.audience, conversation.language) == ("self", "zh")
    await run(ActionFinishScreening(), tracker(  # switched to English before the result
        "li", {"language": "en", "consent": True, "audience": "self", **PATIENT_A}))
    conversation = Store(env).find_conversation("li")
    assert len(conversation.results) == 1 and conversation.language == "en"


def test_a_write_without_a_language_keeps_the_stored_one(env):
    store = Store(env)
    store.record_consent(ConversationRef("wang", "rest", language="zh"), True)
    store.record_closed_choice(ConversationRef("wang", "rest"), "stop")
    store.record_contact_request(ConversationRef("wang", "rest"))
    assert store.find_conversation("wang").language == "zh"
    assert ConversationRef.from_events("x", [], "fr").language is None


@pytest.fixture
def site(env):
    store = Store(env)
    Accounts(store).create("coord", PASSWORD, role="coordinator")
    store.record_result(ConversationRef("zh-patient", "rest", language="zh"), PATIENT_B)
    store.record_result(ConversationRef("en-patient", "rest", language="en"), PATIENT_B)
    store.record_result(ConversationRef("before-0007", "rest"), PATIENT_B)
    app = create_app()
    app.testing = True
    client = app.test_client()
    sign_in(client)
    yield client, store
    if "staff_accounts" in app.extensions:
        app.extensions["staff_accounts"].store.engine.dispose()


def test_the_list_shows_and_filters_by_language(site):
    client, store = site
    senders = {public(store, s): s for s in ("zh-patient", "en-patient", "before-0007")}

    def listed(**query) -> tuple[set[str], str]:
        page = client.get("/staff/", query_string=query).get_data(as_text=True)
        return {senders[i] for i in re.findall(r"/staff/conversations/([0-9a-f]+)", page)}, page

    everyone, page = listed()
    assert everyone == set(senders.values())
    cells = re.findall(r'<td class="language">([^<]*)</td>', page)
    assert sorted(cells) == sorted(["Chinese", "English", "—"])
    assert '<option value="zh" lang="zh" >中文</option>' in page
    assert listed(language="zh")[0] == {"zh-patient"}
    assert listed(language="en")[0] == {"en-patient"}
    response = client.get("/staff/", query_string={"language": "fr"})
    assert response.status_code == 400 and "Language:" in response.get_data(as_text=True)


def test_the_conversation_page_names_the_language(site):
    client, store = site
    page = client.get(f"/staff/conversations/{public(store, 'zh-patient')}").get_data(
        as_text=True)
    assert "patient&#39;s language: Chinese" in page
    old = client.get(f"/staff/conversations/{public(store, 'before-0007')}").get_data(
        as_text=True)
    assert "patient&#39;s language: not known" in old


def test_the_export_has_a_language_column_and_follows_the_filter(site):
    client, store = site
    every = client.get("/staff/export.csv").get_data(as_text=True)
    rows = {r["conversation"]: r["language"] for r in csv.DictReader(io.StringIO(every))}
    assert rows == {public(store, "zh-patient"): "zh", public(store, "en-patient"): "en",
                    public(store, "before-0007"): ""}
    chinese = client.get("/staff/export.csv", query_string={"language": "zh"}).get_data(
        as_text=True)
    assert [r["language"] for r in csv.DictReader(io.StringIO(chinese))] == ["zh"]
