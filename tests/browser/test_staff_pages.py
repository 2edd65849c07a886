"""The staff review pages in headless Chromium against the real servers: sign in, filter,
open a transcript, mark it reviewed, export; and no page without a session."""

from __future__ import annotations

import csv
import io
import re

import pytest
import requests

from bot.storage.accounts import Accounts
from bot.storage.store import Store
from devkit.patients import PATIENT_B, B
from devkit.rest_patient import RestPatient

USERNAME, PASSWORD = "coordinator", "correct horse battery staple"


@pytest.fixture(scope="module")
def screened(servers) -> RestPatient:
    """A patient screened over REST by the real servers, and a staff account."""
    patient = RestPatient(servers.rasa_url)
    patient.start("self")
    patient.say("I am Ottoline, writing about my sarcoma")
    patient.answer_all(PATIENT_B)
    assert patient.result() is not None
    store = Store(f"sqlite:///{servers.data_dir / 'trackers.db'}")
    Accounts(store).create(USERNAME, PASSWORD, role="coordinator")
    patient.public_id = store.find_conversation(patient.conversation_id).public_id
    return patient


def sign_in(page, servers) -> None:
    page.goto(f"{servers.web_url}/staff/")
    assert "/staff/login" in page.url  # no session: the sign-in page
    page.get_by_label("User name").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/staff/(\?.*)?$"))


def test_a_coordinator_finds_reads_reviews_and_exports(page, servers, screened):
    sign_in(page, servers)
    page.get_by_label("Trial").select_option(B)
    page.get_by_label("Verdict").select_option("possible_match")
    page.get_by_label("Reviewed").select_option("no")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"verdict=possible_match"))
    rows = page.locator("table.conversations tbody tr")
    assert rows.count() == 1

    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(re.escape(f"/staff/conversations/{screened.public_id}")))
    transcript = page.locator("section.transcript")
    assert "I am Ottoline, writing about my sarcoma" in transcript.inner_text()
    evidence = page.locator("section.evidence").inner_text()
    assert "Possible match" in evidence and B in evidence

    page.get_by_role("button", name="Mark as reviewed").click()
    page.wait_for_url(re.compile(r"done=reviewed"))
    assert page.get_by_role("status").inner_text() == "Marked as reviewed."
    assert page.get_by_role("button", name="Mark as not reviewed").is_visible()

    page.get_by_role("link", name="All conversations").click()
    page.get_by_label("Reviewed").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"reviewed=yes"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [row["conversation"] for row in rows] == [screened.public_id]
    assert rows[0]["reviewed"] == "reviewed" and rows[0][f"{B} verdict"] == "possible_match"


def test_without_a_session_nothing_is_shown(context, servers, screened):
    page = context.new_page()
    page.goto(f"{servers.web_url}/staff/conversations/{screened.public_id}")
    assert "/staff/login" in page.url
    assert "Ottoline" not in page.content()
    assert requests.get(f"{servers.web_url}/staff/export.csv", timeout=30).status_code == 401


def test_signing_out_ends_the_session(page, servers, screened):
    sign_in(page, servers)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/staff/login"))
    page.goto(f"{servers.web_url}/staff/summary")
    assert "/staff/login" in page.url
