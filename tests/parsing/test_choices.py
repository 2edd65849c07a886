"""Choice facts (bot/parsing/choices.py): diagnosis, liposarcoma type, local recurrence."""

from __future__ import annotations

import pytest

from bot.parsing import (
    parse_diagnosis,
    parse_liposarcoma_type,
    parse_local_recurrence,
)
from bot.values import UNKNOWN
from tests.parsing.helpers import TODAY, labels

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
