"""The staff pages' refusals in the interface's language (issue 13): a bad filter, date or page
link, a refused account change, a refused form, a missing page and a forbidden action, over
Flask's test client with the 中文 / English switch; and a guard that every refusal the staff
pages can show has its words in bot/web/staff/content.yaml, in both languages."""

from __future__ import annotations

import ast
import html
import re

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from bot import i18n
from bot.storage.patient import ConversationRef
from bot.web.patient import INIT_PAYLOAD
from devkit.patients import PATIENT_B
from tests.storage import test_staff_pages as pages
from tests.storage.helpers import save_events
from tests.storage.test_staff_accounts import as_user, page_token
from tests.storage.test_staff_pages import SENDER, csrf, public, sign_in

site = pages.site  # a migrated database, a coordinator "coord", one conversation

STAFF = "bot/web/staff/content.yaml"
WORDS = {code: i18n.load(STAFF, code) for code in i18n.LANGUAGES}
OTHER = {"en": "zh", "zh": "en"}
ROOT = i18n.ROOT


def switched(client, code: str):
    """The client with the interface switched to `code`, as the header's link does it."""
    assert client.get(f"/staff/language/{code}").status_code == 303
    return client


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def shows(response, code: str, section: str, key: str, **values: object) -> bool:
    """Whether the page says `section.key` in `code` and not in the other language."""
    page = text_of(response)
    said = WORDS[code][section][key].format(**values)
    other = WORDS[OTHER[code]][section][key].format(**values)
    return said in page and other not in page


# --- over HTTP, in each language --------------------------------------------------------------


@pytest.mark.parametrize("code", i18n.LANGUAGES)
@pytest.mark.parametrize("query,key", [
    ({"trial": "NCT00000000"}, "filter_trial"),
    ({"reviewed": "maybe"}, "filter_reviewed"),
    ({"from": "last tuesday"}, "filter_from"),
    ({"to": "2026-13-45"}, "filter_to"),
    ({"after": "garbage"}, "page_link"),
])
def test_a_bad_list_link_is_refused_in_the_interface_language(site, code, query, key):
    client, _ = site
    sign_in(switched(client, code))
    response = client.get("/staff/", query_string=query)
    assert response.status_code == 400
    assert shows(response, code, "errors", key)


@pytest.mark.parametrize("code", i18n.LANGUAGES)
def test_a_bad_export_filter_is_refused_in_the_interface_language(site, code):
    client, _ = site
    sign_in(switched(client, code))
    response = client.get("/staff/export.csv", query_string={"q": "x" * 201})
    assert response.status_code == 400
    assert shows(response, code, "errors", "filter_search", count=200)
    assert WORDS[code]["refusals"]["400"]["heading"] in text_of(response)


@pytest.mark.parametrize("code", i18n.LANGUAGES)
def test_refused_account_changes_say_why_in_the_interface_language(site, code):
    admin = switched(as_user(site, "ada", "admin"), code)
    token = page_token(admin, "/staff/accounts")
    duplicate = admin.post("/staff/accounts", data={
        "username": "coord", "password": "a long enough password", "role": "reviewer",
        "csrf_token": token})
    assert duplicate.status_code == 400
    reason = WORDS[code]["errors"]["account_exists"].format(username="coord")
    assert shows(duplicate, code, "messages", "not_saved", reason=reason)

    weak = admin.post("/staff/accounts", data={"username": "weak", "password": "short",
                                               "role": "reviewer", "csrf_token": token})
    assert weak.status_code == 400
    reason = WORDS[code]["errors"]["password_short"].format(count=12)
    assert shows(weak, code, "messages", "not_saved", reason=reason)

    last = admin.post("/staff/accounts/ada/disable", data={"csrf_token": token})
    assert last.status_code == 400 and shows(last, code, "errors", "last_admin")


@pytest.mark.parametrize("code", i18n.LANGUAGES)
def test_a_refused_review_form_says_why_in_the_interface_language(site, code):
    client, store = site
    sign_in(switched(client, code))
    base = f"/staff/conversations/{public(store, SENDER)}"
    token = csrf(client.get(base).get_data(as_text=True))
    refused = client.post(f"{base}/override", data={"trial": pages.B, "verdict": "unclear",
                                                     "reason": " ", "csrf_token": token})
    assert refused.status_code == 400
    reason = WORDS[code]["errors"]["reason_missing"]
    assert shows(refused, code, "messages", "not_saved", reason=reason)
    too_long = client.post(f"{base}/notes", data={"text": "x" * 10_001, "csrf_token": token})
    reason = WORDS[code]["errors"]["note_too_long"].format(count=10_000)
    assert too_long.status_code == 400
    assert shows(too_long, code, "messages", "not_saved", reason=reason)


