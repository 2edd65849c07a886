"""Issue 11 over REST with the real servers: typed answers, as patients write them, reach an
honest result (one group per row of the issue), the two loops the issue found end in a
result, and a patient whose only possible study is not recruiting chooses to stop or go on.
The rules behind each row are tested without servers in tests/test_honest_results.py.
"""

from __future__ import annotations

import sqlite3

import pytest

from bot.dialogue import content
from bot.values import UNKNOWN
from devkit.patients import PATIENT_A, PATIENT_B, A, B
from tests.e2e.conftest import stored_slots

POSSIBLE, UNCLEAR, NOT = "possible_match", "unclear", "not_a_match"
#: A screening is at most a few dozen questions; a loop would need many more turns.
MAX_TURNS = 60
HEART_NO = {"heart_condition": True, "recent_cardiovascular_event": False,
            "heart_failure": False, "heart_rhythm_medicine": False,
            "heart_muscle_disease": False}


def card(patient, nct_id: str) -> str:
    return next(text for text in patient.texts(_result_turn(patient)) if f"({nct_id})" in text)


def _result_turn(patient):
    return next(replies for _, replies in reversed(patient.transcript)
                if any(isinstance(r.get("custom"), dict) for r in replies))


def reasons(patient, nct_id: str) -> list[str]:
    return next(t["reasons"] for t in patient.result()["trials"] if t["nct_id"] == nct_id)


# --- row 1 ---------------------------------------------------------------------------------


def test_interferon_and_nothing_like_keytruda_rules_nobody_out(patient):
    patient.start("self")
    typed = {"prior_checkpoint_inhibitor": "I had interferon, nothing like Keytruda"}
    patient.answer_all(PATIENT_A, free_text=typed, max_turns=MAX_TURNS)
    assert patient.verdicts() == {A: POSSIBLE, B: NOT}
    assert "camrelizumab, toripalimab, sintilimab" in patient.all_bot_text()


# --- row 2 and row 10 ----------------------------------------------------------------------


def test_doctors_not_talking_about_lung_surgery_yet_gives_unclear(patient):
    patient.start("child")
    typed = {"lung_nodules_resectable": "my doctors haven't talked about surgery yet"}
    patient.answer_all(PATIENT_B, free_text=typed, max_turns=MAX_TURNS)
    assert patient.verdicts()[B] == UNCLEAR
    assert any("lung spots" in reason and "They have not talked about it yet" in reason
               for reason in reasons(patient, B))


def test_not_sure_about_spread_still_asks_about_surgery_and_not_yet_is_unclear(patient):
    patient.start("self")
    truth = {**PATIENT_A, "metastatic": UNKNOWN}
    asked = patient.answer_all(truth, free_text={"unresectable": "No, they haven't said"},
                               max_turns=MAX_TURNS)
    assert "unresectable" in asked
    assert patient.verdicts()[A] == UNCLEAR


# --- row 3 ---------------------------------------------------------------------------------


def test_a_recent_infection_is_said_to_be_about_timing(patient):
    patient.start("self")
    typed = {"recent_serious_infection": "yes, I was in hospital with pneumonia 2 weeks ago"}
    patient.answer_all(PATIENT_A, free_text=typed, max_turns=MAX_TURNS)
    assert patient.verdicts()[A] == NOT
    (reason,) = reasons(patient, A)
    assert "at least 4 weeks" in reason and "This may change later: ask the study team." in reason
    assert "does not seem to fit right now" in card(patient, A)


# --- row 4 ---------------------------------------------------------------------------------


def test_a_heart_attack_3_months_ago_is_not_a_match_for_cardunilizumab(patient):
    patient.start("self")
    truth = {**PATIENT_A, **HEART_NO}
    typed = {"heart_condition": "yes", "recent_cardiovascular_event": "a heart attack 3 months ago"}
    patient.answer_all(truth, free_text=typed, max_turns=MAX_TURNS)
    assert patient.verdicts()[A] == NOT
    assert any("heart attack" in reason for reason in reasons(patient, A))


def test_steady_atrial_fibrillation_and_treated_brain_spread_do_not_rule_out(patient):
    patient.start("self")
    truth = {**PATIENT_A, **HEART_NO}
    typed = {"heart_condition": "I have atrial fibrillation",
             "brain_metastases": "it spread to my brain last year but it was removed and I have "
                                 "no symptoms now",
             "brain_metastases_symptoms": "no symptoms at all"}
    patient.answer_all(truth, free_text=typed, max_turns=MAX_TURNS)
    assert patient.verdicts()[A] == POSSIBLE


