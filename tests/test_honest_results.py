"""Issue 11, 'every truthful answer leads to an honest result': one group of tests per row of
the issue, on the engine, the parser and the conversation logic (no servers). The typed
conversations over REST are in tests/e2e/test_honest_conversations.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import closed, dialogue, parsing, replies
from bot.catalog import load_catalog
from bot.engine import NOT_A_MATCH, POSSIBLE_MATCH, UNCLEAR, questions_to_ask, screen
from bot.result import screening_result
from bot.trials import TrialDataError, load_trial, load_trials
from bot.values import AUDIENCES, CLOSED_CHOICE, UNKNOWN
from devkit.patients import PATIENT_A, A, B

ROOT = Path(__file__).resolve().parents[1]


def verdicts(facts: dict[str, Any]) -> dict[str, str]:
    return {r.trial.nct_id: r.verdict for r in screen(facts)}


# --- row 14: public information is built from the data, not cut out of formatted text ------


@pytest.mark.parametrize("title", ["PROMIS: a study: with colons", "Plain title"])
def test_public_information_lines_come_from_the_data(title):
    trial = dataclasses.replace(load_trials()[1], short_title=title)
    lines = dialogue.public_lines(trial)
    assert lines[0] == f"{title} ({trial.nct_id})"
    assert lines[1].startswith("This study is taking new people (the record says: Recruiting,")
    contact = lines[3]
    assert contact.startswith("Contact: Qiyuan Bao") and "+86 13818971504" in contact
    assert title not in contact and "taking new people" not in contact  # said once, above


def test_public_information_says_the_status_once_per_trial():
    for message in dialogue.public_information()[1:]:
        assert message["text"].count("the record says") == 1


# --- row 15: the person phrase for 'someone else' is never followed by 's ------------------


def test_no_proxy_wording_puts_s_after_the_person_phrase():
    catalog = dataclasses.replace(load_catalog(), persons={
        "child": {"name": "your child", "possessive": "your child's"},
        "other": {"name": "the person you are asking for", "possessive": "this person's"}})
    _check_person_wording(catalog)
    _check_person_wording(load_catalog())


def _check_person_wording(catalog) -> None:
    for fact in catalog:
        assert "{person}'s" not in fact.ask_proxy, fact.name
        for audience in AUDIENCES:
            text = fact.question(audience, catalog.persons)
            assert "{" not in text and "}" not in text, (fact.name, audience, text)
            assert "asking for's" not in text and "asking for'" not in text, text
            assert "'s's" not in text and " 's" not in text, text
            assert text[0].isupper(), text
            if audience == "other":
                assert "your child" not in text, text


def test_possessive_person_phrases_read_as_english():
    catalog = load_catalog()
    metastatic = catalog["metastatic"]
    assert "other parts of your child's body" in metastatic.question("child", catalog.persons)
    assert "other parts of the patient's body" in metastatic.question("other", catalog.persons)
    words = re.compile(r"\b(your child|the patient)\b")
    for fact in catalog:
        assert words.search(fact.question("other", catalog.persons)) or "{person" not in (
            fact.ask_proxy), fact.name


# --- row 5: round cell liposarcoma has its own value and is left to the study team ---------

LIPOSARCOMA_A = {"diagnosis": "liposarcoma", "age": 52, "metastatic": True,
                 "prior_anthracycline": True, "prior_checkpoint_inhibitor": False, "ecog": 1}


def test_round_cell_liposarcoma_leaves_the_cardunilizumab_study_to_the_study_team():
    facts = {**PATIENT_A, **LIPOSARCOMA_A, "liposarcoma_type": "round_cell"}
    result = next(r for r in screen(facts) if r.trial.nct_id == A)
    assert result.verdict == UNCLEAR
    assert [p.part.id for p in result.open_parts] == ["inc-3a"]
    assert verdicts({**facts, "liposarcoma_type": "myxoid"})[A] == NOT_A_MATCH
    assert verdicts({**facts, "liposarcoma_type": "dedifferentiated"})[A] == POSSIBLE_MATCH


@pytest.mark.parametrize("typed", ["round cell", "It's a round cell liposarcoma",
                                   "high-grade myxoid", "myxoid/round cell", "MRCLS"])
def test_round_cell_wording_is_read_as_round_cell(typed):
    assert parsing.parse_liposarcoma_type(typed) == "round_cell"
    fact = load_catalog()["liposarcoma_type"]
    assert "Round cell (high-grade myxoid)" in [o.label for o in fact.choices()]
    assert "Myxoid or round cell" not in [o.label for o in fact.choices()]


# --- row 9: the anthracycline question names the drugs, and what is not one ---------------


def test_the_anthracycline_question_names_the_anthracyclines_and_what_is_not_one():
    question = _cli_questions()["prior_anthracycline"]["question"]
    for name in ("doxorubicin", "liposomal doxorubicin", "epirubicin", "pirarubicin",
                 "daunorubicin", "idarubicin"):
        assert name in question
    assert "similar drug" not in question
    assert "Ifosfamide, cisplatin" in question and "are not anthracyclines" in question


def _cli_questions(audience: str = "self") -> dict[str, dict[str, Any]]:
    """`python -m bot questions`, as a staff member or a test would run it."""
    done = subprocess.run([sys.executable, "-m", "bot", "questions", "--audience", audience],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return {entry["fact"]: entry for entry in json.loads(done.stdout)}


# --- row 13: the FAQ and summaries say only what the records say --------------------------


def _study_wording() -> list[str]:
    faq = dialogue.content()["faq"]
    texts = [faq[key] for key in ("faq_cardunilizumab", "faq_penpulimab", "faq_gemcitabine",
                                  "faq_duration")]
    return texts + [trial.summary for trial in load_trials()]


def test_wording_about_the_study_drugs_claims_nothing_the_records_do_not_say():
    cardunilizumab = [t for t in _study_wording() if "ardunilizumab" in t]
    assert cardunilizumab
    for text in cardunilizumab:
        assert "PD-1" not in text and "CTLA-4" not in text, text
    for text in _study_wording():
        assert "by drip" not in text and "infusion" not in text, text
    assert "bispecific antibody" in dialogue.content()["faq"]["faq_cardunilizumab"]


def test_the_cost_answer_quotes_the_record_and_points_to_the_study_team():
    answer = replies.faq_message("faq_cost")["text"]
    record = " ".join((ROOT / "bot/content/registry/NCT06114173.txt").read_text().split())
    quote = re.search(r'"([^"]+)"', answer).group(1)
    assert quote in record and quote.endswith("once every 2 weeks free")
    assert "do not say what costs are covered" not in answer
    assert "NCT06114225 does not mention costs" in answer
    assert answer.endswith("Please ask the study team about costs before you agree to take part.")


def test_a_quote_that_is_not_the_records_is_refused(tmp_path):
    path = tmp_path / f"{A}.yaml"
    source = (ROOT / "bot/content/trials" / f"{A}.yaml").read_text()
    path.write_text(source.replace("once every 2 weeks free", "once every 2 weeks at no cost"))
    with pytest.raises(TrialDataError, match=r"quotes\.cost: not in the registry record"):
        load_trial(path, load_catalog())


# --- row 1: the checkpoint question is about PD-1, PD-L1 and CTLA-4 drugs only ------------


@pytest.mark.parametrize(("typed", "value"), [
    ("I had interferon, nothing like Keytruda", False),
    ("yes, interferon", False),
    ("yes, thymosin after surgery", False),
    ("mifamurtide", False),
    ("I had a cancer vaccine in a trial", False),
    ("yes, CAR-T cells", False),
    ("yes I had Keytruda", True),
    ("camrelizumab for 6 months", True),
    ("I had interferon and then sintilimab", True),
    ("艾瑞卡", True),
    ("yes, a checkpoint inhibitor but I don't know which", UNKNOWN),
    ("yes, some immunotherapy", UNKNOWN),
    ("I never had Opdivo", False),
    ("yes", True),
    ("no", False),
])
def test_the_checkpoint_answer_counts_only_pd1_pdl1_and_ctla4_drugs(typed, value):
    answer = dialogue.answer_fact("prior_checkpoint_inhibitor", typed, {}, 0)
    assert answer.updates.get("prior_checkpoint_inhibitor") == value


def test_other_immunotherapy_rules_nobody_out():
    typed = dialogue.answer_fact("prior_checkpoint_inhibitor",
                                 "I had interferon, nothing like Keytruda", {}, 0)
    assert verdicts({**PATIENT_A, **typed.updates}) == {A: POSSIBLE_MATCH, B: NOT_A_MATCH}
    entry = _cli_questions()["prior_checkpoint_inhibitor"]
    for name in ("camrelizumab", "toripalimab", "sintilimab", "tislelizumab", "penpulimab",
                 "pembrolizumab", "nivolumab", "atezolizumab", "durvalumab", "ipilimumab",
                 "cadonilimab"):
        assert name in entry["question"]
    assert "do not count here" in entry["question"]
    assert not entry["question"].startswith("Have you ever had immunotherapy?")


# --- row 2: 'not talked about yet' is not 'cannot be removed' -----------------------------


@pytest.mark.parametrize(("said", "b_verdict"), [
    ("removable", POSSIBLE_MATCH), ("not_discussed", UNCLEAR), (UNKNOWN, UNCLEAR),
    ("not_removable", NOT_A_MATCH)])
def test_only_cannot_be_removed_rules_out_promis(patient_b, said, b_verdict):
    assert verdicts({**patient_b, "lung_nodules_resectable": said})[B] == b_verdict
    result = next(r for r in screen({**patient_b, "lung_nodules_resectable": said})
                  if r.trial.nct_id == B)
    checks = [p.part.id for p in result.study_team_checks]
    assert "inc-3b" in checks  # the scans still confirm it, whatever was said


@pytest.mark.parametrize(("said", "a_verdict"), [
    ("not_removable", POSSIBLE_MATCH), ("not_discussed", UNCLEAR), (UNKNOWN, UNCLEAR),
    ("removable", NOT_A_MATCH)])
def test_only_cannot_be_removed_meets_inoperable_for_cardunilizumab(said, a_verdict):
    facts = {**PATIENT_A, "metastatic": False, "unresectable": said}
    assert verdicts(facts)[A] == a_verdict


@pytest.mark.parametrize(("typed", "value"), [
    ("my doctors haven't talked about surgery yet", "not_discussed"),
    ("my doctors haven't talked about surgery for the lung spots yet", "not_discussed"),
    ("No, they haven't said", "not_discussed"),
    ("not yet", "not_discussed"),
    ("no one has told me", "not_discussed"),
    ("They said the spots can be removed", "removable"),
    ("yes, the surgeon said he can take them out", "removable"),
    ("they said they cannot be removed", "not_removable"),
    ("inoperable", "not_removable"),
    ("no", None),
    ("not sure", UNKNOWN),
])
def test_what_doctors_said_about_surgery_is_read_from_free_text(typed, value):
    for fact in ("lung_nodules_resectable", "unresectable"):
        answer = dialogue.answer_fact(fact, typed, {"lung_metastases": True}, 0)
        assert answer.updates.get(fact) == value, (fact, typed)


def test_the_surgery_questions_offer_what_doctors_may_have_said():
    for fact in ("lung_nodules_resectable", "unresectable"):
        labels = _cli_questions()[fact]["choices"]
        assert "They have not talked about it yet" in labels and labels[-1] == "Not sure"
        assert any("cannot" in label for label in labels)


# --- row 10: the surgery question is asked whenever spread is not known to be yes ---------


@pytest.mark.parametrize(("metastatic", "asked"), [(UNKNOWN, True), (False, True),
                                                    (True, False)])
def test_the_inoperable_question_is_asked_unless_spread_is_known(metastatic, asked):
    facts = {"diagnosis": "leiomyosarcoma", "age": 52, "metastatic": metastatic}
    names = [fact.name for fact in questions_to_ask(facts)]
    assert ("unresectable" in names) is asked
    if asked:
        result = verdicts({**PATIENT_A, "metastatic": metastatic, "unresectable": "not_removable"})
        assert result[A] == POSSIBLE_MATCH


# --- row 11: 'yes, it came back' is asked about: removed again, or there now? -------------


@pytest.mark.parametrize("typed", ["yes", "it came back", "Yes it came back last year", "复发了"])
def test_a_return_without_saying_if_it_was_removed_is_asked_again(typed):
    answer = dialogue.answer_fact("local_recurrence", typed, {}, 0)
    assert not answer.understood and "local_recurrence" not in answer.updates
    assert answer.messages[-1]["text"].startswith("Was it removed again with surgery, or is it")


@pytest.mark.parametrize(("typed", "value"), [("yes, and it was removed again", "removed"),
                                              ("it came back and it's still there", "present")])
def test_a_return_that_says_which_is_recorded(typed, value):
    assert dialogue.answer_fact("local_recurrence", typed, {}, 0).updates == {
        "local_recurrence": value}


# --- row 12: a prior checkpoint drug leaves PROMIS to the study team ----------------------


@pytest.mark.parametrize("resistance", [True, False, UNKNOWN])
def test_a_prior_checkpoint_drug_leaves_promis_exclusion_3_open(patient_b, resistance):
    facts = {**patient_b, "prior_checkpoint_inhibitor": True,
             "checkpoint_secondary_resistance": resistance}
    result = next(r for r in screen(facts) if r.trial.nct_id == B)
    assert result.verdict == UNCLEAR and [p.part.id for p in result.open_parts] == ["exc-3"]


def test_the_secondary_resistance_answer_is_still_asked_for_staff(patient_b):
    facts = {k: v for k, v in patient_b.items() if k != "checkpoint_secondary_resistance"}
    facts["prior_checkpoint_inhibitor"] = True
    assert [f.name for f in questions_to_ask(facts)] == ["checkpoint_secondary_resistance"]
    assert questions_to_ask({**facts, "checkpoint_secondary_resistance": False}) == []


def test_collected_questions_come_after_every_deciding_question():
    facts = {"diagnosis": "osteosarcoma", "age": 14, "prior_checkpoint_inhibitor": True}
    names = [f.name for f in questions_to_ask(facts)]
    assert names[-1] == "checkpoint_secondary_resistance" and len(names) > 1


# --- row 4: one question per clause of the record ----------------------------------------

HEART = {"heart_condition": True, "recent_cardiovascular_event": False, "heart_failure": False,
         "heart_rhythm_medicine": False, "heart_muscle_disease": False}


def test_a_heart_attack_3_months_ago_rules_out_cardunilizumab():
    typed = dialogue.answer_fact("recent_cardiovascular_event", "a heart attack 3 months ago",
                                 {**PATIENT_A, "heart_condition": True}, 0)
    assert typed.updates == {"recent_cardiovascular_event": True}
    facts = {**PATIENT_A, **HEART, **typed.updates}
    result = next(r for r in screen(facts) if r.trial.nct_id == A)
    assert result.verdict == NOT_A_MATCH and [p.part.id for p in result.deciding] == ["exc-13a"]


@pytest.mark.parametrize(("typed", "value"), [
    ("a heart attack 3 months ago", True), ("I had a stroke two weeks ago", True),
    ("blood clot in my leg last month", True), ("a heart attack 2 years ago", False),
    ("yes, about 8 months ago", False), ("yes, 5 months ago", True), ("no", False),
    ("a stroke last year", UNKNOWN), ("a blood clot", True), ("不确定", UNKNOWN),
    ("3个月前心梗", True),
])
def test_how_long_ago_decides_the_6_month_question(typed, value):
    answer = dialogue.answer_fact("recent_cardiovascular_event", typed, {}, 0)
    assert answer.updates.get("recent_cardiovascular_event") == value, typed


def test_a_time_about_something_else_does_not_answer_the_question():
    answer = dialogue.answer_fact("recent_steroids_or_immunosuppressants",
                                  "I'm 52 and had surgery on my leg 2 years ago", {}, 0)
    assert "recent_steroids_or_immunosuppressants" not in answer.updates


def test_steady_atrial_fibrillation_without_symptoms_does_not_rule_out():
    question = load_catalog()["heart_rhythm_medicine"].question()
    assert "Do not count atrial fibrillation (AF) if it gives you no symptoms" in question
    facts = {**PATIENT_A, **HEART}
    assert verdicts(facts)[A] == POSSIBLE_MATCH
    assert verdicts({**facts, "heart_rhythm_medicine": True})[A] == UNCLEAR  # never 'not a match'


def test_no_heart_problem_is_one_question():
    asked = [f.name for f in questions_to_ask({**PATIENT_A, "heart_condition": False})]
    assert not {"recent_cardiovascular_event", "heart_failure", "heart_rhythm_medicine",
                "heart_muscle_disease"} & set(asked)


def test_being_checked_for_tb_is_unclear_and_having_it_rules_out():
    assert verdicts({**PATIENT_A, "tb_being_checked": True})[A] == UNCLEAR
    assert verdicts({**PATIENT_A, "active_tb": True})[A] == NOT_A_MATCH
    assert "checking" not in load_catalog()["active_tb"].question()


def test_a_planned_vaccine_is_not_a_received_one(patient_b):
    assert verdicts({**PATIENT_A, "planned_live_vaccine": True})[A] == UNCLEAR
    assert verdicts({**PATIENT_A, "recent_live_vaccine": True})[A] == NOT_A_MATCH
    assert "plan" not in load_catalog()["recent_live_vaccine"].question()
    assert "planned_live_vaccine" not in [f.name for f in questions_to_ask(
        {k: v for k, v in patient_b.items() if k != "planned_live_vaccine"})]


def test_brain_spread_without_symptoms_does_not_rule_out():
    facts = {**PATIENT_A, "brain_metastases": True, "brain_metastases_symptoms": False}
    assert verdicts(facts)[A] == POSSIBLE_MATCH
    assert verdicts({**facts, "brain_metastases_symptoms": True})[A] == NOT_A_MATCH
    typed = "it spread to my brain last year but it was removed and I have no symptoms now"
    answer = dialogue.answer_fact("brain_metastases", typed, {**PATIENT_A,
                                                              "brain_metastases": None}, 0)
    assert answer.understood and answer.updates == {"brain_metastases": True}
    assert answer.messages == []  # not taken as a correction: 'spread' is already known
    assert dialogue.answer_fact("brain_metastases_symptoms", "I have no symptoms now", {},
                                0).updates == {"brain_metastases_symptoms": False}


# --- row 7: walking aids count only for PROMIS, and only after an amputation -------------

OSTEO_ADULT = {"diagnosis": "osteosarcoma", "age": 30, "lung_metastases": True,
               "lung_nodules_resectable": "removable", "local_recurrence": "no",
               "prior_systemic_therapy": True, "prior_gemcitabine": False,
               "prior_checkpoint_inhibitor": False}


def test_the_activity_questions_do_not_tell_everyone_to_count_walking_aids():
    catalog = load_catalog()
    for name in ("ecog", "lansky"):
        for audience in AUDIENCES:
            text = catalog[name].question(audience, catalog.persons)
            assert "wheelchair" not in text and "walker" not in text, text


def test_walking_aids_count_for_promis_after_an_amputation(patient_b):
    adult = {**patient_b, **OSTEO_ADULT, "ecog": 3}
    adult.pop("lansky")
    names = [f.name for f in questions_to_ask(adult)]
    assert names[0] == "amputation"
    assert verdicts({**adult, "amputation": False})[B] == NOT_A_MATCH
    assert [f.name for f in questions_to_ask({**adult, "amputation": True})] == [
        "mobile_with_aids"]
    assert verdicts({**adult, "amputation": True, "mobile_with_aids": True})[B] == POSSIBLE_MATCH
    child = {**patient_b, "lansky": 50, "amputation": True}
    assert [f.name for f in questions_to_ask(child)] == ["plays_with_aids"]
    assert verdicts({**child, "plays_with_aids": True})[B] == POSSIBLE_MATCH


def test_an_amputation_is_never_asked_for_the_cardunilizumab_study():
    for ecog in (0, 1, 2, 3, 4):
        facts = {**PATIENT_A, "ecog": ecog}
        facts.pop("heart_condition")
        assert "amputation" not in [f.name for f in questions_to_ask(facts)]
    assert verdicts({**PATIENT_A, "ecog": 2, "amputation": True,
                     "mobile_with_aids": True})[A] == NOT_A_MATCH


# --- row 8: KPS 70 and 50-60 do not settle ECOG ------------------------------------------


@pytest.mark.parametrize("typed", ["KPS 70", "my oncologist wrote KPS 70 in my notes",
                                   "karnofsky 60", "KPS of 50"])
def test_a_karnofsky_score_between_two_grades_is_asked_again(typed):
    assert parsing.parse_ecog(typed) is None
    answer = dialogue.answer_fact("ecog", typed, {}, 0)
    assert not answer.understood and "ecog" not in answer.updates
    assert "can fit two of these sentences" in answer.messages[-1]["text"]


@pytest.mark.parametrize(("typed", "grade"), [("KPS 90", 0), ("KPS 80", 1), ("KPS 40", 3)])
def test_a_karnofsky_score_that_fits_one_grade_is_still_read(typed, grade):
    assert parsing.parse_ecog(typed) == grade


# --- row 3: a reason about timing says so ------------------------------------------------

TIMED = [
    (A, {"recent_serious_infection": True}, "at least 4 weeks"),
    (A, {"recent_major_surgery": True}, "at least 30 days"),
    (A, {"current_cancer_treatment": True}, "while they are getting other cancer treatment"),
    (A, {"recent_live_vaccine": True}, "at least 30 days"),
    (A, {**HEART, "recent_cardiovascular_event": True}, "at least 6 months"),
    (B, {"in_other_trial": True}, "at least 4 weeks"),
    (B, {"recent_immunomodulator_or_tcm": True}, "at least 2 weeks"),
    (B, {"recent_live_vaccine": True}, "at least 30 days"),
]


@pytest.mark.parametrize(("nct_id", "change", "wait"), TIMED,
                         ids=[f"{n[-3:]}-{next(iter(c))}" for n, c, _ in TIMED])
def test_a_timing_exclusion_says_it_is_about_timing(patient_b, nct_id, change, wait):
    base = PATIENT_A if nct_id == A else patient_b
    entry = _entry({**base, **change}, nct_id)
    assert entry["verdict"] == NOT_A_MATCH and entry["for_now"] is True
    (reason,) = entry["reasons"]
    assert wait in reason and reason.endswith("This may change later: ask the study team.")
    card = _card_text({**base, **change}, nct_id)
    assert "does not seem to fit right now. This may change later." in card


def test_an_exclusion_that_is_not_about_timing_says_nothing_of_the_kind():
    entry = _entry({**PATIENT_A, "hiv": True}, A)
    assert entry["for_now"] is False and "may change" not in " ".join(entry["reasons"])
    both = _entry({**PATIENT_A, "hiv": True, "recent_live_vaccine": True}, A)
    assert both["for_now"] is False  # a lasting reason with a timed one: not 'right now'


def _entry(facts: dict[str, Any], nct_id: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bot", "screen", "--facts", "-"], cwd=ROOT,
                          input=json.dumps(facts), capture_output=True, text=True, check=True)
    return next(t for t in json.loads(done.stdout)["trials"] if t["nct_id"] == nct_id)


def _card_text(facts: dict[str, Any], nct_id: str) -> str:
    cards = [m["text"] for m in dialogue.result_messages(facts) if "text" in m]
    return next(card for card in cards if f"({nct_id})" in card)


# --- row 6: the status carries its record's date, and a warning when it is old -----------


def test_the_status_says_as_of_when_and_warns_when_the_record_is_old():
    from datetime import date

    recent, old = date(2025, 1, 10), date(2025, 6, 1)
    fresh = _card_text_on(PATIENT_A, B, recent)
    assert "(the record says: Recruiting, as of 12 Nov 2024)." in fresh
    assert "may have changed" not in fresh
    stale = _card_text_on(PATIENT_A, B, old)
    assert "as of 12 Nov 2024). That record is more than 6 months old, so this may have " \
           "changed. The study team can tell you." in stale
    entry = next(t for t in screening_result(PATIENT_A, old)["trials"] if t["nct_id"] == B)
    assert (entry["status_date"], entry["status_as_of"], entry["status_old"]) == (
        "2024-11-12", "12 Nov 2024", True)
    cli = _entry(PATIENT_A, B)
    assert cli["status_as_of"] == "12 Nov 2024"


def test_a_not_recruiting_status_carries_its_date_too():
    card = _card_text(PATIENT_A, A)
    assert "not taking new people right now (the record says: Active, not recruiting, as of" in card


def _card_text_on(facts: dict[str, Any], nct_id: str, today) -> str:
    cards = [m["text"] for m in dialogue.result_messages(facts, today) if "text" in m]
    return next(card for card in cards if f"({nct_id})" in card)


# --- a trial that is not recruiting: stop now, or go on ----------------------------------


def test_when_only_the_closed_study_is_left_the_patient_chooses_first():
    facts = {"diagnosis": "leiomyosarcoma"}
    assert dialogue.next_step(True, "self", facts) == CLOSED_CHOICE
    assert dialogue.next_step(True, "self", facts, closed_choice="stop") is None
    assert dialogue.next_step(True, "self", facts, closed_choice="go_on") == "age"
    # a recruiting study still open: no choice
    assert dialogue.next_step(True, "self", {"diagnosis": "osteosarcoma"}) == "age"
    assert dialogue.next_step(True, "self", {"diagnosis": UNKNOWN}) == "age"
    # every study settled: the result, no choice
    assert dialogue.next_step(True, "self", {**PATIENT_A, "age": 80}) is None


def test_the_choice_says_plainly_what_is_going_on():
    explain, question = dialogue.ask_message(CLOSED_CHOICE, "self", {"diagnosis": "ups"})
    assert "PROMIS: osteosarcoma that has spread to the lungs (NCT06114225)" in explain["text"]
    assert "Cardunilizumab for soft tissue sarcoma (NCT06114173), is not taking new people" \
        in explain["text"]
    assert "if the study opens again" in explain["text"]
    assert [b["title"] for b in question["buttons"]] == ["See my result now",
                                                         "Go on with the questions"]


@pytest.mark.parametrize(("typed", "choice"), [
    ("See my result now", "stop"), ("stop here please", "stop"), ("just show my result", "stop"),
    ("Go on with the questions", "go_on"), ("continue", "go_on"), ("keep going", "go_on"),
    ("hmm", None)])
def test_the_choice_is_read_from_buttons_and_words(typed, choice):
    assert closed.parse_choice(typed) == choice


def test_stopping_gives_the_result_with_the_sponsor_and_the_record():
    cards = [m["text"] for m in dialogue.result_messages({"diagnosis": "leiomyosarcoma"})
             if "text" in m]
    card = next(c for c in cards if "(NCT06114173)" in c)
    assert "Sponsor: Xiangya Hospital of Central South University" in card
    assert "https://clinicaltrials.gov/study/NCT06114173" in card
    assert "not taking new people right now" in card


# --- what the study team will check: at most five plain groups for patients --------------


@pytest.mark.parametrize("facts", [{}, PATIENT_A, {"diagnosis": "osteosarcoma"}],
                         ids=["nothing", "patient A", "osteosarcoma"])
def test_patients_see_at_most_five_plain_groups_of_checks(facts):
    groups = dialogue.content()["check_groups"]
    for entry in screening_result(facts)["trials"]:
        if entry["verdict"] == NOT_A_MATCH:
            continue
        assert 0 < len(entry["to_check"]) <= 5
        assert set(entry["to_check"]) <= set(groups.values())
        assert len(entry["to_check_details"]) > len(entry["to_check"])


def test_the_card_lists_the_groups_and_staff_keep_every_check(patient_b):
    card = _card_text(patient_b, B)
    listed = card.split("The study team will still check:")[1].split("Contact:")[0]
    assert listed.count("\n- ") <= 5 and "Your scans (CT or MRI)" in listed
    assert "Breathing tests" not in listed
    from bot.storage.patient import criteria_statuses
    from bot.web.staff.present import trial_views

    result = next(r for r in screen(patient_b) if r.trial.nct_id == B)
    row = dataclasses.make_dataclass("Row", ["nct_id", "verdict", "recruiting", "trial_version",
                                             "criteria"])(B, result.verdict, True,
                                                          result.trial.version,
                                                          criteria_statuses(result))
    (view,) = trial_views([row], [])
    assert len(view.open_checks) >= 9 and any("Breathing tests" in c for c in view.open_checks)


def test_every_study_team_check_has_a_group(tmp_path):
    source = (ROOT / "bot/content/trials" / f"{A}.yaml").read_text()
    path = tmp_path / f"{A}.yaml"
    path.write_text(source.replace("check: consent", "check: paperwork", 1))
    with pytest.raises(TrialDataError, match="a study-team part needs 'check'"):
        load_trial(path, load_catalog())


@pytest.mark.parametrize(("typed", "value"), [
    ("the flu shot 2 weeks ago", False), ("I had a covid booster last week", False),
    ("a chickenpox vaccine 2 weeks ago", True), ("the nose-spray flu vaccine last week", True),
    ("MMR 3 months ago", False)])
def test_a_vaccine_that_is_not_live_is_not_a_live_vaccine(typed, value):
    answer = dialogue.answer_fact("recent_live_vaccine", typed, {}, 0)
    assert answer.updates.get("recent_live_vaccine") == value, typed


@pytest.mark.parametrize(("typed", "value"), [
    ("I had a cold last week", False), ("just a sore throat 2 weeks ago", False),
    ("pneumonia 2 weeks ago, I was in hospital", True)])
def test_a_minor_infection_is_not_a_serious_one(typed, value):
    answer = dialogue.answer_fact("recent_serious_infection", typed, {}, 0)
    assert answer.updates.get("recent_serious_infection") == value, typed
