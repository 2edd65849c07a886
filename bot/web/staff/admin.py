"""The accounts page under /staff/accounts, for admins: list the staff accounts, create one,
change a role, disable or enable, require the second factor or reset it (a lost phone).

Each action is a plain form POST with the session's CSRF token, audited by bot.storage.accounts
with the admin's name and address. A refused change (an unknown account, a weak password, the
last admin) shows the page again saying why, in the interface's language, and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from bot.storage.base import StorageError
from bot.storage.models import STAFF_ROLES
from bot.web.staff import present, roles
from bot.web.staff.auth import accounts, actor

#: What each account action does with the form: (method of Accounts, arguments from the form).
ACTIONS = {
    "role": lambda name, form: accounts().set_role(name, form.get("role", ""), actor()),
    "disable": lambda name, form: accounts().set_disabled(name, True, actor()),
    "enable": lambda name, form: accounts().set_disabled(name, False, actor()),
    "require-code": lambda name, form: accounts().require_second_factor(name, True, actor()),
    "waive-code": lambda name, form: accounts().require_second_factor(name, False, actor()),
    "reset-code": lambda name, form: accounts().reset_second_factor(name, actor()),
}


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/accounts", "accounts", accounts_page, methods=["GET"])
    blueprint.add_url_rule("/accounts", "create_account", create_account, methods=["POST"])
    blueprint.add_url_rule("/accounts/<username>/<action>", "account_action", account_action,
                           methods=["POST"])


def accounts_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    roles.require("accounts")
    accounts().store.audit(actor(), "view_accounts")
    return render_template("staff/accounts.html", accounts=accounts().list_accounts(),
                           roles=STAFF_ROLES, words=present.words(), staff=g.staff,
                           error=error, done=request.args.get("done") == "1"), status


def create_account() -> Response | tuple[str, int]:
    roles.require("accounts")
    form = request.form
    try:
        accounts().create(form.get("username", ""), form.get("password", ""),
                          form.get("role", "reviewer"), actor())
        if form.get("require_code") == "yes":
            accounts().require_second_factor(form.get("username", ""), True, actor())
    except StorageError as error:
        return accounts_page(present.not_saved(error), 400)
    return redirect(url_for("staff.accounts", done=1))


def account_action(username: str, action: str) -> Response | tuple[str, int]:
    roles.require("accounts")
    change = ACTIONS.get(action)
    if change is None:
        return accounts_page(present.not_saved(present.refused("unknown_action")), 400)
    try:
        change(username, request.form)
    except StorageError as error:
        return accounts_page(present.not_saved(error), 400)
    return redirect(url_for("staff.accounts", done=1))
