"""Drug classes named in an answer (bot/parsing/drugs.py)."""

from __future__ import annotations

import pytest

from bot.catalog import load_catalog
from bot.dialogue import read_value
from bot.parsing import (
    parse_drug_classes,
)
from bot.values import UNKNOWN

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


@pytest.mark.parametrize("text, expected", [
    ("I had pazopanib", False),  # a targeted drug is not a PD-1, PD-L1 or CTLA-4 antibody
    ("yes, gemcitabine and docetaxel", False),
    ("用过安罗替尼", False),
    ("I had pazopanib and then Keytruda", True),
    ("yes, pazopanib, and some immunotherapy", UNKNOWN),  # immunotherapy of unknown target
    ("yes", True),
])
def test_naming_only_another_kind_of_drug_is_not_a_checkpoint_yes(text, expected):
    """Found in review: "I had pazopanib" read as a yes, so NCT06114173 said not a match."""
    fact = load_catalog()["prior_checkpoint_inhibitor"]
    assert read_value(fact, text, {})[0] == expected
