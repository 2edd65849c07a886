"""Chinese answers (issue 13): one table across every parser, then multi-fact messages.

Each row is (fact, typed answer, expected value): the fact's own parser reads it, as the
dialogue does. Covers Simplified and Traditional characters, full-width digits, Chinese
numerals, negation (没用过阿霉素), hedges (不清楚), 虚岁 and the Chinese button labels.
"""

from __future__ import annotations

import pytest

from bot import i18n
from bot.catalog import load_catalog
from bot.parsing import PARSERS, extract_facts, parse_drug_classes
from bot.values import UNKNOWN as U
from tests.parsing.helpers import TODAY

CATALOG = load_catalog()

YES_NO = [
    ("prior_systemic_therapy", text, value)
    for text, value in [
        ("是", True), ("是的", True), ("对", True), ("对的", True), ("有", True), ("有的", True),
        ("用过", True), ("有过", True), ("做过", True), ("嗯", True), ("是啊", True),
        ("当然", True), ("没错", True), ("打过", True), ("我有", True), ("用了", True),
        ("没有", False), ("没", False), ("从来没有", False), ("不是", False), ("不", False),
        ("否", False), ("无", False), ("没用过", False), ("从来没用过", False),
        ("我没有", False), ("没有，从来没有", False), ("没有用过", False), ("从未", False),
        ("并没有", False), ("一次也没有", False), ("不对", False),
        ("不知道", U), ("不清楚", U), ("记不清", U), ("记不清了", U), ("说不准", U),
        ("不太清楚", U), ("不确定", U), ("忘了", U), ("可能有", U), ("好像有", U),
        ("没有，不太确定", U), ("不是很清楚", U), ("没注意", U), ("不好说", U), ("不想说", U),
        # Traditional characters
        ("沒有", False), ("從來沒有", False), ("沒用過", False), ("是的，有過", True),
        ("不記得", U), ("說不準", U), ("對", True), ("記不清楚", U),
        # full width and punctuation
        ("是的。", True), ("没有！", False), ("有，用过。", True), ("有2次", True),
        ("木有", False), ("应该没有", U), ("没有吧，应该是", U),
    ]
]

ANTHRACYCLINE = [
    ("prior_anthracycline", "用过阿霉素", True),
    ("prior_anthracycline", "没用过阿霉素", False),
    ("prior_anthracycline", "没有用过多柔比星", False),
    ("prior_anthracycline", "用过表柔比星", True),
    ("prior_anthracycline", "沒用過阿黴素", False),
    ("prior_anthracycline", "打过六个疗程的阿霉素", True),
    ("prior_gemcitabine", "没用过吉西他滨", False),
    ("prior_gemcitabine", "用过健择", True),
    ("heart_condition", "没有", False),
    ("hiv", "沒有", False),
    ("amputation", "截肢了", True),
    ("pregnant_or_breastfeeding", "我是男的", None),
    ("antibody_allergy", "我对青霉素过敏", None),
    ("hiv", "应该用过", U),
    ("hiv", "好像没有", U),
    ("amputation", "没有截肢", False),
    ("in_other_trial", "参加过", True),
    ("in_other_trial", "没参加过", False),
    ("current_cancer_treatment", "正在化疗", True),
    ("current_cancer_treatment", "现在没有治疗", False),
    ("brain_metastases", "有脑转移", True),
    ("brain_metastases", "没有脑转移", False),
    ("pregnant_or_breastfeeding", "不是", False),
]

