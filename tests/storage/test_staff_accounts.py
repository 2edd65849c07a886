"""Staff roles, the accounts page, sign-in that tells nothing, the per-address throttle, the
source address in the audit log, the second factor, account commands and export counts; over
Flask's test client against SQLite and PostgreSQL."""

from __future__ import annotations

import getpass
import io
import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
import sqlalchemy as sa

from bot.storage import sign_in as sign_in_module
from bot.storage.accounts import MAX_FAILURES, Accounts, LoginRefused
from bot.storage.base import StorageError
from bot.storage.cli import main
from bot.storage.models import AuditEntry, StaffAccount
from bot.web.app import create_app
from devkit.patients import B
from tests.storage import test_staff_pages as pages
from tests.storage.test_staff_pages import PASSWORD, SENDER, csrf, public, sign_in

site = pages.site  # the same fixture: a migrated database, a coordinator, one conversation

OTHER = "another long password"


def entries(store, action: str) -> list[AuditEntry]:
    with store.session() as session:
        return list(session.execute(sa.select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)).scalars())


def as_user(site, username: str, role: str):
    """A fresh client signed in as a new account with `role`."""
    client, store = site
    Accounts(store).create(username, OTHER, role=role)
    fresh = client.application.test_client()
    assert sign_in(fresh, OTHER, username).status_code == 302
    return fresh


def page_token(client, path: str = "/staff/") -> str:
    return csrf(client.get(path).get_data(as_text=True))


# --- roles ----------------------------------------------------------------------------------


def test_a_reviewer_reviews_but_cannot_override_or_export_and_each_refusal_is_audited(site):
    _, store = site
    reviewer = as_user(site, "rita", "reviewer")
    base = f"/staff/conversations/{public(store, SENDER)}"
    page = reviewer.get(base).get_data(as_text=True)
    assert "Record override" not in page
    assert "Export CSV" not in reviewer.get("/staff/").get_data(as_text=True)
    token = csrf(page)
    assert reviewer.post(f"{base}/notes", data={"text": "ok", "csrf_token": token}
                         ).status_code == 302
    refused = reviewer.post(f"{base}/override", data={
        "trial": B, "verdict": "not_a_match", "reason": "no", "csrf_token": token})
    assert refused.status_code == 403
    assert reviewer.get("/staff/export.csv").status_code == 403
    assert reviewer.get("/staff/accounts").status_code == 403
    assert store.find_conversation(SENDER).overrides == []
    assert [(e.actor, e.detail["needs"]) for e in entries(store, "forbidden")] == [
        ("staff:rita", "override"), ("staff:rita", "export"), ("staff:rita", "accounts")]


def test_a_coordinator_overrides_and_exports_but_cannot_open_the_accounts_page(site):
    _, store = site
    coordinator = as_user(site, "cora", "coordinator")
    base = f"/staff/conversations/{public(store, SENDER)}"
    token = page_token(coordinator, base)
    assert coordinator.post(f"{base}/override", data={
        "trial": B, "verdict": "unclear", "reason": "scan", "csrf_token": token}
    ).status_code == 302
    assert coordinator.get("/staff/export.csv").status_code == 200
    assert coordinator.get("/staff/accounts").status_code == 403
    assert [e.actor for e in entries(store, "forbidden")] == ["staff:cora"]


def test_exports_record_how_many_rows_went_out(site):
    client, store = site
    sign_in(client)
    rows = client.get("/staff/export.csv").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 2  # the header and the one conversation
    [entry] = entries(store, "export")
    assert entry.detail["rows"] == 1 and entry.detail["complete"] is True


# --- the accounts page ----------------------------------------------------------------------


def test_an_admin_creates_changes_disables_and_enables_accounts(site):
    _, store = site
    admin = as_user(site, "ada", "admin")
    token = page_token(admin, "/staff/accounts")
    created = admin.post("/staff/accounts", data={
        "username": "newbie", "password": "the newbie's password", "role": "coordinator",
        "csrf_token": token})
    assert created.status_code == 302
    assert "newbie" in admin.get("/staff/accounts").get_data(as_text=True)
    newbie = admin.application.test_client()
    assert sign_in(newbie, "the newbie's password", "newbie").status_code == 302
    assert newbie.get("/staff/export.csv").status_code == 200

    assert admin.post("/staff/accounts/newbie/role", data={
        "role": "reviewer", "csrf_token": token}).status_code == 302
    assert newbie.get("/staff/export.csv").status_code == 403  # the role counts at once
    assert admin.post("/staff/accounts/newbie/disable",
                      data={"csrf_token": token}).status_code == 302
    assert newbie.get("/staff/").status_code == 302  # its session has ended
    assert sign_in(newbie, "the newbie's password", "newbie").status_code == 401
    assert admin.post("/staff/accounts/newbie/enable",
                      data={"csrf_token": token}).status_code == 302
    assert sign_in(newbie, "the newbie's password", "newbie").status_code == 302

    weak = admin.post("/staff/accounts", data={"username": "weak", "password": "short",
                                               "role": "admin", "csrf_token": token})
    assert weak.status_code == 400 and "at least 12" in weak.get_data(as_text=True)
    done = {(e.action, e.actor) for e in store.audit_entries(limit=500)}
    for action in ("create_staff", "set_staff_role", "disable_staff", "enable_staff"):
        assert (action, "staff:ada") in done


