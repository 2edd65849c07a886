"""Plain language (issue 11): every patient-facing English string at US grade 8 or below by
Flesch-Kincaid (textstat), drug and other names excepted (bot/reading_level.py says exactly
what is graded). `make reading-level` prints every string's grade."""

from __future__ import annotations

from bot import reading_level


def test_every_patient_facing_string_is_at_grade_8_or_below():
    over = reading_level.over_limit()
    listing = "\n".join(f"{item.grade:5.1f} {item.where}: {item.text}" for item in over)
    assert not over, f"{len(over)} strings above grade {reading_level.GRADE_LIMIT}:\n{listing}"


def test_the_grading_covers_every_kind_of_patient_text():
    wheres = " ".join(where for where, _ in reading_level.patient_strings())
    for kind in ("ask (self)", "ask (child)", "ask (other)", "choice", " why", "label",
                 "conversation.yaml faq", "conversation.yaml verdict_words", "web/content.yaml",
                 "summary", "timing", "check_groups"):
        assert kind in wheres, kind
    assert len(reading_level.patient_strings()) > 300


def test_names_are_left_out_of_the_grade_and_other_words_are_not():
    text = "Have you had pembrolizumab (Keytruda) or undifferentiated pleomorphic sarcoma?"
    assert "pembrolizumab" not in reading_level.without_names(text).lower()
    assert "pleomorphic" not in reading_level.without_names(text).lower()
    assert "investigational" in reading_level.without_names("an investigational drug")
    hard = "Investigational immunotherapeutic interventions necessitate comprehensive evaluation."
    assert reading_level.grade(hard) > reading_level.GRADE_LIMIT


def test_fragments_are_reported_but_not_held_to_the_limit():
    short = reading_level.Graded("x", "Continuing your conversation.", 21.0)
    assert not short.held_to_limit
    assert reading_level.Graded("x", "one two three four five", 9.0).held_to_limit
