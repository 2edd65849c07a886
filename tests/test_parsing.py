"""Reading free-text answers: every parser, with phrasings that must and must not match."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot import parsing
from bot.catalog import load_catalog
from bot.parsing import (
    extract_facts,
    parse_age,
    parse_diagnosis,
    parse_drug_classes,
    parse_ecog,
    parse_lansky,
    parse_liposarcoma_type,
    parse_local_recurrence,
    parse_number,
    parse_yes_no,
)
from bot.values import UNKNOWN

TODAY = date(2026, 11, 25)
FACTS = yaml.safe_load(
    (Path(__file__).parent.parent / "bot" / "content" / "facts.yaml").read_text(encoding="utf-8")
)["facts"]


def labels(parser: str, key: str = "values") -> list[tuple[str, object]]:
    """(button label, value) for every choice fact read by a parser."""
    return [
        (entry["label"], entry["value"])
        for fact in FACTS
        if fact["parser"] == parser
        for entry in fact.get(key) or []
    ]


# --- yes / no ---------------------------------------------------------------------------------

YES = [
    "yes",
    "Yes",
    "YES!!!",
    "yes.",
    "yeah",
    "yep",
    "yup",
    "y",
    "Y",
    "sure",
    "correct",
    "ok",
    "okay",
    "of course",
    "i have",
    "I did",
    "he has",
    "she did",
    "yes he has",
    "Yes, I have",
    "I've had it",
    "i think so",
    "yess",
    "yesss",
    "yeahh",
    "<b>yes</b>",
    "👍",
    "是",
    "是的",
    "有",
    "对",
    "用过",
]
NO = [
    "no",
    "No",
    "nope",
    "nah",
    "n",
    "never",
    "not at all",
    "I haven't",
    "she hasn't",
    "none",
    "no, never",
    "No I haven't",
    "he did not",
    "I have never had it",
    "i have not",
    "I don't think so",
    "not really",
    "noo",
    "nooo",
    "absolutely not",
    "does not apply",
    "不是",
    "没有",
    "否",
    "无",
    "没有用过",
]
DONT_KNOW = [
    "not sure",
    "Not sure",
    "I'm not sure",
    "dunno",
    "idk",
    "I don't know",
    "i dont know",
    "no idea",
    "can't remember",
    "maybe",
    "prefer not to say",
    "Prefer not to say",
    "rather not say",
    "I'd rather not say",
    "skip",
    "unsure",
    "no, not sure",
    "不知道",
    "不清楚",
    "不确定",
]
UNCLEAR = ["yes and no", "hello", "banana", "what do you mean", "", "   ", "🙂", "42"]


@pytest.mark.parametrize("text", YES)
def test_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", NO)
def test_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", DONT_KNOW)
def test_dont_know_is_unknown_never_no(text):
    assert parse_yes_no(text) == UNKNOWN


@pytest.mark.parametrize("text", UNCLEAR)
def test_yes_no_unclear_is_none(text):
    assert parse_yes_no(text) is None


# --- numbers and age --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45", 45),
        ("forty-five", 45),
        ("forty five", 45),
        ("six and a half", 6.5),
        ("twelve", 12),
        ("one hundred and five", 105),
        ("a hundred", 100),
        ("6.5 years", 6.5),
        ("twenty one", 21),
        ("zero", 0),
        ("四十五", 45),
        ("十二", 12),
        ("nothing here", None),
        ("", None),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


AGES = [
    ("45", 45),
    ("I'm 45", 45),
    ("i am 45", 45),
    ("45 years old", 45),
    ("45 years", 45),
    ("forty-five", 45),
    ("forty five", 45),
    ("he is twelve", 12),
    ("she's 14", 14),
    ("12 yo", 12),
    ("12yo", 12),
    ("a 52-year-old", 52),
    ("my son is 12", 12),
    ("born in 1980", 46),
    ("born 1980", 46),
    ("I was born in 2010", 16),
    ("born 3 March 1980", 46),
    ("born 30 December 1980", 45),
    ("1980-03-03", 46),
    ("1980-12-30", 45),
    ("DOB 25/12/1980", 45),
    ("born March 3rd, 1980", 46),
    ("born in March 1980", 46),
    ("born in November 1980", 45),
    ("1980年3月3日出生", 46),
    ("18 months", 1),
    ("6 months old", 0),
    ("six and a half", 6),
    ("about 60", 60),
    ("45岁", 45),
    ("四十五岁", 45),
    ("我今年45岁", 45),
    ("zero", 0),
    ("120", 120),
    ("I was diagnosed at 40, now I'm 45", 45),
]


@pytest.mark.parametrize(("text", "expected"), AGES)
def test_parse_age(text, expected):
    assert parse_age(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1980",
        "150",
        "121",
        "-5",
        "hello",
        "",
        "45 or 46",
        "he was 10 when diagnosed",
        "in my forties",
        "3 cycles and 2 scans",
        "born 2030",
    ],
)
def test_parse_age_rejects(text):
    assert parse_age(text, TODAY) is None


@pytest.mark.parametrize("text", ["not sure", "I don't know", "prefer not to say"])
def test_parse_age_unknown(text):
    assert parse_age(text, TODAY) == UNKNOWN


def test_parse_age_defaults_to_today():
    assert parse_age("born in 1990") == date.today().year - 1990


# --- diagnosis --------------------------------------------------------------------------------

DIAGNOSES = [
    ("UPS", "ups"),
    ("ups", "ups"),
    ("I have UPS", "ups"),
    ("MFH", "ups"),
    ("malignant fibrous histiocytoma", "ups"),
    ("pleomorphic sarcoma", "ups"),
    ("undifferentiated pleomorphic sarcoma", "ups"),
    ("undiffrentiated pleomorphic sarcoma", "ups"),
    ("undifferenciated pleomorphic sarcoma", "ups"),
    ("malignant fibrous histocytoma", "ups"),
    ("pleomorphic sarcome", "ups"),
    ("未分化多形性肉瘤", "ups"),
    ("恶性纤维组织细胞瘤", "ups"),
    ("myxoid MFH", "myxofibrosarcoma"),
    ("myxoid malignant fibrous histiocytoma", "myxofibrosarcoma"),
    ("myxofibrosarcoma", "myxofibrosarcoma"),
    ("myxo-fibrosarcoma", "myxofibrosarcoma"),
    ("mixofibrosarcoma", "myxofibrosarcoma"),
    ("myxofibrosacroma", "myxofibrosarcoma"),
    ("mucinous fibrosarcoma", "myxofibrosarcoma"),
    ("myxoid fibrosarcoma", "myxofibrosarcoma"),
    ("MFS", "myxofibrosarcoma"),
    ("黏液纤维肉瘤", "myxofibrosarcoma"),
    ("黏液型恶性纤维组织细胞瘤", "myxofibrosarcoma"),
    ("leiomyosarcoma", "leiomyosarcoma"),
    ("LMS", "leiomyosarcoma"),
    ("uterine leiomyosarcoma", "leiomyosarcoma"),
    ("smooth muscle sarcoma", "leiomyosarcoma"),
    ("leiomysarcoma", "leiomyosarcoma"),
    ("leomyosarcoma", "leiomyosarcoma"),
    ("lieomyosarcoma", "leiomyosarcoma"),
    ("平滑肌肉瘤", "leiomyosarcoma"),
    ("liposarcoma", "liposarcoma"),
    ("well differentiated liposarcoma", "liposarcoma"),
    ("dedifferentiated liposarcoma", "liposarcoma"),
    ("DDLPS", "liposarcoma"),
    ("liposacroma", "liposarcoma"),
    ("lipsarcoma", "liposarcoma"),
    ("脂肪肉瘤", "liposarcoma"),
    ("atypical lipomatous tumour", "liposarcoma"),
    ("osteosarcoma", "osteosarcoma"),
    ("osteogenic sarcoma", "osteosarcoma"),
    ("osteosarkoma", "osteosarcoma"),
    ("osterosarcoma", "osteosarcoma"),
    ("ostesarcoma", "osteosarcoma"),
    ("OS", "osteosarcoma"),
    ("osteosarcoma of the femur", "osteosarcoma"),
    ("骨肉瘤", "osteosarcoma"),
    ("成骨肉瘤", "osteosarcoma"),
    ("Ewing sarcoma", "other"),
    ("rhabdomyosarcoma", "other"),
    ("synovial sarcoma", "other"),
    ("chondrosarcoma", "other"),
    ("GIST", "other"),
    ("angiosarcoma", "other"),
    ("fibrosarcoma", "other"),
    ("软骨肉瘤", "other"),
    ("滑膜肉瘤", "other"),
    ("other", "other"),
    ("something else", "other"),
    ("it's not osteosarcoma, it's Ewing", "other"),
]


@pytest.mark.parametrize(("text", "expected"), DIAGNOSES)
def test_parse_diagnosis(text, expected):
    assert parse_diagnosis(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "leiomyoma",
        "I had a leiomyoma",
        "uterine fibroids",
        "lipoma",
        "osteoma",
        "sarcoma",
        "bone cancer",
        "ups and downs",
        "hello",
        "",
        "leiomyosarcoma or liposarcoma",
        "it's not leiomyosarcoma",
        "平滑肌瘤",
    ],
)
def test_parse_diagnosis_does_not_guess(text):
    assert parse_diagnosis(text, TODAY) is None


@pytest.mark.parametrize("text", ["I don't know", "not sure", "they haven't told me"])
def test_parse_diagnosis_unknown(text):
    assert parse_diagnosis(text, TODAY) == UNKNOWN


@pytest.mark.parametrize(("label", "value"), labels("diagnosis"))
def test_diagnosis_buttons_round_trip(label, value):
    assert parse_diagnosis(label, TODAY) == value


LIPOSARCOMA_TYPES = [
    ("dedifferentiated", "dedifferentiated"),
    ("de-differentiated", "dedifferentiated"),
    ("dedifferenciated", "dedifferentiated"),
    ("DDLPS", "dedifferentiated"),
    ("dedifferentiated liposarcoma", "dedifferentiated"),
    ("去分化", "dedifferentiated"),
    ("pleomorphic liposarcoma", "pleomorphic"),
    ("poorly differentiated", "poorly_differentiated"),
    ("well differentiated liposarcoma", "well_differentiated"),
    ("well-differentiated", "well_differentiated"),
    ("ALT", "well_differentiated"),
    ("atypical lipomatous tumor", "well_differentiated"),
    ("WDLPS", "well_differentiated"),
    ("高分化", "well_differentiated"),
    ("myxoid", "myxoid"),
    ("round cell", "round_cell"),
    ("myxoid liposarcoma", "myxoid"),
    ("黏液样脂肪肉瘤", "myxoid"),
    ("other", "other"),
]


@pytest.mark.parametrize(("text", "expected"), LIPOSARCOMA_TYPES)
def test_parse_liposarcoma_type(text, expected):
    assert parse_liposarcoma_type(text, TODAY) == expected


@pytest.mark.parametrize(("label", "value"), labels("liposarcoma_type"))
def test_liposarcoma_type_buttons_round_trip(label, value):
    assert parse_liposarcoma_type(label, TODAY) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("well differentiated with dedifferentiated areas", None),
        ("hello", None),
        ("not sure", UNKNOWN),
        ("the report doesn't say, I don't know", UNKNOWN),
    ],
)
def test_parse_liposarcoma_type_unclear(text, expected):
    assert parse_liposarcoma_type(text, TODAY) == expected


# --- local recurrence -------------------------------------------------------------------------

RECURRENCES = [
    ("no", "no"),
    ("nope", "no"),
    ("it hasn't come back", "no"),
    ("no recurrence", "no"),
    ("No, it has not come back", "no"),
    ("没有复发", "no"),
    ("yes but it was removed", "removed"),
    ("they operated again", "removed"),
    ("it came back and was removed", "removed"),
    ("yes, had surgery again", "removed"),
    ("复发了，已经切除", "removed"),
    ("yes", None),  # removed again or there now? asked (issue 11)
    ("it is back", "present"),
    ("it came back", None),
    ("yes, it's still there", "present"),
    ("it's back, waiting for surgery", "present"),
    ("it came back and couldn't be removed", "present"),
    ("复发了", None),
    ("not sure", UNKNOWN),
    ("I don't know", UNKNOWN),
    ("hello", None),
    ("it was removed but it's there now", None),
]


@pytest.mark.parametrize(("text", "expected"), RECURRENCES)
def test_parse_local_recurrence(text, expected):
    assert parse_local_recurrence(text, TODAY) == expected


@pytest.mark.parametrize(("label", "value"), labels("local_recurrence"))
def test_local_recurrence_buttons_round_trip(label, value):
    assert parse_local_recurrence(label, TODAY) == value


# --- performance status -----------------------------------------------------------------------


@pytest.mark.parametrize(("label", "value"), labels("ecog") + labels("ecog", "proxy_values"))
def test_ecog_buttons_round_trip(label, value):
    assert parse_ecog(label, TODAY) == value


@pytest.mark.parametrize(("label", "value"), labels("ecog") + labels("ecog", "proxy_values"))
def test_ecog_descriptions_without_the_label_lookup(label, value, monkeypatch):
    """The phrases alone understand every option, so reworded labels still parse."""
    monkeypatch.setattr(parsing.scales, "label_value", lambda parser, t: None)
    assert parse_ecog(label, TODAY) == value


ECOG = [
    ("ECOG 1", 1),
    ("ecog is 2", 2),
    ("my ECOG score is 0", 0),
    ("ECOG PS: 3", 3),
    ("ecog two", 2),
    ("fully active", 0),
    ("no limits", 0),
    ("I have no limitations", 0),
    ("can do light work", 1),
    ("office work only", 1),
    ("can take care of myself but can't work", 2),
    ("I can't work", 2),
    ("in bed most of the day", 3),
    ("bedridden", 4),
    ("in bed all day", 4),
    ("0", 0),
    ("2", 2),
    ("it's 3", 3),
    ("4", 4),
    ("two", 2),
    ("KPS 80", 1),
    ("karnofsky 100", 0),
    ("Karnofsky score of 60", None),  # ECOG 2 or 3 (issue 11)
    ("KPS 30", 3),
    ("KPS 10", 4),
    ("卧床不起", 4),
    ("ECOG评分1分", 1),
    ("not sure", UNKNOWN),
    ("I don't know", UNKNOWN),
    ("ECOG 0-1", None),
    ("ecog 5", None),
    ("7", None),
    ("KPS 85", None),
    ("hello", None),
    ("I'm not fully active", None),
    ("not in bed most of the day", None),
]


@pytest.mark.parametrize(("text", "expected"), ECOG)
def test_parse_ecog(text, expected):
    assert parse_ecog(text, TODAY) == expected


@pytest.mark.parametrize(("label", "value"), labels("lansky"))
def test_lansky_buttons_round_trip(label, value):
    assert parse_lansky(label, TODAY) == value


@pytest.mark.parametrize(("label", "value"), labels("lansky"))
def test_lansky_descriptions_without_the_label_lookup(label, value, monkeypatch):
    monkeypatch.setattr(parsing.scales, "label_value", lambda parser, t: None)
    assert parse_lansky(label, TODAY) == value


LANSKY = [
    ("lansky 70", 70),
    ("Lansky score of 80", 80),
    ("lansky: 100", 100),
    ("70", 70),
    ("70%", 70),
    ("seventy", 70),
    ("10", 10),
    ("plays normally", 100),
    ("tires more quickly", 80),
    ("he gets tired faster than before", 80),
    ("plays less than usual", 70),
    ("mostly in bed", 40),
    ("sleeps a lot", 20),
    ("doesn't play", 10),
    ("not sure", UNKNOWN),
    ("75", None),
    ("110", None),
    ("0", None),
    ("lansky 60-70", None),
    ("does not play normally", None),
    ("hello", None),
]


@pytest.mark.parametrize(("text", "expected"), LANSKY)
def test_parse_lansky(text, expected):
    assert parse_lansky(text, TODAY) == expected


# --- drugs ------------------------------------------------------------------------------------

ANTHRACYCLINE = {"anthracycline", "chemotherapy"}
GEMCITABINE = {"gemcitabine", "chemotherapy"}
PD1, PDL1, CTLA4 = {"pd1", "immunotherapy"}, {"pdl1", "immunotherapy"}, {"ctla4", "immunotherapy"}

DRUGS = [
    *[
        (name, ANTHRACYCLINE)
        for name in (
            "doxorubicin",
            "Adriamycin",
            "the red devil",
            "the red chemo",
            "阿霉素",
            "多柔比星",
            "epirubicin",
            "表柔比星",
            "daunorubicin",
            "idarubicin",
            "pirarubicin",
            "Doxil",
            "Caelyx",
            "liposomal doxorubicin",
            "doxorubicn",
            "adriamicin",
            "MAP",
            "AIM",
            "AI",
            "MAID",
            "AD",
            "map",
            "doxorubicin and ifosfamide",
            "I had AIM chemo",
        )
    ],
    *[
        (name, GEMCITABINE)
        for name in (
            "gemcitabine",
            "Gemzar",
            "吉西他滨",
            "健择",
            "gemcitibine",
            "GT",
            "gem-tax",
            "gemcitabine and docetaxel",
        )
    ],
    *[
        (name, PD1)
        for name in (
            "pembrolizumab",
            "Keytruda",
            "K药",
            "可瑞达",
            "帕博利珠单抗",
            "nivolumab",
            "Opdivo",
            "O药",
            "toripalimab",
            "拓益",
            "sintilimab",
            "达伯舒",
            "camrelizumab",
            "艾瑞卡",
            "tislelizumab",
            "百泽安",
            "penpulimab",
            "serplulimab",
            "PD-1",
            "a pd1 inhibitor",
            "MK-3475",
            "pembrolizamab",
            "keytrudaa",
        )
    ],
    *[
        (name, PDL1)
        for name in (
            "atezolizumab",
            "Tecentriq",
            "durvalumab",
            "Imfinzi",
            "avelumab",
            "envafolimab",
            "恩沃利单抗",
            "PD-L1",
            "anti-PD-L1",
        )
    ],
    *[(name, CTLA4) for name in ("ipilimumab", "Yervoy", "伊匹木单抗", "tremelimumab", "CTLA-4")],
    ("cadonilimab", {"bispecific", "pd1", "ctla4", "immunotherapy"}),
    ("AK104", {"bispecific", "pd1", "ctla4", "immunotherapy"}),
    ("开坦尼", {"bispecific", "pd1", "ctla4", "immunotherapy"}),
    ("cardunilizumab", {"bispecific", "pd1", "ctla4", "immunotherapy"}),
    ("ivonescimab", {"bispecific", "pd1", "immunotherapy"}),
    ("KN046", {"bispecific", "pdl1", "ctla4", "immunotherapy"}),
    ("urelumab", {"other_checkpoint", "immunotherapy"}),
    ("an OX40 agonist", {"other_checkpoint", "immunotherapy"}),
    ("CD137", {"other_checkpoint", "immunotherapy"}),
    ("nivolumab and ipilimumab", {"pd1", "ctla4", "immunotherapy"}),
    ("doxorubicin then gemcitabine", ANTHRACYCLINE | GEMCITABINE),
    ("chemo", {"chemotherapy"}),
    ("chemotherapy", {"chemotherapy"}),
    ("化疗", {"chemotherapy"}),
    ("ifosfamide", {"chemotherapy"}),
    ("decitabine", {"chemotherapy"}),
    ("immunotherapy", {"immunotherapy"}),
    ("免疫治疗", {"immunotherapy"}),
]


@pytest.mark.parametrize(("text", "expected"), DRUGS)
def test_parse_drug_classes(text, expected):
    assert parse_drug_classes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "",
        "ai is the future",
        "ups and downs",
        "denosumab",
        "pazopanib",
        "radiotherapy",
        "<script>doxorubicin</script>",
    ],
)
def test_parse_drug_classes_nothing(text):
    assert parse_drug_classes(text) == set()


# --- several facts from one message -----------------------------------------------------------

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
        {"diagnosis": "liposarcoma", "liposarcoma_type": "dedifferentiated",
         "unresectable": "not_removable"},
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
    ("The tumor is unresectable and metastatic",
     {"unresectable": "not_removable", "metastatic": True}),
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


# --- robustness -------------------------------------------------------------------------------

PARSERS = [
    parse_yes_no,
    parse_age,
    parse_diagnosis,
    parse_liposarcoma_type,
    parse_local_recurrence,
    parse_ecog,
    parse_lansky,
]
GARBAGE = [
    "",
    "   ",
    "\x00\x01\x1b[31m",
    "<script>alert(1)</script>",
    "😀😀😀",
    "a" * 10_000,
    "1" * 10_000,
    "0." * 5_000,
    "🙂" * 10_000,
    "&amp;&lt;&#0;",
    "\u202e\u200b",
    '/inform{"age": 500}',
    '/affirm{"diagnosis": "osteosarcoma", "consent": true}',
    "/affirm",
    '/{"consent": null, "liposarcoma_type": null}',
    '/affirm/x{"liposarcoma_type": null}',
    '/inform@0.9{"diagnosis": "osteosarcoma"}',
    "/affirm/x",
    "/ {\"diagnosis\": \"osteosarcoma\"}",
    "/",
    "'; DROP TABLE events; --",
    "你好" * 5_000,
    "<" * 10_000,
    "ak" * 5_000,
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_never_raises(text):
    for parse in PARSERS:
        assert parse(text, TODAY) is None
    assert extract_facts(text, TODAY) == {}
    assert parse_drug_classes(text) == set()
    assert parse_number(text) is None or parse_number(text) >= 0


def test_long_input_is_cut_not_refused():
    assert parse_yes_no("yes " * 2_500) is True
    assert parse_diagnosis("x " * 5_000 + "leiomyosarcoma") is None  # beyond the cut


@pytest.mark.parametrize("text", [None, 42, ["yes"]])
def test_non_strings_read_as_nothing(text):
    for parse in PARSERS:
        assert parse(text, TODAY) is None
    assert extract_facts(text, TODAY) == {}
    assert parse_drug_classes(text) == set()


def test_every_parser_named_in_facts_exists():
    for fact in load_catalog():
        assert callable(parsing.PARSERS[fact.parser])


def test_every_parser_in_the_table_reads_a_fact():
    catalog = load_catalog()
    for name, parse in parsing.PARSERS.items():
        fact = next(f for f in catalog if f.parser == name)
        assert parse(fact, "not sure", TODAY) == UNKNOWN, name


def test_vocabulary_rejects_yaml_booleans():
    with pytest.raises(ValueError, match="quoted string"):
        parsing.text._check_strings({"yes_no": {"no": ["nope", False]}})


MESSAGES = [text for text, _ in EXTRACTS] + YES + NO + [label for label, _ in labels("ecog")]


def test_deterministic():
    first = [extract_facts(text, TODAY) for text in MESSAGES]
    parsing.text._prepare.cache_clear()
    assert [extract_facts(text, TODAY) for text in MESSAGES] == first


def test_fast():
    for text in MESSAGES:  # warm up: vocabulary, regexes and spelling indexes are built once
        extract_facts(text, TODAY)
    start, calls = time.perf_counter(), 0
    for i, text in enumerate(MESSAGES):
        unique = f"{text} (message {i})"  # a new text each time: no cached preparation
        for parse in PARSERS:
            parse(unique, TODAY)
        extract_facts(unique, TODAY)
        parse_drug_classes(unique)
        calls += len(PARSERS) + 2
    assert (time.perf_counter() - start) / calls < 0.001
