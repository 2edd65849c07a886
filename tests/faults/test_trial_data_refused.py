"""A trial data file with a mistake is refused whole at start-up, naming the file and the
criterion: by the loader, by the action server on its own, and by `make run` (scripts/run.py)
before any server starts. tests/test_trial_data.py has the first cases (unknown fact or
operator, empty text, a part with neither rule nor study-team check)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog import load_catalog
from bot.trials import TRIALS_DIR, TrialDataError, load_trial, load_trials
from devkit.patients import A, B
from devkit.servers import ROOT, free_port

Mutation = Callable[[dict[str, Any]], None]


def _broken_copy(folder: Path, mutate: Mutation, nct_id: str = A) -> Path:
    """Both trial files copied into `folder`, one of them changed by `mutate`."""
    folder.mkdir(parents=True, exist_ok=True)
    for other in (A, B):
        (folder / f"{other}.yaml").write_bytes((TRIALS_DIR / f"{other}.yaml").read_bytes())
    data = yaml.safe_load((TRIALS_DIR / f"{nct_id}.yaml").read_text())
    mutate(data)
    (folder / f"{nct_id}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


CASES = [
    pytest.param(lambda d: d["inclusion"][2]["parts"][0].update(
        rule={"fact": "diagnosis", "is": "leiomyosarcome"}),
        "inclusion criterion 3 (inc-3a): 'leiomyosarcome' is not a value of fact 'diagnosis'",
        id="misspelt value"),
    pytest.param(lambda d: d["inclusion"][2]["parts"][0].update(
        rule={"fact": "diagnosis", "in": ["ups", "osteosarcoma", "bone"]}),
        "inclusion criterion 3 (inc-3a): 'bone' is not a value of fact 'diagnosis'",
        id="bad value in a list"),
    pytest.param(lambda d: d["inclusion"][1]["parts"][0].update(
        rule={"fact": "age", "gte": "18"}),
        "inclusion criterion 2 (inc-2): 'gte' needs a number in test on 'age'",
        id="age compared with text"),
    pytest.param(lambda d: d["inclusion"][1]["parts"][0].update(
        rule={"fact": "diagnosis", "gte": 18}),
        "inclusion criterion 2 (inc-2): 'gte' compares numbers, but fact 'diagnosis' is not",
        id="order test on words"),
    pytest.param(lambda d: d["exclusion"][3]["parts"][0].update(
        rule={"not": {"fact": "hiv", "is": "yes"}}),
        "exclusion criterion 4 (exc-4): 'yes' is not a value of fact 'hiv'",
        id="text for a yes/no fact, nested"),
    pytest.param(lambda d: d["exclusion"][3]["parts"][0].update(
        rule={"fact": ["hiv"], "is": True}),
        "exclusion criterion 4 (exc-4):", id="a list as the fact name"),
    pytest.param(lambda d: d["exclusion"][3]["parts"][0].update(
        rule={"fact": "hiv", "is": "unknown"}),
        "exclusion criterion 4 (exc-4): 'unknown' is not a value", id="unknown as a value"),
    pytest.param(lambda d: d["exclusion"][3]["parts"][0].update(notes="typo for note"),
                 "exclusion criterion 4 (exc-4): unknown key(s) notes", id="misspelt key"),
    pytest.param(lambda d: d["inclusion"][3].update(number=3),
                 "inclusion criterion 3 (inc-3): the number is used twice", id="number twice"),
    pytest.param(lambda d: d["inclusion"][1].update(text="18 years <= age < 75 years."),
                 "inclusion criterion 2 (inc-2): the text is not the registry record's",
                 id="text reworded"),
    pytest.param(lambda d: d["exclusion"].pop(6),
                 "exclusion criterion 7 (exc-7): missing; the registry record",
                 id="criterion left out"),
    pytest.param(lambda d: d["exclusion"].append(dict(d["exclusion"][0], number=99)),
                 "exclusion criterion 99 (exc-99): the registry record",
                 id="criterion not in record"),
    pytest.param(lambda d: d["inclusion"].__setitem__(0, "agree to sign"),
                 "inclusion: each criterion must be a mapping", id="criterion not a mapping"),
]


@pytest.mark.parametrize(("mutate", "message"), CASES)
def test_a_mistake_is_refused_naming_the_file_and_the_criterion(tmp_path, mutate, message):
    folder = _broken_copy(tmp_path, mutate)
    with pytest.raises(TrialDataError) as error:
        load_trial(folder / f"{A}.yaml", load_catalog())
    assert str(error.value).startswith(f"{A}.yaml: ")
    assert message in str(error.value)


def test_one_bad_file_refuses_them_all(tmp_path):
    folder = _broken_copy(tmp_path, lambda d: d["inclusion"][3]["parts"][1].update(
        rule={"fact": "prior_gemcitabine", "is": "never"}), nct_id=B)
    with pytest.raises(TrialDataError, match=rf"{B}.yaml: inclusion criterion 4 \(inc-4b\)"):
        load_trials(folder)


def test_trials_dir_is_read_from_the_environment(tmp_path, monkeypatch):
    folder = _broken_copy(tmp_path, lambda d: None)
    (folder / f"{A}.yaml").unlink()
    monkeypatch.setenv("TRIALS_DIR", str(folder))
    assert [trial.nct_id for trial in load_trials()] == [B]


# --- the servers refuse to start ---------------------------------------------------------------

BROKEN = "inclusion criterion 2 (inc-2): unknown fact 'shoe_size'"


@pytest.fixture
def broken_dir(tmp_path) -> Path:
    return _broken_copy(tmp_path / "trials", lambda d: d["inclusion"][1]["parts"][0].update(
        rule={"fact": "shoe_size", "gte": 18}))


def _env(broken_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "TRIALS_DIR": str(broken_dir), "DATA_DIR": str(tmp_path / "data"),
            "TRACKER_DB_URL": f"sqlite:///{tmp_path / 'data' / 'trackers.db'}",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'trackers.db'}",
            "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()),
            "WEB_PORT": str(free_port())}


def test_make_run_refuses_to_start_any_server(broken_dir, tmp_path):
    env = _env(broken_dir, tmp_path)
    done = subprocess.run([sys.executable, "-m", "scripts.run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"{A}.yaml: {BROKEN}" in output
    assert "Starting:" not in output  # no server was started
    assert not (tmp_path / "data").exists()  # not even the database was touched


def test_the_action_server_refuses_to_start(broken_dir, tmp_path):
    env = _env(broken_dir, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "rasa_extensions.action_server", "--port", env["ACTION_PORT"]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert f"{A}.yaml: {BROKEN}" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr  # one clear message