AGE = [
    ("age", text, value)
    for text, value in [
        ("52", 52), ("52岁", 52), ("五十二岁", 52), ("今年五十二", 52), ("今年五十二了", 52),
        ("我今年52岁了", 52), ("我五十二岁", 52), ("五十二", 52), ("七十四岁", 74),
        ("七十五岁", 75), ("十八岁", 18), ("十七岁", 17), ("今年十五岁了", 15),
        ("他今年十五", 15), ("孩子12岁", 12), ("我儿子十二岁", 12), ("女儿九岁", 9),
        ("两岁半", 2), ("18个月", 1), ("六个月", 0), ("52周岁", 52), ("周岁52", 52),
        ("实岁52", 52), ("一百零五岁", 105),
        # birth years and dates (today is 2026-11-25)
        ("1973年出生", 53), ("一九七三年出生", 53), ("73年生的", 53), ("我是1973年生的", 53),
        ("出生于1973年", 53), ("1973年5月出生", 53), ("１９７３年５月１０日出生", 53),
        ("2010年出生", 16), ("10年生的", 16), ("1973年12月出生", 52), ("我是七三年的", 53),
        ("我73年的", 53), ("一九七三年生", 53), ("二零一零年出生", 16), ("52岁，确诊时48岁", 52),
        # full width
        ("５２岁", 52), ("５２", 52), ("今年５２", 52),
        # Traditional
        ("我五十二歲", 52), ("今年五十二歲了", 52), ("1973年出生的", 53),
        # 虚岁: N-1, unless N-2 and N-1 fall either side of an age boundary (then unclear)
        ("虚岁53", 52), ("虚岁五十三岁", 52), ("53岁（虚岁）", 52), ("今年虚岁五十三", 52),
        ("今年虛歲五十三", 52), ("虚岁19", None), ("虚岁76", None), ("虚岁17", None),
        ("虚岁11", None), ("虚岁20", 19), ("虚岁15", 14),
        # hedged, approximate, past or unreadable
        ("不知道", U), ("大概五十", U), ("五十岁左右", U), ("五十多岁", None), ("50来岁", None),
        ("十岁时确诊", None), ("52岁的时候", None), ("很老了", None), ("52岁左右", U),
    ]
]

DIAGNOSIS = [
    ("diagnosis", text, value)
    for text, value in [
        ("平滑肌肉瘤", "leiomyosarcoma"), ("子宫平滑肌肉瘤", "leiomyosarcoma"),
        ("是平滑肌肉瘤", "leiomyosarcoma"), ("未分化多形性肉瘤（UPS）", "ups"),
        ("未分化多形性肉瘤", "ups"), ("恶性纤维组织细胞瘤", "ups"), ("惡性纖維組織細胞瘤", "ups"),
        ("黏液纤维肉瘤", "myxofibrosarcoma"), ("粘液纤维肉瘤", "myxofibrosarcoma"),
        ("黏液纖維肉瘤", "myxofibrosarcoma"), ("脂肪肉瘤", "liposarcoma"),
        ("去分化脂肪肉瘤", "liposarcoma"), ("骨肉瘤", "osteosarcoma"), ("成骨肉瘤", "osteosarcoma"),
        ("骨肉瘤，已经肺转移", "osteosarcoma"), ("其他类型", "other"), ("尤文肉瘤", "other"),
        ("尤文氏肉瘤", "other"), ("尤因肉瘤", "other"),
        ("我得的是平滑肌肉瘤", "leiomyosarcoma"), ("滑膜肉瘤", "other"), ("其他", "other"),
        ("不知道", U), ("不清楚", U), ("好像是骨肉瘤", U),
        ("平滑肌瘤", None), ("子宫肌瘤", None), ("不是平滑肌肉瘤", None),
        ("平滑肌肉瘤还是脂肪肉瘤", None),
    ]
]

LIPOSARCOMA = [
    ("liposarcoma_type", text, value)
    for text, value in [
        ("去分化脂肪肉瘤", "dedifferentiated"), ("去分化", "dedifferentiated"),
        ("去分化型", "dedifferentiated"), ("多形性脂肪肉瘤", "pleomorphic"),
        ("低分化脂肪肉瘤", "poorly_differentiated"), ("高分化脂肪肉瘤", "well_differentiated"),
        ("高分化", "well_differentiated"), ("黏液样脂肪肉瘤", "myxoid"), ("粘液样", "myxoid"),
        ("黏液樣脂肪肉瘤", "myxoid"), ("圆形细胞脂肪肉瘤（高级别黏液样）", "round_cell"),
        ("圆形细胞", "round_cell"), ("其他类型", "other"), ("不清楚", U),
    ]
]

