"""The trial data files cover every registry criterion verbatim, and bad data is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import rules
from bot.catalog import FACTS_FILE, CatalogError, load_catalog
from bot.registry import REGISTRY_DIR, normalise, read_criteria, registry_criteria
from bot.trials import TRIALS_DIR, TrialDataError, load_trial, load_trials
from devkit.patients import A, B

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_FILES = {A: "000_82c0b7e6de8e3c0c.txt", B: "003_810081315761aeb8.txt"}


@pytest.mark.parametrize("nct_id", [A, B])
def test_every_registry_criterion_is_in_the_data_verbatim(trials, nct_id):
    expected = {(c.kind, c.number): c.text for c in registry_criteria(nct_id)}
    actual = {(c.kind, c.number): normalise(c.text) for c in trials[nct_id].criteria}
    assert actual == expected


def test_the_records_have_the_criteria_counts_they_print(trials):
    counts = {
        nct_id: (
            sum(c.kind == "inclusion" for c in trial.criteria),
            sum(c.kind == "exclusion" for c in trial.criteria),
        )
        for nct_id, trial in trials.items()
    }
    assert counts == {A: (11, 20), B: (13, 13)}


@pytest.mark.parametrize("nct_id", [A, B])
def test_kept_registry_text_is_the_shared_seed(nct_id):
    seed = SEEDS / SEED_FILES[nct_id]
    if not seed.exists():
        pytest.skip(f"{seed} is not beside this checkout")
    assert (REGISTRY_DIR / f"{nct_id}.txt").read_text() == seed.read_text()


def test_every_part_is_asked_or_checked_by_the_study_team(trials):
    for trial in trials.values():
        for _, part in trial.parts:
            assert (part.rule is None) != (part.study_team is None), part.id
            assert part.summary, part.id


def _facts_used(trials) -> set[str]:
    """Facts a rule reads, and facts a part collects for the study team."""
    return {
        name
        for trial in trials.values()
        for _, part in trial.parts
        if part.rule is not None
        for name in rules.facts_used(part.rule) | set(part.collect)
    }


def test_every_fact_a_rule_uses_is_in_the_catalog(trials, catalog):
    assert _facts_used(trials) <= set(catalog.facts)


def test_every_catalog_fact_serves_some_criterion(trials, catalog):
    assert set(catalog.facts) == _facts_used(trials)


def test_study_team_checks_cover_labs_scans_and_life_expectancy(trials):
    checked = {
        (trial.nct_id, criterion.id)
        for trial in trials.values()
        for criterion, part in trial.parts
        if part.study_team
    }
    # organ function, expected survival, consent: never asked in the chat
    for expected in [(A, "inc-8"), (A, "inc-9"), (A, "inc-1"), (B, "inc-5"), (B, "inc-9"),
                     (B, "inc-11")]:
        assert expected in checked
    asked_in_those = [
        part.id
        for trial in trials.values()
        for criterion, part in trial.parts
        if (trial.nct_id, criterion.id) in {(A, "inc-8"), (A, "inc-9"), (B, "inc-9")}
        and part.rule is not None
    ]
    assert asked_in_those == []


def test_compound_criteria_are_split_where_answered_differently(trials):
    brain = [p for c, p in trials[A].parts if c.id == "exc-1"]
    assert [bool(p.rule) for p in brain] == [True, False]  # brain mets asked, organ failure checked
    assert [p.id for p in brain] == ["exc-1a", "exc-1b"]


def test_contacts_are_only_what_the_records_give(trials):
    assert trials[A].contacts == ()
    (contact,) = trials[B].contacts
    assert contact.phone == "+86 13818971504"
    assert contact.email == "rblw_110@hotmail.com"
    seed_b = (REGISTRY_DIR / f"{B}.txt").read_text()
    assert contact.phone in seed_b and contact.email in seed_b


def test_status_follows_the_records(trials):
    assert (trials[A].recruiting, trials[A].status) == (False, "Active, not recruiting")
    assert (trials[B].recruiting, trials[B].status) == (True, "Recruiting")


def test_registry_reader_keeps_sub_lists_inside_their_criterion():
    text = "Inclusion Criteria:\n1. first\n2. second, with:\n1. a sub item\n2. another\n3. third\n"
    criteria = read_criteria(text)
    assert [c.number for c in criteria] == [1, 2, 3]
    assert criteria[1].text == "second, with: 1. a sub item 2. another"


# --- bad data is refused, naming the file and the criterion ---------------------------------


def _write_trial(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((TRIALS_DIR / f"{A}.yaml").read_text())
    mutate(data)
    path = tmp_path / f"{A}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["inclusion"][1]["parts"][0]["rule"].update(fact="shoe_size"),
         "inclusion criterion 2 (inc-2): unknown fact 'shoe_size'"),
        (lambda d: d["exclusion"][2]["parts"][0].update(rule={"fact": "hiv", "equals": True}),
         "exclusion criterion 3 (exc-3): unknown operator 'equals'"),
        (lambda d: d["inclusion"][0].update(text=""),
         "inclusion criterion 1: needs a number and the verbatim registry text"),
        (lambda d: d["exclusion"][0]["parts"][0].pop("rule"),
         "exclusion criterion 1 (exc-1a): a part needs either a rule or study_team"),
        (lambda d: d["exclusion"][4].update(parts=[]),
         "exclusion criterion 5: needs at least one part"),
        (lambda d: d["inclusion"][1]["parts"][0].update(rule={"any": []}),
         "inclusion criterion 2 (inc-2): 'any' needs a non-empty list"),
        (lambda d: d.update(nct_id="NCT00000000"), "does not match the file name"),
    ],
)
def test_a_broken_trial_file_is_refused_with_file_and_criterion(tmp_path, mutate, message):
    path = _write_trial(tmp_path, mutate)
    with pytest.raises(TrialDataError) as error:
        load_trial(path, load_catalog())
    assert f"{A}.yaml" in str(error.value)
    assert message in str(error.value)


def test_a_broken_trial_directory_is_refused_whole(tmp_path):
    _write_trial(tmp_path, lambda d: d["exclusion"][18]["parts"][0]["rule"].update(fact="x"))
    with pytest.raises(TrialDataError, match="exclusion criterion 19"):
        load_trials(tmp_path)


def test_a_broken_catalog_is_refused_naming_the_fact(tmp_path):
    data = yaml.safe_load(FACTS_FILE.read_text())
    data["facts"][3]["ask_when"] = {"fact": "no_such_fact", "is": True}
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CatalogError, match=r"facts.yaml: fact 'metastatic': unknown fact"):
        load_catalog(path)


def test_a_fact_with_an_unknown_parser_is_refused(tmp_path):
    """Parsers are looked up in bot.parsing.PARSERS: a misspelt name fails at load time,
    not at the first answer to the question."""
    data = yaml.safe_load(FACTS_FILE.read_text())
    data["facts"][3]["parser"] = "yes_or_no"
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CatalogError, match=r"fact 'metastatic': parser must be one of .*yes_no"):
        load_catalog(path)
