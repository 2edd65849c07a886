"""Reading and writing the project's tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.engine import screen
from bot.storage.base import StorageError
from bot.storage.deletion import delete_conversation, purge
from bot.storage.patient import ConversationRef
from bot.storage.queries import ConversationFilter
from bot.storage.store import Store
from devkit.patients import PATIENT_A, PATIENT_B
from devkit.patients import A as TRIAL_A
from devkit.patients import B as TRIAL_B
from tests.storage.helpers import event_rows, rows_mentioning, save_conversation

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def ref(sender: str = "alice", channel: str = "rest", started: datetime = T0) -> ConversationRef:
    return ConversationRef(sender, channel, started)


def pid(store: Store, sender: str) -> str:
    """The public id staff know the conversation by."""
    found = store.find_conversation(sender)
    return found.public_id if found else "0" * 20


def screened(store: Store, sender: str, facts: dict, channel: str = "rest",
             at: datetime = T0) -> int:
    store.record_consent(ref(sender, channel, at), True, now=at)
    store.record_audience(ref(sender, channel, at), "self", now=at)
    return store.record_result(ref(sender, channel, at), facts, "self",
                               now=at + timedelta(minutes=5))


def test_a_result_is_stored_with_facts_verdicts_criteria_and_data_version(store):
    screened(store, "alice", PATIENT_A)
    conversation = store.find_conversation("alice")
    assert (conversation.channel, conversation.consent, conversation.audience) == (
        "rest", True, "self")
    assert conversation.started_at == T0 and conversation.consent_at == T0
    assert conversation.review_status == "new"
    [result] = conversation.results
    assert result.facts == PATIENT_A and result.is_latest
    expected = {r.trial.nct_id: r for r in screen(PATIENT_A)}
    assert {t.nct_id: t.verdict for t in result.trials} == {
        nct: r.verdict for nct, r in expected.items()}
    for row in result.trials:
        engine_result = expected[row.nct_id]
        assert row.trial_version == engine_result.trial.version
        assert row.recruiting == engine_result.trial.recruiting
        assert row.criteria == {p.part.id: p.status for p in engine_result.parts}
    assert store.latest_verdicts([conversation.id])[conversation.id][TRIAL_A] == "possible_match"


def test_a_new_result_replaces_the_latest_and_keeps_the_history(store):
    screened(store, "alice", PATIENT_A)
    store.record_result(ref(), {**PATIENT_A, "age": 80}, "self", now=T0 + timedelta(hours=1))
    conversation = store.find_conversation("alice")
    assert [r.is_latest for r in conversation.results] == [False, True]
    assert all(not t.is_latest for t in conversation.results[0].trials)
    assert store.latest_verdicts([conversation.id])[conversation.id][TRIAL_A] == "not_a_match"
    assert conversation.last_result_at == T0 + timedelta(hours=1)


def test_consent_refused_is_recorded_without_anything_else(store):
    store.record_consent(ref("carol"), False, now=T0)
    conversation = store.find_conversation("carol")
    assert conversation.consent is False and conversation.results == []
    with pytest.raises(StorageError):
        store.record_consent(ref("carol"), "yes")  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        store.record_audience(ref("carol"), "the neighbour")


def test_review_note_tags_and_override_leave_the_patients_result_unchanged(store):
    screened(store, "alice", PATIENT_A)
    store.mark_reviewed(pid(store, "alice"), "staff:wang", now=T0 + timedelta(days=1))
    store.add_note(pid(store, "alice"), "staff:wang", "Called, left a message.")
    assert store.set_tags(pid(store, "alice"), ["Call back", "lms", "  "], "staff:wang") == [
        "call back", "lms"]
    assert store.set_tags(pid(store, "alice"), ["lms", "urgent"], "staff:li") == ["lms", "urgent"]
    store.add_override(pid(store, "alice"), TRIAL_A, "unclear", "Scan report says resectable.",
                       "staff:li")
    with pytest.raises(StorageError):
        store.add_override(pid(store, "alice"), TRIAL_A, "eligible", "no", "staff:li")
    with pytest.raises(StorageError):
        store.add_override(pid(store, "alice"), TRIAL_A, "unclear", "   ", "staff:li")
    with pytest.raises(StorageError):
        store.add_override(pid(store, "alice"), "NCT00000000", "unclear", "why", "staff:li")
    with pytest.raises(StorageError):
        store.add_note(pid(store, "nobody"), "staff:li", "hello")

    conversation = store.find_conversation("alice")
    assert conversation.review_status == "reviewed" and conversation.reviewed_by == "staff:wang"
    assert [n.text for n in conversation.notes] == ["Called, left a message."]
    assert [t.tag for t in conversation.tags] == ["lms", "urgent"]
    [override] = conversation.overrides
    assert (override.nct_id, override.verdict, override.reviewer) == (TRIAL_A, "unclear",
                                                                      "staff:li")
    # the patient's result is as it was
    assert store.latest_verdicts([conversation.id])[conversation.id][TRIAL_A] == "possible_match"
    alice = pid(store, "alice")
    actions = [(e.actor, e.action, e.conversation) for e in store.audit_entries(alice)]
    assert sorted(actions) == sorted([
        ("staff:wang", "mark_reviewed", alice), ("staff:wang", "add_note", alice),
        ("staff:wang", "set_tags", alice), ("staff:li", "set_tags", alice),
        ("staff:li", "override_verdict", alice)])
    store.mark_reviewed(pid(store, "alice"), "staff:li", reviewed=False)
    assert store.find_conversation("alice").review_status == "new"


def test_contact_requests(store):
    store.record_contact_request(ref("dave", "socketio"), now=T0)
    conversation = store.find_conversation("dave")
    [request] = conversation.contact_requests
    assert (request.status, request.channel, conversation.consent) == ("open", "socketio", None)
    with pytest.raises(StorageError):  # another conversation's page cannot close it
        store.close_contact_request(request.id, "staff:li", "0" * 20)
    store.close_contact_request(request.id, "staff:li", conversation.public_id)
    assert store.find_conversation("dave").contact_requests[0].status == "done"


def test_staff_views_are_audited(store):
    screened(store, "alice", PATIENT_A)
    store.audit("staff:li", "view", pid(store, "alice"), now=T0)
    store.audit("staff:li", "export", None, {"filters": {"verdict": "possible_match"}, "rows": 3})
    entries = store.audit_entries()
    assert [(e.action, e.conversation) for e in entries][:2] == [
        ("export", None), ("view", pid(store, "alice"))]
    assert entries[0].detail == {"filters": {"verdict": "possible_match"}, "rows": 3}
    assert entries[1].at == T0


def test_the_staff_list_filters_and_pages(store):
    for i in range(12):
        facts = PATIENT_A if i % 3 else PATIENT_B
        channel = "telegram" if i % 2 else "socketio"
        screened(store, f"p{i:02}", facts, channel, T0 + timedelta(days=i))
    store.mark_reviewed(pid(store, "p03"), "staff:li")

    def senders(limit: int = 50, after=None, **filters) -> list[str]:
        rows = store.list_conversations(ConversationFilter(**filters), limit, after)
        return [r.sender_id for r in rows]

    assert senders()[:3] == ["p11", "p10", "p09"]
    assert senders(channel="telegram") == ["p11", "p09", "p07", "p05", "p03", "p01"]
    assert senders(nct_id=TRIAL_B, verdict="possible_match") == ["p09", "p06", "p03", "p00"]
    assert senders(verdict="possible_match") == [f"p{i:02}" for i in range(11, -1, -1)]
    assert senders(reviewed=True) == ["p03"]
    assert "p03" not in senders(reviewed=False)
    assert senders(started_from=T0 + timedelta(days=2),
                   started_before=T0 + timedelta(days=5)) == ["p04", "p03", "p02"]
    # keyset paging: each page continues after the last row of the previous one
    first = store.list_conversations(ConversationFilter(), 5)
    second = senders(5, (first[-1].started_at, first[-1].id))
    assert [r.sender_id for r in first] + second == senders(10)
    with pytest.raises(StorageError):
        senders(verdict="eligible")


def test_delete_removes_the_conversation_everywhere_and_audits_only_that_it_happened(
    store, db_url
):
    save_conversation(db_url, "alice", "I have myxofibrosarcoma")
    save_conversation(db_url, "bob", "I have osteosarcoma")
    screened(store, "alice", PATIENT_A)
    screened(store, "bob", PATIENT_B)
    conversation_id = store.find_conversation("alice").id
    store.add_note(pid(store, "alice"), "staff:li", "Call on Monday")
    store.set_tags(pid(store, "alice"), ["call-back-soon"], "staff:li")
    store.add_override(pid(store, "alice"), TRIAL_A, "unclear", "check scans", "staff:li")
    store.record_contact_request(ref("alice"))
    alice = pid(store, "alice")
    store.audit("staff:li", "view", alice)

    deleted = delete_conversation(store, "alice", "cli:admin")

    # no staff text (note, tag, reason) and no id of it is left anywhere, audit log included
    for left in ("Call on Monday", "call-back-soon", "check scans", alice):
        assert rows_mentioning(db_url, left) == [], left

    assert deleted.conversation and deleted.events == 4
    assert event_rows(db_url, "alice") == []
    assert rows_mentioning(db_url, "alice", conversation_id) == []
    assert store.find_conversation("alice") is None
    deletion = store.audit_entries()[0]
    assert (deletion.actor, deletion.action, deletion.conversation, deletion.detail) == (
        "cli:admin", "delete_conversation", None, None)
    # nobody else's data
    assert len(event_rows(db_url, "bob")) == 4
    assert store.find_conversation("bob").results


def test_purge_deletes_old_conversations_from_both_stores(store, db_url):
    now = T0 + timedelta(days=100)
    old, recent = now - timedelta(days=40), now - timedelta(days=3)
    for sender, at in (("old-1", old), ("old-2", old), ("new-1", recent)):
        save_conversation(db_url, sender, f"my name is {sender}", at)
        screened(store, sender, PATIENT_A, at=at)
    save_conversation(db_url, "old-events-only", "hello", old)  # no consent: events only
    store.record_contact_request(ref("old-project-only"), now=old)  # no events (other store)
    # recorded long ago, but the patient came back: kept
    screened(store, "returned", PATIENT_A, at=old)
    save_conversation(db_url, "returned", "I'm back", recent)
    old_1 = pid(store, "old-1")
    store.audit("staff:li", "view", old_1, now=old)

    purged = purge(store, 30, "cli:admin", now=now)
    assert rows_mentioning(db_url, old_1) == []

    assert (purged.conversations, purged.events) == (4, 12)
    remaining = {sender for sender, _ in event_rows(db_url)}
    assert remaining == {"new-1", "returned"}
    for sender in ("old-1", "old-2", "old-events-only", "old-project-only"):
        assert store.find_conversation(sender) is None
        assert rows_mentioning(db_url, sender) == []
    assert store.find_conversation("new-1") and store.find_conversation("returned")
    entry = store.audit_entries()[0]
    assert (entry.actor, entry.action, entry.conversation) == ("cli:admin", "purge", None)
    assert entry.detail == {"older_than_days": 30, "conversations": 4, "events": 12}
    assert purge(store, 30, "cli:admin", now=now).conversations == 0
    with pytest.raises(StorageError):
        purge(store, 0, "cli:admin")


def test_the_tracker_store_can_live_in_another_database(tmp_path):
    from bot.storage import migrate

    project, tracker = (f"sqlite:///{tmp_path / name}" for name in ("project.db", "rasa.db"))
    migrate.upgrade(project)
    store = Store(project, tracker)
    assert not store.shared_database
    save_conversation(tracker, "alice", "I have leiomyosarcoma", T0)
    screened(store, "alice", PATIENT_A)
    assert delete_conversation(store, "alice", "cli:admin").events == 4
    assert event_rows(tracker) == [] and store.find_conversation("alice") is None
    save_conversation(tracker, "bob", "I have leiomyosarcoma", T0)
    screened(store, "bob", PATIENT_A)
    assert purge(store, 30, "cli:admin", now=T0 + timedelta(days=31)).events == 4
    assert event_rows(tracker) == [] and store.find_conversation("bob") is None


def test_conversation_ref_from_rasa_events():
    events = [{"event": "action", "name": "action_session_start", "timestamp": T0.timestamp()},
              {"event": "user", "text": "hi", "input_channel": "socketio", "timestamp": 2e9}]
    assert ConversationRef.from_events("s", events) == ConversationRef("s", "socketio", T0)
    assert ConversationRef.from_events("s", []) == ConversationRef("s", "unknown", None)
