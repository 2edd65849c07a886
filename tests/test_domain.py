"""domain.yml, the NLU data and the actions agree with each other and with the catalog."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

from actions.intents import CONTROL_INTENTS, FAQ_INTENTS
from bot.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RASA_DEFAULT_ACTIONS = {"action_deactivate_loop", "action_restart"}


def test_generated_part_of_the_domain_is_up_to_date():
    done = subprocess.run([sys.executable, "-m", "scripts.sync_domain", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_lookup_tables_are_up_to_date_with_the_vocabulary():
    done = subprocess.run([sys.executable, "-m", "scripts.sync_nlu", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_fact_has_a_slot_and_a_place_in_the_form():
    facts = [fact.name for fact in load_catalog()]
    assert set(facts) <= set(DOMAIN["slots"])
    assert DOMAIN["forms"]["screening_form"]["required_slots"] == [
        "consent", "audience", "closed_trial_choice", *facts, "delete_confirmation"]


def test_answer_slots_never_take_control_intents():
    asked = ["consent", "audience", *(fact.name for fact in load_catalog()),
             "delete_confirmation"]
    for name in asked:
        (mapping,) = DOMAIN["slots"][name]["mappings"]
        assert mapping["type"] == "from_text"
        assert set(mapping["not_intent"]) == set(CONTROL_INTENTS)
        assert mapping["conditions"] == [{"active_loop": "screening_form", "requested_slot": name}]


def _nlu_intents() -> set[str]:
    intents: set[str] = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for item in yaml.safe_load(path.read_text()).get("nlu") or []:
            if "intent" in item:
                intents.add(item["intent"])
    return intents


def test_domain_intents_are_the_trained_intents():
    assert set(DOMAIN["intents"]) == _nlu_intents()
    assert set(FAQ_INTENTS) | set(CONTROL_INTENTS) <= set(DOMAIN["intents"])


def domain_actions() -> set[str]:
    """The actions' names (an action with options, `send_domain`, is a one-key mapping)."""
    return {name for entry in DOMAIN["actions"]
            for name in (entry if isinstance(entry, dict) else [entry])}


def test_every_domain_action_is_implemented_and_vice_versa():
    executor = ActionExecutor()
    executor.register_package("actions")
    implemented = set(executor.actions)
    assert domain_actions() == implemented


def test_rules_use_only_known_intents_and_actions():
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text())["rules"]
    known_actions = domain_actions() | RASA_DEFAULT_ACTIONS | {"screening_form"}
    known_intents = set(DOMAIN["intents"]) | {"nlu_fallback"}
    for rule in rules:
        for step in rule["steps"]:
            if "action" in step:
                assert step["action"] in known_actions, rule["rule"]
            if "intent" in step:
                assert step["intent"] in known_intents, rule["rule"]
