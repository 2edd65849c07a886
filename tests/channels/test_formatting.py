"""Unit tests of the per-app formatting, splitting and reply-by-number logic (no servers)."""

from __future__ import annotations

import pytest

from bot.catalog import load_catalog
from bot.dialogue import ask_message, question_message, result_messages, text_message
from bot.values import UNKNOWN
from devkit.patients import PATIENT_B
from rasa_extensions.channels import formatting as f

YES_NO = [{"title": "Yes", "payload": "Yes"}, {"title": "No", "payload": "No"},
          {"title": "Not sure", "payload": "Not sure"}]


def ecog() -> dict:
    return question_message(load_catalog()["ecog"], "self")


def age() -> dict:
    return question_message(load_catalog()["age"], "child")


# --- splitting ---------------------------------------------------------------------------------


def test_short_text_is_one_part_and_empty_text_none():
    assert f.split_text("  hello  ", 10) == ["hello"]
    assert f.split_text("   ", 10) == []


def test_splitting_prefers_paragraphs_then_lines_then_sentences_then_words():
    paragraphs = "a" * 30 + "\n\n" + "b" * 30
    assert f.split_text(paragraphs, 40) == ["a" * 30, "b" * 30]
    lines = "first line here\nsecond line here\nthird"
    assert f.split_text(lines, 35) == ["first line here\nsecond line here", "third"]
    sentences = "One sentence here. Two sentence here. Three."
    assert f.split_text(sentences, 40) == ["One sentence here. Two sentence here.", "Three."]
    words = "alpha beta gamma delta epsilon"
    assert f.split_text(words, 12) == ["alpha beta", "gamma delta", "epsilon"]


def test_a_word_longer_than_the_limit_is_cut_and_nothing_is_lost():
    text = "x" * 25
    parts = f.split_text(text, 10)
    assert parts == ["x" * 10, "x" * 10, "x" * 5]


@pytest.mark.parametrize("limit", [50, 137, 1600])
def test_parts_respect_the_limit_and_keep_every_word(limit):
    text = "\n\n".join(
        " ".join(f"word{i}-{j}." if j % 7 == 6 else f"word{i}-{j}" for j in range(40))
        for i in range(12)
    )
    parts = f.split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert " ".join(parts).split() == text.split()


def test_sizes_are_measured_as_each_platform_counts():
    chinese = "临床试验" * 300  # 1200 characters, 3600 bytes
    parts = f.split_text(chinese, f.WECHAT_LIMIT, f.utf8_len)
    assert [f.utf8_len(p) for p in parts] == [2046, 1554]  # never half a character
    assert "".join(parts) == chinese
    assert f.utf16_len("😀") == 2 and f.utf8_len("é") == 2


# --- replies by number -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "number"), [
    ("2", 2), ("2.", 2), (" 2 ", 2), ("2)", 2), ("#2", 2), ("２", 2), ("2。", 2), ("12", 12),
    ("2 years", None), ("two", None), ("", None), ("1.5", None), ("123", None), ("-1", None),
])
def test_parse_choice(text, number):
    assert f.parse_choice(text) == number


def test_a_number_names_the_option_of_the_latest_question():
    latest = ("Has the cancer spread?", YES_NO)
    assert f.resolve_choice("2", latest) == "No"
    assert f.resolve_choice(" 3. ", latest) == "Not sure"
    assert f.resolve_choice("4", latest) is None  # no such option: the text goes as typed
    assert f.resolve_choice("0", latest) is None
    assert f.resolve_choice("yes", latest) is None
    assert f.resolve_choice("2", ("", [])) is None


def test_a_number_answering_an_age_question_stays_a_number():
    question = age()
    assert f.expects_number(question["text"])
    assert f.resolve_choice("1", (question["text"], question["buttons"])) is None


def test_change_answer_buttons_map_to_their_payloads():
    buttons = [{"title": "Age: 52", "payload": '/change_answer{"fact_to_change": "age"}'}]
    assert f.resolve_choice("1", ("Which answer?", buttons)) == buttons[0]["payload"]


def test_only_buttons_after_the_patients_latest_message_count():
    events = [("bot", "Q1", YES_NO), ("user", "", []), ("bot", "Thanks", [])]
    assert f.latest_buttons(events) == ("", [])
    events += [("bot", "Q2", YES_NO[:2]), ("bot", "a note", [])]
    assert f.latest_buttons(events) == ("Q2", YES_NO[:2])


# --- Telegram --------------------------------------------------------------------------------


def test_telegram_short_options_are_an_inline_keyboard_with_their_payloads():
    (body,) = f.telegram_messages([ask_message("consent", None)])
    assert body["text"] == "Do you agree to answer some health questions?"
    assert body["reply_markup"] == {"inline_keyboard": [[
        {"text": "Yes, I agree", "callback_data": "Yes, I agree"},
        {"text": "No, thank you", "callback_data": "No, thank you"},
    ]]}