RECURRENCE = [
    ("local_recurrence", text, value)
    for text, value in [
        ("没有", "no"), ("没有复发", "no"), ("沒有復發", "no"), ("未复发", "no"),
        ("复发过，已经再次手术切掉", "removed"), ("复发了，又做了手术切掉了", "removed"),
        ("复发了，现在还在", "present"), ("從來沒有復發", "no"),
        ("复发了还没切", "present"), ("复发了", None),
        ("是", None), ("不知道", U),
    ]
]

SURGERY = [
    (fact, text, value)
    for fact in ("unresectable", "lung_nodules_resectable")
    for text, value in [
        ("医生还没有谈过这件事", "not_discussed"), ("还没说", "not_discussed"),
        ("医生没说", "not_discussed"), ("还没讨论", "not_discussed"),
        ("可以切除", "removable"), ("医生说能切掉", "removable"), ("醫生說可以切除", "removable"),
        ("切不掉", "not_removable"), ("医生说切不干净", "not_removable"),
        ("不能手术", "not_removable"), ("没法手术", "not_removable"),
        ("不知道", U),
    ]
] + [
    ("unresectable", "医生说手术能全部切掉", "removable"),
    ("unresectable", "只能切一部分", "not_removable"),
    ("unresectable", "医生说不能完全切除", "not_removable"),
    ("unresectable", "医生说要先化疗再看能不能手术", "not_discussed"),
    ("unresectable", "医生说手术不能全部切掉", "not_removable"),
    ("lung_nodules_resectable", "医生说肺里的病灶能切掉", "removable"),
    ("lung_nodules_resectable", "医生说肺里的病灶切不掉", "not_removable"),
]

ECOG = [
    ("ecog", text, value)
    for text, value in [
        ("我能做生病前能做的所有事情，没有任何限制。", 0), ("完全正常", 0), ("和生病前一样", 0),
        ("不能做重体力活", 1), ("能做轻体力活", 1), ("不能工作了", 2),
        ("能照顾自己但不能工作", 2), ("一半以上时间卧床", 3), ("只能部分照顾自己", 3),
        ("整天卧床", 4), ("完全不能照顾自己", 4), ("ECOG 1分", 1), ("ECOG评分2", 2),
        ("体能状态1级", 1), ("1级", 1), ("2分", 2), ("ECOG ０", 0), ("KPS 80", 1),
        ("卡氏评分90分", 0), ("卡氏评分70", None), ("不清楚", U), ("零", 0), ("一", 1),
        ("ECOG 0-1", None), ("2级吧", 2), ("大部分时间躺着", 3),
        ("我完全不能照顾自己，整天躺在床上或坐在椅子上。", 4),
        ("能做生病前能做的所有事情，没有任何限制。", 0),
    ]
]

LANSKY = [
    ("lansky", text, value)
    for text, value in [
        ("完全活跃，玩耍和平时一样。", 100), ("只有剧烈玩耍（比如跑步、运动）稍受限制。", 90),
        ("活跃，但比以前更容易累。", 80), ("玩耍比平时少，玩的时候受到更多限制。", 70),
        ("能起床走动，但几乎不做活跃的游戏，只做安静的事。", 60), ("不玩耍，不下床。", 10),
        ("lansky 70", 70), ("70", 70), ("七十", 70), ("八十分", 80), ("百分之七十", 70),
        ("玩耍和平时一样", 100), ("更容易累", 80), ("大部分时间在床上", 40), ("不知道", U),
        ("Lansky评分60分", 60), ("差不多80", U), ("九十", 90),
    ]
]