@pytest.mark.parametrize("code", i18n.LANGUAGES)
def test_refusal_pages_are_the_staff_pages_in_the_interface_language(site, code):
    client, store = site
    sign_in(switched(client, code))
    missing = client.get("/staff/conversations/" + "0" * 20)
    assert missing.status_code == 404
    assert shows(missing, code, "errors", "no_conversation")
    assert WORDS[code]["refusals"]["404"]["heading"] in text_of(missing)
    assert "Not Found" not in text_of(missing)  # not werkzeug's page
    assert f'<html lang="{"zh-CN" if code == "zh" else "en"}">' in missing.get_data(as_text=True)

    forged = client.post(f"/staff/conversations/{public(store, SENDER)}/notes",
                         data={"text": "x", "csrf_token": "forged"})
    assert forged.status_code == 400 and shows(forged, code, "errors", "form_expired")

    reviewer = switched(as_user(site, "rita", "reviewer"), code)
    forbidden = reviewer.get("/staff/accounts")
    assert forbidden.status_code == 403 and shows(forbidden, code, "messages", "forbidden")

    anonymous = switched(client.application.test_client(), code)
    unsigned = anonymous.get("/staff/export.csv")
    assert unsigned.status_code == 401
    assert WORDS[code]["refusals"]["401"]["says"] in text_of(unsigned)


@pytest.mark.parametrize("code", i18n.LANGUAGES)
def test_the_transcript_marks_are_in_the_interface_language(site, code):
    """A button press, the hidden opening message and a new session, as the page names them."""
    client, store = site
    sender = "patient-buttons"
    save_events(store.url, sender, [
        ActionExecuted("action_listen"), UserUttered(INIT_PAYLOAD),
        BotUttered("Who is this for?", {"buttons": [{"title": "Me", "payload": "/self"}]}),
        ActionExecuted("action_listen"), UserUttered("/self"),
        SessionStarted(), ActionExecuted("action_listen"), UserUttered("hello again"),
    ])
    store.record_result(ConversationRef(sender, "rest"), PATIENT_B)
    sign_in(switched(client, code))
    page = client.get(f"/staff/conversations/{public(store, sender)}").get_data(as_text=True)
    marks = " ".join(re.findall(r'<(?:span class="who"|p class="session")>([^<]*)<', page))
    for key in ("turn_button", "turn_opened", "new_session"):
        assert WORDS[code]["ui"][key] in marks, key
        assert WORDS[OTHER[code]]["ui"][key] not in marks, key


# --- the guard: no refusal in English only ----------------------------------------------------

#: The storage modules whose refusals reach the staff pages.
STORAGE = ("bot/storage/accounts.py", "bot/storage/review.py", "bot/storage/queries.py")
STAFF_MODULES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bot/web/staff").glob("*.py"))


def _calls(path: str, name: str) -> list[ast.Call]:
    tree = ast.parse((ROOT / path).read_text("utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == name]


def _constant(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@pytest.mark.parametrize("path", STORAGE)
def test_every_refusal_of_the_storage_staff_use_has_a_worded_key(path):
    errors = WORDS["en"]["errors"]
    calls = _calls(path, "StorageError")
    keys = [_constant(next((k.value for k in c.keywords if k.arg == "key"), None))
            for c in calls]
    assert calls and None not in keys, f"{path}: a StorageError without key=\"...\""
    assert set(keys) <= set(errors), set(keys) - set(errors)


@pytest.mark.parametrize("path", STAFF_MODULES)
def test_the_staff_pages_refuse_only_with_worded_keys(path):
    """Their refusals are `present.refused("<key>")`, never an English StorageError, and
    abort() carries no literal text."""
    errors = WORDS["en"]["errors"]
    own = path.endswith("present.py")
    assert len(_calls(path, "StorageError")) == own  # present.refused() makes them
    keys = [_constant(c.args[0] if c.args else None) for c in _calls(path, "refused")]
    assert None not in keys and set(keys) <= set(errors), f"{path}: {keys}"
    assert keys or not own
    for call in _calls(path, "abort"):
        assert not any(isinstance(a, (ast.Constant, ast.JoinedStr)) and not isinstance(
            getattr(a, "value", None), int) for a in call.args), f"{path}: abort() with text"


def test_every_error_key_is_worded_in_both_languages():
    assert set(WORDS["zh"]["errors"]) == set(WORDS["en"]["errors"])
    assert set(WORDS["zh"]["refusals"]) == set(WORDS["en"]["refusals"])
    assert i18n.check(i18n.Pair(STAFF)) == []


def test_every_refused_status_has_its_page():
    from bot.web.staff.views import REFUSALS

    assert {str(status) for status in REFUSALS} == set(WORDS["en"]["refusals"])
