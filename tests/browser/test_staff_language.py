"""The staff interface's 中文 / English switch in headless Chromium against the real servers:
a zh-CN browser gets the pages in Chinese, the switch changes them and is remembered, and the
criteria evidence keeps the registry's English text beside the Chinese summaries."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bot import i18n
from bot.storage.accounts import Accounts
from bot.storage.store import Store
from bot.trials import load_trials
from devkit.patients import PATIENT_A, B
from devkit.rest_patient import RestPatient
from tests.browser.test_accessibility import describe, violations

USERNAME, PASSWORD = "zh-coordinator", "a staff password in any language"
STAFF = "bot/web/staff/content.yaml"
ZH, EN = i18n.load(STAFF, "zh")["ui"], i18n.load(STAFF, "en")["ui"]


@pytest.fixture(scope="module")
def screened(servers) -> str:
    """A conversation screened over REST, and a coordinator's account; its public id. Patient
    A, not B: test_staff_pages.py expects the only B possible match not yet reviewed."""
    patient = RestPatient(servers.rasa_url)
    patient.start("self")
    patient.answer_all(PATIENT_A)
    assert patient.result() is not None
    store = Store(f"sqlite:///{servers.data_dir / 'trackers.db'}")
    Accounts(store).create(USERNAME, PASSWORD, role="coordinator")
    return store.find_conversation(patient.conversation_id).public_id


@pytest.fixture
def zh_context(browser):
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(30_000)
    yield context
    context.close()


def test_the_staff_pages_in_chinese_and_the_switch(zh_context, servers, screened, screenshots):
    page = zh_context.new_page()
    page.goto(f"{servers.web_url}/staff/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text(ZH["sign_in"])
    assert not violations(page), describe(violations(page))
    page.get_by_label(ZH["user_name"]).fill(USERNAME)
    page.get_by_label(ZH["password"]).fill(PASSWORD)
    page.get_by_role("button", name=ZH["sign_in"]).click()
    page.wait_for_url(re.compile(r"/staff/(\?.*)?$"))
    expect(page.locator("h1")).to_have_text(ZH["conversations"])
    expect(page.get_by_role("button", name=ZH["filter"])).to_be_visible()
    switch = page.get_by_role("navigation", name=ZH["language_label"])
    expect(switch.get_by_role("link", name="中文")).to_have_attribute("aria-current", "true")

    switch.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(EN["conversations"])
    assert re.search(r"/staff/(\?.*)?$", page.url)  # back on the same page
    page.reload()
    expect(page.locator("h1")).to_have_text(EN["conversations"])  # remembered (a cookie)
    page.get_by_role("navigation", name=EN["language_label"]).get_by_role(
        "link", name="中文").click()
    expect(page.locator("h1")).to_have_text(ZH["conversations"])
    assert not violations(page), describe(violations(page))

    page.goto(f"{servers.web_url}/staff/conversations/{screened}")
    expect(page.locator("h1")).to_contain_text(ZH["conversation"])
    trial = next(t for t in load_trials() if t.nct_id == B)
    criterion = trial.criteria[0]
    zh_trial = i18n.load(f"bot/content/trials/{B}.yaml", "zh")
    [zh_criterion] = [c for c in zh_trial[criterion.kind] if c["number"] == criterion.number]
    section = page.locator("section.trial").filter(has_text=B)
    first = section.locator("li.criterion").first
    expect(first.locator("blockquote")).to_have_attribute("lang", "en")
    expect(first.locator("blockquote")).to_have_text(criterion.text.strip())
    expect(first.locator("li.status").first).to_contain_text(zh_criterion["parts"][0]["summary"])
    assert not violations(page), describe(violations(page))
    page.screenshot(path=screenshots / "staff-conversation-zh.png", full_page=True)


def test_the_switch_is_not_an_open_redirect(zh_context, servers):
    page = zh_context.new_page()
    page.goto(f"{servers.web_url}/staff/language/en?next=https://evil.example/")
    assert page.url.startswith(servers.web_url) and "/staff/" in page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