def test_being_checked_for_tb_and_a_planned_vaccine_leave_it_to_the_study_team(patient):
    patient.start("self")
    typed = {"tb_being_checked": "yes, they are checking me for it",
             "planned_live_vaccine": "yes, one is planned for next month"}
    patient.answer_all(PATIENT_A, free_text=typed, max_turns=MAX_TURNS)
    assert patient.verdicts()[A] == UNCLEAR
    assert len(reasons(patient, A)) == 2


# --- row 5 ---------------------------------------------------------------------------------


def test_round_cell_liposarcoma_is_left_to_the_study_team(patient):
    patient.start("self")
    truth = {**PATIENT_A, "diagnosis": "liposarcoma"}
    typed = {"diagnosis": "liposarcoma", "liposarcoma_type": "it's a round cell liposarcoma"}
    patient.answer_all(truth, free_text=typed, max_turns=MAX_TURNS)
    assert patient.verdicts()[A] == UNCLEAR


# --- row 6 ---------------------------------------------------------------------------------


def test_the_card_dates_the_status_and_says_an_old_record_may_have_changed(patient):
    patient.start("child")
    patient.answer_all(PATIENT_B, max_turns=MAX_TURNS)
    promis = card(patient, B)
    assert "(the record says: Recruiting, as of 12 Nov 2024)." in promis
    assert "may have changed" in promis  # 12 Nov 2024 is more than 6 months ago
    entry = next(t for t in patient.result()["trials"] if t["nct_id"] == B)
    assert entry["status_date"] == "2024-11-12" and entry["status_old"] is True
    # what the study team will check: at most five plain groups, the details kept apart
    assert 0 < len(entry["to_check"]) <= 5 < len(entry["to_check_details"])
    checks = promis.split("The study team will still check:")[1].split("Contact:")[0]
    assert checks.count("\n- ") == len(entry["to_check"]) and "Breathing tests" not in checks


# --- row 7 and row 8 -----------------------------------------------------------------------


def test_an_adult_amputee_is_asked_about_walking_aids_for_promis_only(patient):
    patient.start("self")
    truth = {**PATIENT_B, "age": 30, "ecog": 3, "amputation": True, "mobile_with_aids": True}
    truth.pop("lansky")
    asked = patient.answer_all(truth, free_text={"amputation": "yes, my left leg"},
                               max_turns=MAX_TURNS)
    assert asked.index("amputation") > asked.index("ecog")
    assert patient.verdicts()[B] == POSSIBLE
    assert "wheelchair" not in next(t for t in patient.all_bot_text().split("\n")
                                    if t.startswith("Think about the past week"))


def test_kps_70_in_the_notes_does_not_settle_ecog(patient):
    patient.start("self")
    patient.answer_all({**PATIENT_A, "ecog": UNKNOWN},
                       free_text={"ecog": "my oncologist wrote KPS 70 in my notes"},
                       max_turns=MAX_TURNS)
    assert "A Karnofsky (KPS) score of 70 can fit two of these sentences" in \
        patient.all_bot_text()
    assert patient.verdicts()[A] == UNCLEAR


# --- row 9, row 11, row 12 -----------------------------------------------------------------


def test_ifosfamide_is_not_taken_for_an_anthracycline(patient, servers):
    patient.start("self")
    for said in ("Leiomyosarcoma", content()["closed_buttons"][1]["label"], "52", "yes"):
        patient.say(said)
    while patient.asked() != "prior_anthracycline":
        patient.say(patient.answer_for(patient.asked(), PATIENT_A, {}))
    patient.say("I had ifosfamide and cisplatin")
    assert patient.asked() == "prior_anthracycline"
    slots = stored_slots(servers, patient.conversation_id)
    assert "prior_anthracycline" not in {k for k, v in slots.items() if v is True}
    assert "Ifosfamide, cisplatin, gemcitabine and docetaxel are not anthracyclines" in \
        patient.texts()[-1]


def test_it_came_back_is_asked_about_before_it_is_recorded(patient):
    patient.start("child")
    typed = {"local_recurrence": "yes it came back"}
    asked = patient.answer_all(PATIENT_B, free_text=typed, max_turns=MAX_TURNS)
    assert asked.count("local_recurrence") == 2  # asked again, then 'not sure'
    assert "Was it removed again with surgery, or is it there now?" in patient.all_bot_text()
    assert patient.verdicts()[B] == UNCLEAR


def test_a_prior_checkpoint_drug_leaves_promis_to_the_study_team(patient):
    patient.start("child")
    truth = {**PATIENT_B, "prior_checkpoint_inhibitor": True,
             "checkpoint_secondary_resistance": False}
    asked = patient.answer_all(truth, free_text={"prior_checkpoint_inhibitor": "yes, camrelizumab"},
                               max_turns=MAX_TURNS)
    assert asked[-1] == "checkpoint_secondary_resistance"
    assert patient.verdicts()[B] == UNCLEAR


