"""Accessibility (issue 11): the chat page and the staff pages pass axe-core with no serious or
critical violation, in headless Chromium, at phone and desktop sizes.

axe-core comes from the npm registry (package.json devDependencies, installed by `npm ci`) and
is injected from node_modules into each page: nothing is downloaded at run time. The page's
Content-Security-Policy is bypassed for the injected script only in these tests' browser
contexts. Every rule axe runs by default is checked (WCAG 2.0/2.1 A and AA and best practices).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.dialogue import content
from bot.storage.accounts import Accounts
from bot.storage.store import Store
from devkit.patients import PATIENT_A
from devkit.rest_patient import RestPatient
from devkit.servers import ROOT
from tests.browser.chat_page import open_chat
from tests.browser.conftest import PHONE

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": PHONE, "desktop": {"viewport": {"width": 1366, "height": 900}}}
BLOCKING = {"serious", "critical"}
USERNAME, PASSWORD = "a11y-coordinator", "an accessible staff password"


@pytest.fixture(params=list(SIZES), scope="module")
def size(request) -> str:
    return request.param


@pytest.fixture
def sized_page(browser, size) -> Iterator:
    context = browser.new_context(bypass_csp=True, **SIZES[size])
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make setup)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [v for v in found if v.get("impact") in BLOCKING]


def describe(found: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        f"{', '.join(n['target'][0] for n in v['nodes'][:3] if n.get('target'))})"
        for v in found
    )


def test_the_chat_page_through_a_conversation_to_its_result(sized_page, servers, size):
    chat = open_chat(sized_page, servers.web_url)
    chat.wait_for_reply()
    checked = {"greeting and consent": violations(sized_page)}
    chat.tap(content()["consent_buttons"][0])
    chat.tap("Myself")
    checked["a question with buttons"] = violations(sized_page)
    chat.type("osteosarcoma")
    chat.type("80")  # no study fits: the result comes at once
    chat.settle()
    assert chat.cards().count() == 2 or any("(NCT06114225)" in t for t in chat.bot_texts())
    checked["the result"] = violations(sized_page)
    failing = {step: found for step, found in checked.items() if found}
    assert not failing, "\n".join(f"{size}, {step}:\n{describe(found)}"
                                  for step, found in failing.items())


@pytest.fixture(scope="module")
def staff_account(servers) -> str:
    """A staff account and one screened conversation, in the servers' database (patient A:
    test_staff_pages.py counts the PROMIS possible matches of these shared servers)."""
    patient = RestPatient(servers.rasa_url)
    patient.start("self")
    patient.answer_all(PATIENT_A)
    store = Store(f"sqlite:///{servers.data_dir / 'trackers.db'}")
    Accounts(store).create(USERNAME, PASSWORD)
    return store.find_conversation(patient.conversation_id).public_id


def test_the_staff_pages(sized_page, servers, size, staff_account):
    page = sized_page
    page.goto(f"{servers.web_url}/staff/login")
    checked = {"sign-in": violations(page)}
    page.get_by_label("User name").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/staff/(\?.*)?$"))
    checked["conversations"] = violations(page)
    page.goto(f"{servers.web_url}/staff/conversations/{staff_account}")
    checked["a conversation"] = violations(page)
    page.goto(f"{servers.web_url}/staff/summary")
    checked["weekly summary"] = violations(page)
    page.goto(f"{servers.web_url}/staff/?verdict=nonsense")
    checked["a filter error"] = violations(page)
    failing = {step: found for step, found in checked.items() if found}
    assert not failing, "\n".join(f"{size}, {step}:\n{describe(found)}"
                                  for step, found in failing.items())


def test_the_check_finds_what_it_looks_for(sized_page):
    """The harness itself: an image without a text alternative and an unlabelled field are
    critical violations, so a page that grew one would fail the tests above."""
    sized_page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                           '<img src="data:,"><input type="text"></main></body></html>')
    assert {v["id"] for v in violations(sized_page)} >= {"image-alt", "label"}


def test_axe_is_installed_from_the_lock_file():
    lock = (ROOT / "package-lock.json").read_text()
    assert '"node_modules/axe-core"' in lock and Path(AXE).exists()
