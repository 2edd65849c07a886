"""Several facts from one free message (bot/parsing/extract.py)."""

from __future__ import annotations

import pytest

from bot.parsing import (
    extract_facts,
)
from tests.parsing.helpers import FACTS, TODAY

EXTRACTS = [
    (
        "I'm 52, I have metastatic leiomyosarcoma and had doxorubicin",
        {
            "age": 52,
            "diagnosis": "leiomyosarcoma",
            "metastatic": True,
            "prior_anthracycline": True,
            "prior_systemic_therapy": True,
        },
    ),
    (
        "My daughter is 14 and has osteosarcoma that spread to her lungs",
        {"age": 14, "diagnosis": "osteosarcoma", "lung_metastases": True, "metastatic": True},
    ),
    (
        "well differentiated liposarcoma",
        {"diagnosis": "liposarcoma", "liposarcoma_type": "well_differentiated"},
    ),
    (
        "I have a dedifferentiated liposarcoma, inoperable",
        {
            "diagnosis": "liposarcoma",
            "liposarcoma_type": "dedifferentiated",
            "unresectable": "not_removable",
        },
    ),
    ("stage 4 UPS", {"diagnosis": "ups", "metastatic": True}),
    ("lung mets", {"lung_metastases": True, "metastatic": True}),
    ("pulmonary metastases", {"lung_metastases": True, "metastatic": True}),
    ("肺转移", {"lung_metastases": True, "metastatic": True}),
    ("they said it can't be operated", {"unresectable": "not_removable"}),
    ("I have never had gemcitabine", {"prior_gemcitabine": False}),
    ("no immunotherapy", {"prior_checkpoint_inhibitor": False}),
    ("I haven't had doxorubicin", {"prior_anthracycline": False}),
    ("never had chemo", {"prior_anthracycline": False, "prior_gemcitabine": False}),
    (
        "I had chemo but never gemcitabine",
        {"prior_systemic_therapy": True, "prior_gemcitabine": False},
    ),
    (
        "I had doxorubicin, not gemcitabine",
        {"prior_anthracycline": True, "prior_systemic_therapy": True, "prior_gemcitabine": False},
    ),
    (
        "She had Keytruda for a year",
        {"prior_checkpoint_inhibitor": True, "prior_systemic_therapy": True},
    ),
    ("I got cadonilimab", {"prior_checkpoint_inhibitor": True, "prior_systemic_therapy": True}),
    ("I received 6 cycles of AIM", {"prior_anthracycline": True, "prior_systemic_therapy": True}),
    ("I had immunotherapy", {"prior_systemic_therapy": True}),
    ("I had pazopanib", {"prior_systemic_therapy": True}),
    ("I was born in 1980 and have myxofibrosarcoma", {"age": 46, "diagnosis": "myxofibrosarcoma"}),
    ("a 52 year old woman with UPS", {"age": 52, "diagnosis": "ups"}),
    ("he is twelve and has osteosarcoma", {"age": 12, "diagnosis": "osteosarcoma"}),
    ("aged 52", {"age": 52}),
    ("my son is 18 months old", {"age": 1}),
    (
        "我52岁，平滑肌肉瘤，肺转移，用过阿霉素",
        {
            "age": 52,
            "diagnosis": "leiomyosarcoma",
            "lung_metastases": True,
            "metastatic": True,
            "prior_anthracycline": True,
            "prior_systemic_therapy": True,
        },
    ),
    ("没有用过吉西他滨", {"prior_gemcitabine": False}),
    ("it's not osteosarcoma, it's Ewing", {"diagnosis": "other"}),
    (
        "I never had chemo and it spread to the lungs",
        {
            "prior_anthracycline": False,
            "prior_gemcitabine": False,
            "lung_metastases": True,
            "metastatic": True,
        },
    ),
    (
        "She is 9. Osteosarcoma, spread to lungs, can they be removed?",
        {"age": 9, "diagnosis": "osteosarcoma", "lung_metastases": True, "metastatic": True},
    ),
    (
        "He had MAP chemo and then surgery. Now it has spread to both lungs",
        {
            "prior_anthracycline": True,
            "prior_systemic_therapy": True,
            "lung_metastases": True,
            "metastatic": True,
        },
    ),
    ("doxorubicin didn't work", {"prior_anthracycline": True, "prior_systemic_therapy": True}),
    ("O药和K药都用过", {"prior_checkpoint_inhibitor": True, "prior_systemic_therapy": True}),
    ("K药没用过", {"prior_checkpoint_inhibitor": False}),
    (
        "I had doxorubicin, didn't have gemcitabine",
        {"prior_anthracycline": True, "prior_systemic_therapy": True, "prior_gemcitabine": False},
    ),
    ("age: 34", {"age": 34}),
    ("I am a 34 year old male with UPS", {"age": 34, "diagnosis": "ups"}),
    ("我今年12岁，骨肉瘤", {"age": 12, "diagnosis": "osteosarcoma"}),
    ("他10岁时确诊骨肉瘤，现在12岁", {"age": 12, "diagnosis": "osteosarcoma"}),
    ("I have leiomyosarcoma and can't work", {"diagnosis": "leiomyosarcoma"}),
    ("I have LMS, what trials are there?", {"diagnosis": "leiomyosarcoma"}),
    (
        "The tumor is unresectable and metastatic",
        {"unresectable": "not_removable", "metastatic": True},
    ),
]


@pytest.mark.parametrize(("text", "expected"), EXTRACTS)
def test_extract_facts(text, expected):
    assert extract_facts(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "52",
        "I have 52 reasons",
        "hello",
        "",
        "I'm one of the patients",
        "I am 3 weeks post surgery",
        "he was 10 years old when diagnosed",
        "I was diagnosed at age 40",
        "I'm 45 and my son is 12",
        "I'm not sure if it has spread",
        "it hasn't spread",
        "no mets",
        "my doctor suggested doxorubicin",
        "Is there a trial for people who had Keytruda?",
        "the doctors think it might be leiomyosarcoma",
        "I had a leiomyoma removed",
        "ups and downs",
        "I will start gemcitabine next week",
        "I'd like to know about Keytruda",
        "leiomyosarcoma or maybe liposarcoma",
        "I don't know if I had doxorubicin",
        "I'm 3 years cancer free",
        "I'm 5 years out from surgery",
        "I was 52 when diagnosed",
        "she has ups",
        "I want Keytruda",
        "I can't have doxorubicin because of my heart",
        "it will spread",
        "What is gemcitabine?",
        "Can I join if I had doxorubicin",
        "I'm -5",
    ],
)
def test_extract_facts_never_guesses(text):
    """Bare numbers, past ages, hedges, plans and questions state nothing."""
    facts = extract_facts(text, TODAY)
    assert "age" not in facts
    assert not {k: v for k, v in facts.items() if v is True or isinstance(v, str)}


def test_extract_facts_uses_only_catalog_names_and_valid_values():
    names = {fact["name"] for fact in FACTS}
    choices = {fact["name"]: {v["value"] for v in fact.get("values") or []} for fact in FACTS}
    for text, _ in EXTRACTS:
        for name, value in extract_facts(text, TODAY).items():
            assert name in names
            if choices[name]:
                assert value in choices[name]
