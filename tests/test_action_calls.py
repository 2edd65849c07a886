"""What the Rasa server sends the action server on each call: the tracker, not the domain
(endpoints.yml `enable_selective_domain`; no action reads the domain)."""

from __future__ import annotations

import json

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from devkit.servers import ROOT


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "deploy/endpoints.yml"])
def test_action_calls_carry_no_domain(endpoints, monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("ACTION_SERVER_SECRET", "x" * 24)
    for name, value in {"TRACKER_DB_URL": "sqlite://", "REDIS_HOST": "127.0.0.1",
                        "REDIS_PORT": "6379", "REDIS_DB": "1", "REDIS_PASSWORD": "x"}.items():
        monkeypatch.setenv(name, value)
    action_endpoint = read_endpoints_from_path(ROOT / endpoints).action
    domain = Domain.load(ROOT / "domain.yml")
    tracker = DialogueStateTracker.from_events(
        "alice", [ActionExecuted("action_listen"), UserUttered("hello", {"name": "greet"})],
        slots=domain.slots)
    for name in domain.user_actions:
        call = RemoteAction(name, action_endpoint)._action_call_format(tracker, domain)
        assert "domain" not in call, name
        assert call["tracker"]["sender_id"] == "alice"
        assert len(json.dumps(call)) < 0.5 * len(json.dumps(domain.as_dict())), name