def test_telegram_long_options_are_numbered_with_number_keys_and_hashed_payloads():
    message = ecog()
    (body,) = f.telegram_messages([message])
    first = "\n1. I can do everything I did before I got sick. I have no limits.\n2. "
    assert first in body["text"]
    assert f.wording()["number_hint"] in body["text"]
    keys = [k for row in body["reply_markup"]["inline_keyboard"] for k in row]
    assert [k["text"] for k in keys] == ["1", "2", "3", "4", "5", "6"]
    assert [len(row) for row in body["reply_markup"]["inline_keyboard"]] == [5, 1]
    for key, button in zip(keys, message["buttons"], strict=True):
        assert len(key["callback_data"].encode()) <= 64
        assert f.resolve_callback(key["callback_data"], message["buttons"]) == button["payload"]
    assert f.resolve_callback(keys[1]["callback_data"], YES_NO) is None  # no longer offered


def test_telegram_long_text_is_split_and_the_keyboard_goes_on_the_last_part():
    long = text_message("Some words here. " * 400, [("Yes", "Yes"), ("No", "No")])
    bodies = f.telegram_messages([long])
    assert len(bodies) == 2
    assert all(f.utf16_len(b["text"]) <= f.TELEGRAM_LIMIT for b in bodies)
    assert "reply_markup" not in bodies[0] and "reply_markup" in bodies[1]


def test_custom_messages_are_not_sent_to_messaging_apps():
    messages = [{"custom": {"type": "screening_result", "trials": []}}, {"text": "Bye"}]
    assert f.telegram_messages(messages) == [{"text": "Bye"}]
    assert f.messenger_messages(messages) == [{"text": "Bye"}]
    assert f.sms_bodies(messages) == ["Bye"]
    assert f.wechat_content(messages) == "Bye"


# --- Messenger -------------------------------------------------------------------------------


def test_messenger_short_options_are_quick_replies():
    (message,) = f.messenger_messages([ask_message("audience", "self")])
    assert message["text"] == "Who is this chat about?"
    assert message["quick_replies"] == [
        {"content_type": "text", "title": t, "payload": t}
        for t in ("Myself", "My child", "Someone else")
    ]


def test_messenger_titles_over_20_characters_are_numbered_with_number_quick_replies():
    message = ecog()
    (sent,) = f.messenger_messages([message])
    assert "\n6. Not sure" in sent["text"]
    assert [q["title"] for q in sent["quick_replies"]] == ["1", "2", "3", "4", "5", "6"]
    payloads = [b["payload"] for b in message["buttons"]]
    assert [q["payload"] for q in sent["quick_replies"]] == payloads


def test_messenger_more_than_13_options_is_numbered_text_only():
    buttons = [(f"Option {i}", f"Option {i}") for i in range(1, 15)]
    (sent,) = f.messenger_messages([text_message("Pick one", buttons)])
    assert "quick_replies" not in sent
    assert "\n14. Option 14" in sent["text"]


def test_messenger_splits_at_2000_characters():
    sent = f.messenger_messages([{"text": "Word " * 900}])
    assert len(sent) == 3 and all(f.utf16_len(m["text"]) <= 2000 for m in sent)


# --- SMS and WeChat (text only) ----------------------------------------------------------------


def test_sms_turn_is_one_body_with_numbered_options():
    turn = [{"text": "Thank you."}, question_message(load_catalog()["metastatic"], "self")]
    (body,) = f.sms_bodies(turn)
    assert body.startswith("Thank you.\n\nHas the cancer spread")
    assert body.endswith("1. Yes\n2. No\n3. Not sure\n\n" + f.wording()["number_hint"])


def test_only_the_last_options_of_a_turn_are_numbered():
    turn = [text_message("Q1", [("A", "A"), ("B", "B")]), text_message("Q2", [("C", "C")])]
    text = f.sms_bodies(turn)[0]
    assert "- A\n- B" in text and "1. C" in text and "1. A" not in text


def test_an_age_question_offers_not_sure_by_name_not_by_number():
    (body,) = f.sms_bodies([age()])
    assert body == "How old is your child?\n\nYou can also reply: Not sure."


#: Results long enough to need splitting: 'not sure' answers add reasons to the cards (the
#: list of checks is at most five plain groups, so a plain result fits one SMS).
LONG_FOR_SMS = {**PATIENT_B, **dict.fromkeys(["hiv", "viral_hepatitis", "antibody_allergy"],
                                              UNKNOWN)}
LONG_FOR_WECHAT = {**PATIENT_B, **dict.fromkeys(
    ["other_cancer_5y", "in_other_trial", "recent_immunomodulator_or_tcm", "autoimmune_disease",
     "organ_transplant", "antibody_allergy"], UNKNOWN)}


