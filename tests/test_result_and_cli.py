"""The screening_result message and the `python -m bot` command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.engine import VERDICTS
from bot.result import screening_result
from bot.values import UNKNOWN
from devkit.patients import PATIENT_A, PATIENT_B, A, B

ROOT = Path(__file__).resolve().parents[1]
DESIGN_KEYS = {"nct_id", "verdict", "recruiting", "reasons", "to_check", "contact"}


def by_id(message):
    return {entry["nct_id"]: entry for entry in message["trials"]}


def test_message_has_the_design_shape():
    message = screening_result(PATIENT_B)
    assert message["type"] == "screening_result"
    assert [entry["nct_id"] for entry in message["trials"]] == [A, B]
    for entry in message["trials"]:
        assert set(entry) >= DESIGN_KEYS
        assert entry["verdict"] in VERDICTS
    trials = by_id(message)
    assert trials[A]["contact"] is None and trials[A]["recruiting"] is False
    assert trials[B]["contact"]["phone"] == "+86 13818971504"
    assert trials[B]["recruiting"] is True


def test_reasons_name_the_deciding_answer():
    trials = by_id(screening_result({**PATIENT_A, "age": 80}))
    assert trials[A]["verdict"] == "not_a_match"
    assert trials[A]["reasons"] == ["For people aged 18 to 74. You told us: Age: 80."]
    assert trials[A]["to_check"] == []
    assert any("osteosarcoma" in reason for reason in trials[B]["reasons"])


def test_unclear_reasons_say_what_is_open_and_study_team_checks_are_listed():
    trials = by_id(screening_result({**PATIENT_B, "hiv": UNKNOWN}))
    assert trials[B]["verdict"] == "unclear"
    assert trials[B]["reasons"] == [
        "Not for people who have tested positive for HIV. You told us: HIV: not sure. "
        "The study team will need to check this."
    ]
    assert any("Breathing tests" in check for check in trials[B]["to_check_details"])
    assert "Blood tests, and tests of your heart and lungs" in trials[B]["to_check"]


def test_no_wording_calls_the_patient_eligible():
    for facts in (PATIENT_A, PATIENT_B, {}):
        text = json.dumps(screening_result(facts)).lower()
        assert "eligible" not in text
        assert "free" not in text.split()


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_cli_screen_prints_the_result_for_a_facts_file(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(PATIENT_B))
    done = run_cli("screen", "--facts", str(path), "--details")
    assert done.returncode == 0, done.stderr
    trials = by_id(json.loads(done.stdout))
    assert (trials[A]["verdict"], trials[B]["verdict"]) == ("not_a_match", "possible_match")
    statuses = {c["id"]: c["status"] for c in trials[B]["criteria"]}
    assert statuses["inc-8"] == "met" and statuses["inc-5"] == "study_team"


def test_cli_next_and_questions():
    done = run_cli("next", "--facts", "-", "--audience", "child",
                   stdin=json.dumps({"diagnosis": "osteosarcoma"}))
    assert json.loads(done.stdout)["question"] == "How old is your child?"
    listing = json.loads(run_cli("questions").stdout)
    by_fact = {entry["fact"]: entry for entry in listing}
    assert by_fact["age"]["criteria"] == [f"{A} inc-2", f"{B} inc-6", f"{B} inc-7", f"{B} inc-8"]
    assert by_fact["hiv"]["choices"][-1] == "Prefer not to say"


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("not json", "cannot read facts"), ("[1, 2]", "JSON object"),
     ('{"shoe_size": 9}', "unknown fact 'shoe_size'"),
     ('{"age": 200}', "age: 200 is not allowed"),
     ('{"diagnosis": "flu"}', "diagnosis: 'flu' is not allowed"),
     ('{"hiv": "yes"}', "hiv: 'yes' is not allowed")],
)
def test_cli_refuses_bad_facts_clearly(stdin, message):
    done = run_cli("screen", "--facts", "-", stdin=stdin)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""
