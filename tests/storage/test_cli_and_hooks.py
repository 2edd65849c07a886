"""`python -m bot.storage`, and the action server's hooks: they write when they can and never
break the conversation when they cannot."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions.interruptions import ActionDeleteData, ActionHandoff, ActionReply
from actions.screening import ActionFinishScreening, ActionStart, ValidateScreeningForm
from bot.storage import deletion, hooks, migrate
from bot.storage.cli import main
from bot.storage.patient import ConversationRef
from bot.storage.store import Store
from devkit.patients import PATIENT_A
from devkit.servers import ROOT
from tests.storage.helpers import event_rows, rows_mentioning, save_conversation

OLD = datetime.now(timezone.utc) - timedelta(days=45)


@pytest.fixture
def env(monkeypatch, db_url) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    return db_url


# --- the command --------------------------------------------------------------------------


def test_migrate_command_is_idempotent(env, capsys):
    assert main(["migrate"]) == 0
    assert "upgraded from empty" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "already current" in capsys.readouterr().out


def test_delete_command(env, capsys):
    main(["migrate"])
    save_conversation(env, "alice", "I have leiomyosarcoma")
    Store(env).record_result(ConversationRef("alice", "rest"), PATIENT_A)
    assert main(["delete", "--sender", "alice", "--actor", "cli:tester"]) == 0
    assert "4 tracker events, with screening records" in capsys.readouterr().out
    assert event_rows(env, "alice") == [] and rows_mentioning(env, "alice") == []
    assert main(["delete", "--sender", "alice"]) == 1
    assert "nothing was stored" in capsys.readouterr().err
    actors = [e.actor for e in Store(env).audit_entries() if e.action == "delete_conversation"]
    assert "cli:tester" in actors


def test_purge_command(env, capsys):
    main(["migrate"])
    save_conversation(env, "old", "hello", OLD)
    save_conversation(env, "new", "hello")
    assert main(["purge", "--older-than-days", "30"]) == 0
    assert "purged 1 conversation(s)" in capsys.readouterr().out
    assert {s for s, _ in event_rows(env)} == {"new"}
    [entry] = [e for e in Store(env).audit_entries() if e.action == "purge"]
    assert entry.detail == {"older_than_days": 30, "conversations": 1, "events": 4}
    assert entry.actor.startswith("cli:")


def test_bad_arguments_and_an_unmigrated_database(env, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["purge", "--older-than-days", "0"])
    assert exit_.value.code == 2
    capsys.readouterr()
    assert main(["purge", "--older-than-days", "30"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "run `python -m bot.storage migrate` first" in error


def test_the_module_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'trackers.db'}"
    done = subprocess.run([sys.executable, "-m", "bot.storage", "migrate"], cwd=ROOT,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"project tables at version {migrate.head()}" in done.stdout


# --- the action server's hooks ----------------------------------------------------------------


def tracker(sender: str, slots: dict, text: str = "", intent: str = "inform",
            requested: str | None = None, to_validate: dict | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events = [{"event": "action", "name": "action_session_start", "timestamp": OLD.timestamp()},
              {"event": "user", "text": text, "parse_data": message, "input_channel": "telegram"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (to_validate or {}).items()]
    slots = {**slots, "requested_slot": requested, **(to_validate or {})}
    return Tracker(sender, slots, message, events, False, None, {}, "action_listen")


async def run(action, tracker_: Tracker) -> list:
    return await action.run(CollectingDispatcher(), tracker_, {})


async def said(action, tracker_: Tracker) -> tuple[list, list[str]]:
    """The action's events and the texts it sent."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, {})
    return events, [m.get("text") or "" for m in dispatcher.messages]


def slots(events: list) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def confirming(sender: str, text: str, slots_: dict | None = None) -> Tracker:
    """The answer to "This deletes all your answers. Type YES to confirm"."""
    return tracker(sender, {"consent": True, "delete_requested": True, **(slots_ or {})}, text,
                   "affirm", requested="delete_confirmation",
                   to_validate={"delete_confirmation": text})


async def test_the_actions_record_consent_audience_result_contact_and_delete(env):
    migrate.upgrade(env)
    await run(ValidateScreeningForm(), tracker(
        "alice", {}, "Yes, I agree", requested="consent", to_validate={"consent": "Yes, I agree"}))
    await run(ValidateScreeningForm(), tracker(
        "alice", {"consent": True}, "myself", requested="audience",
        to_validate={"audience": "myself"}))
    await run(ActionFinishScreening(), tracker(
        "alice", {"consent": True, "audience": "self", **PATIENT_A}))
    await run(ActionHandoff(), tracker("alice", {"consent": True}, "a person", "human_handoff"))

    conversation = Store(env).find_conversation("alice")
    assert (conversation.consent, conversation.audience, conversation.channel) == (
        True, "self", "telegram")
    assert conversation.started_at.timestamp() == pytest.approx(OLD.timestamp(), abs=1e-3)
    [result] = conversation.results
    assert result.facts == PATIENT_A and len(result.trials) == 2
    assert len(conversation.contact_requests) == 1

    asked = await run(ActionDeleteData(), tracker("alice", {"consent": True}, "delete",
                                                  "delete_data"))
    assert slots(asked)["delete_requested"] is True
    assert Store(env).find_conversation("alice") is not None  # nothing before the YES
    deleted = await run(ValidateScreeningForm(), confirming("alice", "YES"))
    assert slots(deleted)["data_deleted"] is True
    assert Store(env).find_conversation("alice") is None
    assert rows_mentioning(env, "alice", conversation.id) == []
    [deletion] = [e for e in Store(env).audit_entries() if e.action == "delete_conversation"]
    assert (deletion.actor, deletion.conversation) == ("patient", None)