# --- row 13, row 14, row 15 ----------------------------------------------------------------


def test_the_faq_says_only_what_the_records_say(patient):
    patient.start("self")
    patient.say("what is cardunilizumab?")
    said = "\n".join(patient.texts())
    assert "bispecific antibody" in said and "PD-1" not in said and "drip" not in said
    patient.say("who pays for it?")
    said = "\n".join(patient.texts())
    assert '"Participants will be given Cardunolizumab 6mg/kg once every 2 weeks free"' in said
    assert "Please ask the study team about costs" in said


def test_public_information_is_built_from_the_data(patient):
    patient.say("hello")
    patient.say(content()["consent_buttons"][1])
    text = patient.all_bot_text()
    assert "lungs): This study" not in text
    promis = next(t for t in patient.texts() if t.startswith("PROMIS:"))
    assert promis.count("taking new people") == 1


def test_someone_elses_questions_are_grammatical(patient):
    patient.start("other")
    patient.say("Leiomyosarcoma")
    patient.say(content()["closed_buttons"][1]["label"])
    patient.say("52")
    question = patient.texts()[-1]
    assert "other parts of the patient's body" in question and "'s's" not in question


# --- never stuck in a loop: the two replays --------------------------------------------------


def test_replay_lung_surgery_not_talked_about_reaches_a_result(patient):
    """The metastasectomy FAQ and the same question came back 80 times."""
    patient.start("child")
    typed = {"lung_nodules_resectable": "my doctors haven't talked about surgery for the lung "
                                        "spots yet"}
    asked = patient.answer_all(PATIENT_B, free_text=typed, max_turns=MAX_TURNS)
    assert asked.count("lung_nodules_resectable") == 1
    assert patient.result() is not None and patient.verdicts()[B] == UNCLEAR
    assert len(patient.transcript) <= MAX_TURNS


def test_replay_treated_brain_spread_reaches_a_result(patient):
    """'I have updated your answer: Cancer has spread ...: yes' and the same question came
    back 80 times."""
    patient.start("self")
    phrase = "it spread to my brain last year but it was removed and I have no symptoms now"
    typed = {"brain_metastases": phrase, "brain_metastases_symptoms": phrase}
    asked = patient.answer_all(PATIENT_A, free_text=typed, max_turns=MAX_TURNS)
    assert asked.count("brain_metastases") == 1 and asked.count("brain_metastases_symptoms") <= 2
    assert "I have updated your answer" not in patient.all_bot_text()
    assert patient.result() is not None and patient.verdicts()[A] in (POSSIBLE, UNCLEAR)


def test_a_question_repeated_as_a_faq_ends_as_not_sure_with_a_person_offered(patient, servers):
    patient.start("child")
    for said in ("Osteosarcoma", "14", "yes"):
        patient.say(said)
    assert patient.asked() == "lung_nodules_resectable"
    for _ in range(3):
        patient.say("what is metastasectomy?")
    assert stored_slots(servers, patient.conversation_id)["lung_nodules_resectable"] == UNKNOWN
    assert "Talk to a person" in patient.buttons()
    assert patient.asked() != "lung_nodules_resectable"


# --- a trial that is not recruiting ----------------------------------------------------------


def test_only_the_closed_study_left_the_patient_stops_and_staff_see_it(patient, servers):
    patient.start("self")
    patient.say("Leiomyosarcoma")
    assert patient.asked() == "closed_trial_choice"
    said = "\n".join(patient.texts())
    assert "is not taking new people right now" in said and "opens again" in said
    patient.say(content()["closed_buttons"][0]["label"])
    assert patient.result() is not None and len(patient.transcript) == 5
    assert "Sponsor: Xiangya Hospital of Central South University" in card(patient, A)
    assert _stored_choice(servers, patient.conversation_id) == "stop"


def test_only_the_closed_study_left_the_patient_goes_on(patient, servers):
    patient.start("self")
    asked = patient.answer_all(PATIENT_A, max_turns=MAX_TURNS)
    assert asked[1] == "closed_trial_choice" and asked.count("closed_trial_choice") == 1
    assert patient.verdicts() == {A: POSSIBLE, B: NOT}
    assert _stored_choice(servers, patient.conversation_id) == "go_on"


def _stored_choice(servers, sender: str) -> str | None:
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        row = db.execute("SELECT closed_choice FROM conversations WHERE sender_id = ?",
                         (sender,)).fetchone()
    return row and row[0]


@pytest.mark.parametrize("audience", ["self", "child", "other"])
def test_no_wording_calls_anyone_eligible(patient, audience):
    patient.start(audience)
    patient.answer_all(PATIENT_A if audience != "child" else PATIENT_B, max_turns=MAX_TURNS)
    assert "eligible" not in patient.all_bot_text().lower()
