"""Every patient-facing string in both languages, with the same placeholders and the same terms.

The checker (bot/i18n.py) compares each Chinese overlay with its English file; these tests run
it on every pair, prove that it catches a removed key or a changed placeholder, and hold the
Chinese text to the glossary (bot/content/zh/glossary.yaml) and to Chinese characters.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import i18n
from bot.catalog import load_catalog
from bot.trials import load_trial

GLOSSARY = yaml.safe_load((i18n.ROOT / "bot/content/zh/glossary.yaml").read_text("utf-8"))

#: Latin-letter words a Chinese string may keep: scale, test and drug-class names patients see
#: on their reports, the study's name and the record's own drug name (see the glossary notes).
ALLOWED_LATIN = frozenset({
    "ECOG", "KPS", "Lansky", "PD-1", "PD-L1", "CTLA-4", "UPS", "SBRT", "CT", "HIV", "LVEF", "CAR-T",
    "PROMIS", "K", "O", "Cardunilizumab",
})
_FREE = re.compile(r"\{[^}]*\}|https?://\S+|\S+@\S+|NCT\d{8}|\+?\d[\d\s-]{6,}\d")


def _aligned(pair: i18n.Pair) -> list[tuple[str, str, str]]:
    """(path, English, Chinese) for every string both files have."""
    english = dict(i18n.strings(yaml.safe_load((i18n.ROOT / pair.english).read_text("utf-8")),
                                pair))
    chinese_file = i18n.ROOT / pair.translated("zh")
    chinese = dict(i18n.strings(yaml.safe_load(chinese_file.read_text("utf-8")), pair))
    return [(key, english[key], chinese[key]) for key in english if key in chinese]


ALL_ALIGNED = [(pair.english, *row) for pair in i18n.PAIRS for row in _aligned(pair)]


@pytest.mark.parametrize("pair", i18n.PAIRS, ids=lambda pair: pair.english)
def test_every_string_has_a_translation_with_the_same_placeholders(pair: i18n.Pair) -> None:
    assert i18n.check(pair) == []


def test_the_pairs_cover_every_content_file() -> None:
    trials = sorted(p.name for p in (i18n.ROOT / "bot/content/trials").glob("*.yaml"))
    paired = sorted(Path(p.english).name for p in i18n.PAIRS if "/trials/" in p.english)
    assert trials == paired
    assert len(ALL_ALIGNED) > 400


def _copy_pair(pair: i18n.Pair, root: Path) -> Path:
    for name in (pair.english, pair.translated("zh")):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(i18n.ROOT / name, root / name)
    return root / pair.translated("zh")


@pytest.mark.parametrize("pair", i18n.PAIRS, ids=lambda pair: pair.english)
def test_the_checker_fails_when_a_key_is_removed(pair: i18n.Pair, tmp_path: Path) -> None:
    copy = _copy_pair(pair, tmp_path)
    data = yaml.safe_load(copy.read_text("utf-8"))
    removed = next(key for key in data if key not in pair.vocabulary)
    del data[removed]
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    problems = i18n.check(pair, root=tmp_path)
    assert problems and all("missing" in problem for problem in problems)
    assert any(f"missing {removed}" in problem for problem in problems)


def test_the_checker_fails_on_a_nested_key_a_placeholder_and_an_extra_key(
        tmp_path: Path) -> None:
    conversation, facts = i18n.PAIRS[0], i18n.PAIRS[1]
    copy = _copy_pair(conversation, tmp_path)
    data = yaml.safe_load(copy.read_text("utf-8"))
    data["closed_recruiting_out"] = "正在招募的研究似乎不适合。"  # {trials} dropped
    del data["verdict_words"]["unclear"]
    data["greting"] = "您好"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    problems = "\n".join(i18n.check(conversation, root=tmp_path))
    assert "closed_recruiting_out has placeholders []" in problems
    assert "missing verdict_words.unclear" in problems
    assert "extra greting" in problems
    copy = _copy_pair(facts, tmp_path)
    data = yaml.safe_load(copy.read_text("utf-8"))
    data["facts"][0]["values"].pop()
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert i18n.check(facts, root=tmp_path) == [
        "bot/content/zh/facts.yaml: missing facts[diagnosis].values[other].label"]


def test_a_missing_translation_file_is_reported(tmp_path: Path) -> None:
    pair = i18n.PAIRS[0]
    _copy_pair(pair, tmp_path).unlink()
    assert i18n.check(pair, root=tmp_path) == [f"{pair.translated('zh')}: missing file"]


# --- the glossary -----------------------------------------------------------------------------


def _entries() -> list[tuple[str, list[str], str]]:
    rows = [(value, entry["en"], entry["zh"]) for group in GLOSSARY["subtypes"].values()
            for value, entry in group.items()]
    for section in ("drugs", "terms"):
        rows += [(name, entry["en"], entry["zh"]) for name, entry in GLOSSARY[section].items()]
    return rows


def _names(text: str, words: list[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE)
               for word in words)


def test_each_sarcoma_type_choice_label_is_its_glossary_term() -> None:
    facts = {fact["name"]: fact for fact in
             i18n.load("bot/content/facts.yaml", "zh")["facts"]}
    for fact_name, terms in GLOSSARY["subtypes"].items():
        labels = {option["value"]: option["label"] for option in facts[fact_name]["values"]}
        for value, entry in terms.items():
            label = labels[value]
            assert label == entry["zh"] or label.startswith(entry["zh"] + "（"), (value, label)


@pytest.mark.parametrize("name,english_words,term", _entries(), ids=lambda v: str(v)[:30])
def test_wherever_english_names_a_term_the_chinese_uses_the_glossary_term(
        name: str, english_words: list[str], term: str) -> None:
    wrong = [(file, key) for file, key, english, chinese in ALL_ALIGNED
             if _names(english, english_words) and term not in chinese]
    assert wrong == [], f"{name}: not written {term}"


def test_every_glossary_drug_is_named_somewhere() -> None:
    unused = [name for name, entry in GLOSSARY["drugs"].items()
              if not any(entry["zh"] in chinese for *_, chinese in ALL_ALIGNED)]
    assert unused == []


def test_ecog_and_lansky_choices_are_the_glossary_wording() -> None:
    facts = {fact["name"]: fact for fact in
             i18n.load("bot/content/facts.yaml", "zh")["facts"]}
    ecog = GLOSSARY["scales"]["ecog"]["plain"]
    assert {o["value"]: o["label"] for o in facts["ecog"]["values"]} == ecog
    assert {o["value"]: o["label"] for o in facts["ecog"]["proxy_values"]} == {
        grade: text.removeprefix("我") for grade, text in ecog.items()}
    assert {o["value"]: o["label"] for o in facts["lansky"]["values"]} == (
        GLOSSARY["scales"]["lansky"]["plain"])


def test_reviewer_notes_are_a_list_of_sentences() -> None:
    notes = GLOSSARY["reviewer_notes"]
    assert isinstance(notes, list) and all(isinstance(note, str) and note for note in notes)


# --- Chinese only -----------------------------------------------------------------------------


@pytest.mark.parametrize("file,key,english,chinese", ALL_ALIGNED,
                         ids=[f"{row[0]}:{row[1]}" for row in ALL_ALIGNED])
def test_no_english_is_left_in_a_chinese_string(file: str, key: str, english: str,
                                                chinese: str) -> None:
    words = set(i18n.latin_words(_FREE.sub(" ", chinese))) - ALLOWED_LATIN
    assert words == set(), f"{file}: {key}"
    assert re.search(r"[\u4e00-\u9fff]", chinese), f"{file}: {key} has no Chinese"


def test_chinese_sentences_are_short() -> None:
    """Middle-school reading: short sentences. A list of names (4 or more 、) may run longer."""
    sentences = [part.strip() for *_, chinese in ALL_ALIGNED
                 for part in re.split(r"[。？！；]", chinese) if part.strip()]
    long = [s for s in sentences if len(s) > 55 and s.count("、") < 4]
    assert long == []
    assert sum(map(len, sentences)) / len(sentences) < 22


def test_no_free_treatment_or_new_drug_claims() -> None:
    banned = ("免费", "新药", "新疗法", "有效的药", "安全的药", "符合条件", "有资格")
    found = [(file, key) for file, key, _, chinese in ALL_ALIGNED
             if any(word in chinese for word in banned)]
    assert found == []


# --- the overlay ------------------------------------------------------------------------------


def _leaves(data: Any, path: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        return {k: v for key, value in data.items()
                for k, v in _leaves(value, f"{path}.{key}").items()}
    if isinstance(data, list):
        return {k: v for index, value in enumerate(data)
                for k, v in _leaves(value, f"{path}[{index}]").items()}
    return {path: data}


@pytest.mark.parametrize("pair", i18n.PAIRS, ids=lambda pair: pair.english)
def test_the_overlay_changes_only_translatable_strings(pair: i18n.Pair) -> None:
    english_data = i18n.load(pair.english)
    english, chinese = _leaves(english_data), _leaves(i18n.load(pair.english, "zh"))
    translatable = {text for _, text in i18n.strings(english_data, pair)}
    kept = {path: value for path, value in english.items() if value not in translatable}
    assert {path: chinese.get(path) for path in kept} == kept
    assert len(chinese) >= len(english)


def test_the_overlay_matches_choices_by_value() -> None:
    chinese = i18n.load("bot/content/facts.yaml", "zh")
    assert chinese["facts"][0]["values"][0] == {"value": "ups", "label": "未分化多形性肉瘤（UPS）"}


def test_the_chinese_catalog_and_trials_load(tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text(yaml.safe_dump(i18n.load("bot/content/facts.yaml", "zh"),
                                    allow_unicode=True), "utf-8")
    catalog = load_catalog(facts)
    assert catalog["age"].question("child", catalog.persons) == "孩子今年多大？"
    for pair in i18n.PAIRS:
        if "/trials/" in pair.english:
            trial = tmp_path / Path(pair.english).name
            trial.write_text(yaml.safe_dump(i18n.load(pair.english, "zh"), allow_unicode=True),
                             "utf-8")
            assert load_trial(trial, catalog).summary.startswith("这")


def test_vocabulary_is_added_to_the_english_words() -> None:
    conversation = i18n.load("bot/content/conversation.yaml", "zh")
    assert {"stop", "现在看结果"} <= set(conversation["closed_choice_words"]["stop"])
    assert {"yes", "确认删除"} <= set(conversation["delete_confirm_words"])
    assert "孩子" in conversation["audience_words"]["child"]
    assert "child" in conversation["audience_words"]["child"]


@pytest.mark.parametrize("kind,message", [
    ("self_harm", "我不想活了"), ("self_harm", "有时候想自杀"), ("self_harm", "我想結束自己的生命"),
    ("urgent", "我胸痛得厉害"), ("urgent", "喘不上气"), ("urgent", "伤口大出血"),
    ("urgent", "他昏迷了"), ("urgent", "化疗后发烧39度"), ("urgent", "呼吸困難"),
])
def test_chinese_safety_patterns_catch_urgent_messages(kind: str, message: str) -> None:
    patterns = i18n.load("bot/content/safety.yaml", "zh")[kind]
    english = yaml.safe_load((i18n.ROOT / "bot/content/safety.yaml").read_text("utf-8"))[kind]
    assert patterns[:len(english)] == english
    assert any(re.search(pattern, message, re.IGNORECASE) for pattern in patterns)


@pytest.mark.parametrize("message", [
    "我52岁，平滑肌肉瘤，已经肺转移，用过阿霉素", "不想回答", "不确定", "是的", "孩子14岁，骨肉瘤",
    "医生说肺里的病灶能切掉", "没有用过PD-1", "我想继续", "現在看結果",
])
def test_ordinary_chinese_answers_are_not_taken_for_an_emergency(message: str) -> None:
    safety = i18n.load("bot/content/safety.yaml", "zh")
    assert not any(re.search(p, message) for p in safety["urgent"] + safety["self_harm"])


def test_the_chinese_crisis_line_names_a_mainland_line() -> None:
    line = i18n.load("bot/content/safety.yaml", "zh")["crisis_line"]
    assert "12356" in line and "010-82951332" in line


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        i18n.load("bot/content/conversation.yaml", "fr")
    assert i18n.LANGUAGES == ("en", "zh")