def test_the_last_admin_cannot_be_lowered_or_disabled(site):
    _, store = site
    admin = as_user(site, "ada", "admin")
    token = page_token(admin, "/staff/accounts")
    assert admin.post("/staff/accounts/ada/role", data={
        "role": "reviewer", "csrf_token": token}).status_code == 400
    assert admin.post("/staff/accounts/ada/disable",
                      data={"csrf_token": token}).status_code == 400
    with pytest.raises(StorageError):
        Accounts(store).set_disabled("ada", True)
    assert admin.get("/staff/accounts").status_code == 200


def test_a_forged_account_form_is_refused(site):
    admin = as_user(site, "ada", "admin")
    assert admin.post("/staff/accounts", data={"username": "evil", "password": OTHER,
                                               "role": "admin"}).status_code == 400


# --- sign-in tells nothing --------------------------------------------------------------------


def test_unknown_wrong_locked_and_disabled_get_the_same_answer_and_one_scrypt_each(
    site, monkeypatch
):
    client, store = site
    accounts = Accounts(store)
    accounts.create("dora", OTHER)
    accounts.set_disabled("dora", True)
    accounts.create("lou", OTHER)
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            accounts.sign_in("lou", "wrong password!", address="198.51.100.1")
    checks = []
    real = sign_in_module.check_password_hash
    monkeypatch.setattr(sign_in_module, "check_password_hash",
                        lambda *args: checks.append(1) or real(*args))
    answers = []
    for username, password in (("nobody", OTHER), ("coord", "wrong password!"),
                               ("lou", OTHER), ("dora", OTHER)):
        before = len(checks)
        response = sign_in(client, password, username)
        assert len(checks) == before + 1, username  # scrypt ran, whatever the account
        body = re.sub(r'value="[^"]+"', "", response.get_data(as_text=True))
        answers.append((response.status_code, body))
    assert len(set(answers)) == 1 and answers[0][0] == 401
    reasons = [e.detail["reason"] for e in entries(store, "login_failed")][-4:]
    assert reasons == ["unknown user", "wrong password", "locked", "disabled"]


def test_guessing_across_accounts_from_one_address_is_throttled(site, monkeypatch):
    client, store = site
    monkeypatch.setattr(sign_in_module, "ADDRESS_MAX_FAILURES", 4)
    for name in ("a1", "a2", "coord", "a3"):
        assert sign_in(client, "wrong password!", name).status_code == 401
    throttled = sign_in(client)  # the right password, but from the same address
    assert throttled.status_code == 429
    assert client.get("/staff/").status_code == 302
    # another web process shares the count (it is in the database)
    other_process = create_app().test_client()
    assert sign_in(other_process).status_code == 429
    elsewhere = create_app().test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert sign_in(elsewhere).status_code == 302
    assert len(entries(store, "login_throttled")) == 2
    # after the window the address may try again
    later = datetime.now(timezone.utc) + sign_in_module.ADDRESS_WINDOW + timedelta(seconds=1)
    Accounts(store).sign_in("coord", PASSWORD, later, address="127.0.0.1")  # no refusal


def test_the_audit_log_records_the_address_and_a_forwarded_one_only_from_a_trusted_proxy(
    site, monkeypatch
):
    client, store = site
    spoofed = {"X-Forwarded-For": "203.0.113.50"}
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    form = client.get("/staff/login").get_data(as_text=True)
    client.post("/staff/login", headers=spoofed, data={
        "username": "coord", "password": PASSWORD, "csrf_token": csrf(form)})
    client.get("/staff/", headers=spoofed)
    assert [e.source for e in entries(store, "login")] == ["192.0.2.10"]
    assert entries(store, "view_list")[-1].source == "192.0.2.10"

    monkeypatch.setenv("WEB_TRUSTED_PROXIES", "1")
    behind_proxy = create_app().test_client()
    form = behind_proxy.get("/staff/login", headers=spoofed).get_data(as_text=True)
    behind_proxy.post("/staff/login", headers=spoofed, data={
        "username": "coord", "password": PASSWORD, "csrf_token": csrf(form)})
    assert entries(store, "login")[-1].source == "203.0.113.50"
    assert entries(store, "view_list")[-1].source == "192.0.2.10"  # nothing leaks over