CHECKPOINT = [
    ("prior_checkpoint_inhibitor", text, value)
    for text, value in [
        ("用过K药", True), ("打过PD-1", True), ("打过pd1", True), ("用过信迪利单抗", True),
        ("打过卡瑞利珠单抗", True), ("用過帕博利珠單抗", True), ("达伯舒", True),
        ("用过特瑞普利单抗", True), ("用过卡度尼利单抗", True),
        ("没用过PD-1", False), ("没用过O药", False), ("K药没用过", False),
        ("用过干扰素", False), ("打过胸腺法新", False), ("没有", False), ("沒有", False),
        ("是", True), ("有", True), ("不知道", U), ("不清楚", U), ("用过免疫治疗", U),
    ]
]

RECENT = [
    ("recent_cardiovascular_event", "3个月前心梗", True),
    ("recent_cardiovascular_event", "两年前中风", False),
    ("recent_cardiovascular_event", "没有", False),
    ("recent_cardiovascular_event", "有，上个月", True),
    ("recent_live_vaccine", "上周打过疫苗", True),
    ("recent_live_vaccine", "两周前打了流感疫苗针", False),
    ("recent_serious_infection", "三天前感冒", False),
    ("recent_serious_infection", "不记得", U),
    ("recent_steroids_or_immunosuppressants", "昨天吃了泼尼松", True),
    ("recent_steroids_or_immunosuppressants", "沒有", False),
    ("recent_steroids_or_immunosuppressants", "最近在吃泼尼松", True),
    ("recent_steroids_or_immunosuppressants", "上个月吃过激素", False),
    ("recent_cardiovascular_event", "半年前心梗", U),
    ("recent_cardiovascular_event", "十年前心梗过", False),
    ("recent_major_surgery", "两个星期前做了手术", True),
    ("recent_major_surgery", "一年前做过手术", False),
    ("recent_live_vaccine", "打了新冠疫苗", False),
    ("recent_immunomodulator_or_tcm", "十天前吃过中成药", True),
    ("recent_immunomodulator_or_tcm", "兩週前打過胸腺肽", U),
]

TABLE = (
    YES_NO + ANTHRACYCLINE + AGE + DIAGNOSIS + LIPOSARCOMA + RECURRENCE + SURGERY + ECOG
    + LANSKY + CHECKPOINT + RECENT
)


#: The yes / no / not sure / prefer not to say buttons in Chinese (glossary reviewer note).
BUTTONS = [("是", True), ("否", False), ("不确定", U), ("不想回答", U)]


@pytest.mark.parametrize("label,value", BUTTONS)
def test_chinese_yes_no_buttons(label, value):
    assert PARSERS["yes_no"](CATALOG["hiv"], label, TODAY) == value


@pytest.mark.parametrize("parser", sorted(PARSERS))
@pytest.mark.parametrize("label", ["不确定", "不想回答", "不確定"])
def test_chinese_not_sure_buttons_read_as_unknown_by_every_parser(parser, label):
    fact = next(f for f in CATALOG if f.parser == parser)
    assert PARSERS[parser](fact, label, TODAY) == U


def test_the_table_is_large():
    assert len(TABLE) >= 200


@pytest.mark.parametrize("fact,text,expected", TABLE)
def test_chinese_answer(fact, text, expected):
    parse = PARSERS[CATALOG[fact].parser]
    assert parse(CATALOG[fact], text, TODAY) == expected


def _chinese_choices():
    for fact in i18n.load("bot/content/facts.yaml", "zh")["facts"]:
        for key in ("values", "proxy_values"):
            for entry in fact.get(key) or []:
                yield fact["name"], entry["label"], entry["value"]


@pytest.mark.parametrize("fact,label,value", list(_chinese_choices()))
def test_every_chinese_label_parses_to_its_value(fact, label, value):
    """A tap sends the label: each Chinese button must read as its own value."""
    assert PARSERS[CATALOG[fact].parser](CATALOG[fact], label, TODAY) == value