def test_a_long_sms_turn_is_split_in_marked_parts_within_1600():
    bodies = f.sms_bodies(result_messages(LONG_FOR_SMS))
    assert len(bodies) == 2
    assert bodies[0].startswith("(1/2) ") and bodies[1].startswith("(2/2) ")
    assert all(len(b) <= f.SMS_LIMIT for b in bodies)


def test_a_long_wechat_reply_keeps_every_beginning_and_the_end_within_2048_bytes():
    messages = result_messages(LONG_FOR_WECHAT)
    content = f.wechat_content(messages)
    assert f.utf8_len(content) <= f.WECHAT_LIMIT
    assert f.wording()["shortened"] in content
    for message in messages:
        if message.get("text"):
            assert message["text"][:60] in content  # each card's title and status stay
    assert content.endswith(messages[-1]["text"])  # the closing words stay whole


def test_shortening_cuts_only_the_longest_blocks():
    blocks = ["short one", "L" * 100 + ". " + "M" * 300, "the question?"]
    text = f.shorten_blocks(blocks, 200, "(cut)")
    assert len(text) <= 200
    assert text.startswith("short one\n\n" + "L" * 100 + ". …")
    assert text.endswith("(cut)\n\nthe question?")


def test_shortening_a_single_huge_block_keeps_its_start_and_the_note():
    text = f.shorten_blocks(["word " * 1000], 300, "(cut)")
    assert len(text) <= 300 and text.startswith("word word") and text.endswith("(cut)")


# --- WeChat XML ------------------------------------------------------------------------------


def test_wechat_signature_is_sha1_of_the_sorted_parts():
    import hashlib

    expected = hashlib.sha1("".join(sorted(["tok", "1700000000", "n0nce"])).encode()).hexdigest()
    assert f.wechat_signature("tok", "1700000000", "n0nce") == expected


def test_wechat_xml_is_parsed_and_entities_are_refused():
    body = (b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]>"
            b"</FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            b"<Content><![CDATA[hi <b>]]></Content><MsgId>42</MsgId></xml>")
    fields = f.parse_wechat_xml(body)
    assert fields["Content"] == "hi <b>" and fields["MsgId"] == "42"
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><C>&a;</C></xml>'
    for bad in (bomb, b"not xml", b"<other/>", b"<xml>" + b"x" * 70_000 + b"</xml>"):
        with pytest.raises(f.BadXml):
            f.parse_wechat_xml(bad)


def test_wechat_reply_escapes_cdata_end_markers():
    xml = f.wechat_text_reply("o1", "gh_1", "a ]]> b", 5)
    fields = f.parse_wechat_xml(xml.encode())
    assert fields == {"ToUserName": "o1", "FromUserName": "gh_1", "CreateTime": "5",
                      "MsgType": "text", "Content": "a ]]> b"}


# --- Chinese: UCS-2 SMS parts, WeChat bytes, the channels' words ------------------------------


def test_a_chinese_sms_is_ucs2_and_english_is_not():
    assert f.is_ucs2("您今年多大？") and not f.is_ucs2("How old are you? 1. Yes")


def test_a_short_chinese_sms_is_one_part_of_at_most_70_characters():
    text = "您" * 70
    assert f.sms_bodies([text_message(text)]) == [text]


def test_a_long_chinese_sms_is_split_into_parts_of_at_most_67_characters():
    text = "。".join(["这是一句比较长的中文句子，用来测试短信的拆分"] * 12)
    bodies = f.sms_bodies([text_message(text)])
    assert len(bodies) > 1
    assert all(len(body) <= f.UCS2_PART for body in bodies)
    assert bodies[0].startswith(f"(1/{len(bodies)}) ")
    assert "".join(body.split(") ", 1)[1] for body in bodies).replace("。", "") == \
        text.replace("。", "")


def test_a_chinese_question_on_sms_numbers_its_options_in_chinese():
    question = ask_message("consent", None, {}, "zh")
    (body, *rest) = f.sms_bodies([question])
    joined = "".join([body, *rest])
    assert "1. 同意" in joined and "请回复答案前面的数字" in joined


def test_a_chinese_wechat_reply_fits_2048_bytes():
    cards = result_messages(PATIENT_B, language="zh")
    content = f.wechat_content(cards, limit=f.WECHAT_LIMIT)
    assert len(content.encode("utf-8")) <= f.WECHAT_LIMIT
    long = [text_message("肉瘤" * 800), text_message("您今年多大？")]
    shortened = f.wechat_content(long)
    assert len(shortened.encode("utf-8")) <= f.WECHAT_LIMIT
    assert "微信只允许较短的回复" in shortened and shortened.endswith("您今年多大？")


def test_chinese_words_are_cut_at_chinese_sentence_ends():
    text = "第一句话在这里。第二句话在这里。第三句。"
    assert f.split_text(text, 10) == ["第一句话在这里。", "第二句话在这里。", "第三句。"]