async def test_finishing_screens_once_for_the_messages_and_the_stored_result(env, monkeypatch):
    from actions import screening
    from bot import cards, engine
    from bot.storage import patient

    migrate.upgrade(env)
    calls = []

    def counted(facts, *args):
        calls.append(dict(facts))
        return engine.screen(facts, *args)

    for module in (screening, cards, patient):
        monkeypatch.setattr(module, "screen", counted)
    await run(ActionFinishScreening(), tracker(
        "bob", {"consent": True, "audience": "self", **PATIENT_A}))
    assert calls == [PATIENT_A]
    [result] = Store(env).find_conversation("bob").results
    assert {t.nct_id: t.verdict for t in result.trials} == {
        r.trial.nct_id: r.verdict for r in engine.screen(PATIENT_A)}


async def test_an_unmigrated_database_is_logged_and_the_conversation_goes_on(env, caplog):
    caplog.set_level(logging.INFO)
    events = await run(ActionFinishScreening(), tracker(
        "alice-zebulon", {"consent": True, "audience": "self", **PATIENT_A}))
    assert any(e.get("name") == "screening_complete" for e in events)
    assert await hooks.forget_conversation("alice-zebulon") is False
    text = caplog.text
    assert "storage: record_result failed" in text
    assert "python -m bot.storage migrate" in text
    assert "alice-zebulon" not in text and "leiomyosarcoma" not in text


async def test_an_unreachable_database_is_logged_and_the_conversation_goes_on(monkeypatch,
                                                                                caplog):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert await hooks.record_contact_request("bob", []) is None
    assert "storage: record_contact_request failed (OperationalError" in caplog.text
    assert "cannot be reached" in caplog.text


async def test_a_slow_database_does_not_hold_the_turn(env, monkeypatch, caplog):
    migrate.upgrade(env)
    monkeypatch.setattr(hooks, "TIMEOUT", 0.05)
    original = Store.record_consent

    def slow(self, *args, **kwargs):
        import time

        time.sleep(0.5)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "record_consent", slow)
    await hooks.record_consent("carol", [], True)
    assert "storage: record_consent took longer than" in caplog.text


@pytest.mark.parametrize("answer", ["YES", "yes", "Yes.", " yes "])
async def test_yes_typed_or_tapped_confirms_the_deletion(env, answer):
    migrate.upgrade(env)
    await asyncio.to_thread(save_conversation, env, "dora", "I have leiomyosarcoma")
    Store(env).record_result(ConversationRef("dora", "rest"), PATIENT_A)
    events, texts = await said(ValidateScreeningForm(), confirming("dora", answer))
    assert slots(events)["data_deleted"] is True and slots(events)["requested_slot"] is None
    assert "have been deleted" in texts[0]
    assert event_rows(env, "dora") == [] and Store(env).find_conversation("dora") is None


@pytest.mark.parametrize("answer", ["no", "yes please wait", "delete", "y", "ok"])
async def test_anything_else_cancels_and_asks_the_open_question_with_nothing_lost(env, answer):
    migrate.upgrade(env)
    await asyncio.to_thread(save_conversation, env, "eve", "I have leiomyosarcoma")
    Store(env).record_result(ConversationRef("eve", "rest"), PATIENT_A)
    events, texts = await said(ValidateScreeningForm(), confirming(
        "eve", answer, {"audience": "self", "diagnosis": "osteosarcoma"}))
    assert "nothing was deleted" in texts[0]
    assert slots(events)["delete_requested"] is False
    assert slots(events)["requested_slot"] == "age"  # the open question, asked again
    assert len(texts) == 2 and "old" in texts[1].lower()
    assert len(event_rows(env, "eve")) == 4 and Store(env).find_conversation("eve").results


async def test_a_failed_deletion_is_said_recorded_and_done_at_the_next_message(env, monkeypatch):
    migrate.upgrade(env)
    await asyncio.to_thread(save_conversation, env, "fay", "I have leiomyosarcoma")
    real = deletion.delete_conversation

    def down(*args, **kwargs):
        raise OperationalError("DELETE", {}, Exception("database is down"))

    monkeypatch.setattr(deletion, "delete_conversation", down)
    events, texts = await said(ValidateScreeningForm(), confirming("fay", "YES"))
    assert slots(events)["deletion_pending"] is True and "data_deleted" not in slots(events)
    assert "could not delete" in texts[0] and "have been deleted" not in texts[0]
    assert [p.sender_id for p in deletion.pending_deletions(Store(env))] == ["fay"]
    assert len(event_rows(env, "fay")) == 4  # still there: nothing claimed otherwise

    # the next message, still down: said so again, nothing asked
    events, texts = await said(ActionStart(), tracker("fay", {"deletion_pending": True}, "hi",
                                                      "greet"))
    assert "still waiting to be deleted" in texts[0] and len(texts) == 1
    # and once the database is back, the next message deletes it first
    monkeypatch.setattr(deletion, "delete_conversation", real)
    events, texts = await said(ActionReply(), tracker("fay", {"deletion_pending": True},
                                                      "what is SBRT?", "faq_sbrt"))
    assert slots(events)["data_deleted"] is True and "have been deleted" in texts[0]
    assert event_rows(env, "fay") == [] and deletion.pending_deletions(Store(env)) == []