EXTRACTS = [
    (
        "我52岁，平滑肌肉瘤，已经肺转移，用过阿霉素",
        {"age": 52, "diagnosis": "leiomyosarcoma", "lung_metastases": True,
         "metastatic": True, "prior_anthracycline": True, "prior_systemic_therapy": True},
    ),
    (
        "我52歲，平滑肌肉瘤，已經肺轉移，用過阿黴素",
        {"age": 52, "diagnosis": "leiomyosarcoma", "lung_metastases": True,
         "metastatic": True, "prior_anthracycline": True, "prior_systemic_therapy": True},
    ),
    (
        "我儿子十四岁，骨肉瘤，转移到肺，没用过吉西他滨",
        {"age": 14, "diagnosis": "osteosarcoma", "lung_metastases": True, "metastatic": True,
         "prior_gemcitabine": False},
    ),
    (
        "今年五十二，是脂肪肉瘤，去分化型",
        {"age": 52, "diagnosis": "liposarcoma", "liposarcoma_type": "dedifferentiated"},
    ),
    ("没用过阿霉素，用过吉西他滨",
     {"prior_anthracycline": False, "prior_gemcitabine": True, "prior_systemic_therapy": True}),
    ("阿霉素没用过", {"prior_anthracycline": False}),
    ("不久前用过阿霉素", {"prior_anthracycline": True, "prior_systemic_therapy": True}),
    ("不是平滑肌肉瘤，是脂肪肉瘤", {"diagnosis": "liposarcoma"}),
    ("虚岁53，平滑肌肉瘤", {"age": 52, "diagnosis": "leiomyosarcoma"}),
    ("虚岁19，骨肉瘤", {"diagnosis": "osteosarcoma"}),
    ("1973年出生，骨肉瘤", {"age": 53, "diagnosis": "osteosarcoma"}),
    ("５２岁，黏液纤维肉瘤，不能手术",
     {"age": 52, "diagnosis": "myxofibrosarcoma", "unresectable": "not_removable"}),
    ("没有转移", {}),
    ("医生说可能是平滑肌肉瘤", {}),
    ("医生建议用K药", {}),
    ("用过K药，没效果", {"prior_checkpoint_inhibitor": True, "prior_systemic_therapy": True}),
    ("我今年52岁左右，骨肉瘤", {"diagnosis": "osteosarcoma"}),
    (
        "我女儿今年十岁，骨肉瘤，两肺都有转移，化疗做过，没用过吉西他滨",
        {"age": 10, "diagnosis": "osteosarcoma", "lung_metastases": True, "metastatic": True,
         "prior_systemic_therapy": True, "prior_gemcitabine": False},
    ),
    ("我想知道能不能用K药", {}),
    ("未分化多形性肉瘤；已经转移了。", {"diagnosis": "ups", "metastatic": True}),
    ("平滑肌肉瘤、肺转移", {"diagnosis": "leiomyosarcoma", "lung_metastases": True,
                         "metastatic": True}),
]


@pytest.mark.parametrize("text,expected", EXTRACTS)
def test_chinese_multi_fact_message(text, expected):
    assert extract_facts(text, TODAY) == expected


@pytest.mark.parametrize(
    "text,classes",
    [
        ("阿霉素", {"anthracycline", "chemotherapy"}),
        ("吉西他滨", {"gemcitabine", "chemotherapy"}),
        ("K药", {"pd1", "immunotherapy"}),
        ("帕博利珠單抗", {"pd1", "immunotherapy"}),
        ("伊匹木单抗", {"ctla4", "immunotherapy"}),
        ("度伐利尤单抗", {"pdl1", "immunotherapy"}),
    ],
)
def test_chinese_drug_names(text, classes):
    assert parse_drug_classes(text) == classes