# --- the second factor ----------------------------------------------------------------------


def test_a_required_second_factor_is_set_up_then_asked_at_every_sign_in(site):
    client, store = site
    Accounts(store).require_second_factor("coord", True, actor="staff:ada")
    landed = sign_in(client)
    assert landed.status_code == 302 and "/staff/login/code" in landed.headers["Location"]
    setup = client.get("/staff/login/code").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in setup
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', setup).group(1)
    totp = pyotp.TOTP(secret.replace(" ", ""))
    # password alone reaches nothing
    assert client.get("/staff/").status_code == 302
    assert client.get("/staff/export.csv").status_code == 401
    token = csrf(setup)
    assert client.post("/staff/login/code", data={"code": "000000", "csrf_token": token}
                       ).status_code == 401
    confirmed = client.post("/staff/login/code", data={"code": totp.now(), "csrf_token": token})
    assert confirmed.status_code == 302
    assert client.get("/staff/").status_code == 200

    client.post("/staff/logout", data={"csrf_token": page_token(client)})
    sign_in(client)
    again = client.get("/staff/login/code").get_data(as_text=True)
    assert "data:image" not in again and '<code class="secret">' not in again
    reused = client.post("/staff/login/code", data={"code": totp.now(), "csrf_token": csrf(again)})
    assert reused.status_code == 401  # each code works once
    following = totp.at(datetime.now(timezone.utc) + timedelta(seconds=30))
    assert client.post("/staff/login/code", data={"code": following, "csrf_token": csrf(again)}
                       ).status_code == 302
    assert client.get("/staff/").status_code == 200
    with store.session() as session:
        account = session.execute(sa.select(StaffAccount)).scalars().first()
        assert account.totp_enabled_at is not None


def test_wrong_codes_lock_the_account_and_a_reset_sets_it_up_again(site):
    client, store = site
    accounts = Accounts(store)
    accounts.require_second_factor("coord", True)
    sign_in(client)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>',
                       client.get("/staff/login/code").get_data(as_text=True)).group(1)
    totp = pyotp.TOTP(secret.replace(" ", ""))
    token = page_token(client, "/staff/login/code")
    client.post("/staff/login/code", data={"code": totp.now(), "csrf_token": token})
    client.post("/staff/logout", data={"csrf_token": page_token(client)})

    sign_in(client)
    token = page_token(client, "/staff/login/code")
    for _ in range(MAX_FAILURES):
        client.post("/staff/login/code", data={"code": "123456", "csrf_token": token})
    assert client.get("/staff/").status_code == 302
    assert sign_in(client).status_code == 401  # locked, even with the right password
    with store.session() as session:
        session.execute(sa.update(StaffAccount).values(locked_until=None))
    accounts.reset_second_factor("coord", actor="staff:ada")
    sign_in(client)
    assert 'src="data:image/svg+xml' in client.get("/staff/login/code").get_data(as_text=True)
    assert [e.actor for e in entries(store, "reset_second_factor")] == ["staff:ada"]


# --- account commands -------------------------------------------------------------------------


def test_account_commands_take_a_role_and_record_who_ran_them(site, monkeypatch, capsys):
    _, store = site
    monkeypatch.setattr("sys.stdin", io.StringIO("a password for the cli\n"))
    assert main(["create-staff", "vera", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a password for the cli\n"))
    assert main(["create-staff", "adam", "--role", "admin", "--password-stdin",
                 "--actor", "cli:ops-ticket-42"]) == 0
    assert main(["set-staff-role", "vera", "coordinator", "--actor", "cli:ops"]) == 0
    assert main(["disable-staff", "vera"]) == 0
    with pytest.raises(SystemExit):  # argparse: not a role
        main(["create-staff", "x", "--role", "boss", "--password-stdin"])
    roles = {a.username: a.role for a in Accounts(store).list_accounts()}
    assert roles["vera"] == "coordinator" and roles["adam"] == "admin"
    created = {e.detail["username"]: (e.actor, e.detail["role"])
               for e in entries(store, "create_staff")}
    assert created["vera"] == (f"cli:{getpass.getuser()}", "reviewer")
    assert created["adam"] == ("cli:ops-ticket-42", "admin")
    assert entries(store, "set_staff_role")[-1].actor == "cli:ops"
    assert entries(store, "disable_staff")[-1].actor == f"cli:{getpass.getuser()}"
