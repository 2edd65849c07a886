"""`python -m bot.storage COMMAND`: the project's tables and conversation retention.

    migrate                      create or upgrade the project's tables (idempotent)
                                 and give conversations stored before channel namespaces
                                 their namespaced id (bot/storage/legacy_ids.py)
    migrate --sql                print the SQL instead, for a database administrator
    purge --older-than-days N    delete conversations with no activity for N days, from Rasa's
                                 tracker store and the project's tables (audit-logged)
    retention                    the daily retention run, now (the web server runs it by itself
                                 once a day: bot/storage/retention.py); skipped when it already
                                 ran in the last day, unless --force
    delete --sender ID           delete one conversation everywhere (audit-logged); or
    delete --conversation PUBLIC_ID   by the id the staff pages show
    revision -m MESSAGE          write a new migration from the changes in models.py (developers)

    create-staff USER [--role R] a staff account for the review pages (/staff); R is reviewer
                                 (the default), coordinator or admin
    set-staff-role USER ROLE     another role (the last enabled admin keeps theirs)
    set-staff-password USER      a new password (unlocks the account, ends its sessions)
    disable-staff USER           no more sign-in (ends its sessions); enable-staff USER undoes it
    list-staff                   the accounts

Every command that changes something records who ran it in the audit log: --actor NAME, by
default cli:<the operating-system user>.

The password is asked for twice on a terminal; with --password-stdin it is read from the first
line of standard input (for provisioning scripts). It is never an argument: arguments are
visible to every user of the machine.

The databases come from DATABASE_URL (the project's tables) and TRACKER_DB_URL (Rasa's
events), each falling back to the other, then to sqlite:///$DATA_DIR/trackers.db. Exit status:
0 done, 1 failed or nothing to delete, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.settings import load_settings
from bot.storage import db, deletion, legacy_ids, migrate, retention
from bot.storage.accounts import DEFAULT_ROLE, Accounts
from bot.storage.base import StorageError
from bot.storage.models import STAFF_ROLES
from bot.storage.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.storage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    migrate_cmd = commands.add_parser("migrate", help="create or upgrade the project's tables")
    migrate_cmd.add_argument("--sql", action="store_true", help="print the SQL, change nothing")
    purge = commands.add_parser("purge", help="delete conversations older than N days")
    purge.add_argument("--older-than-days", type=_days, required=True, metavar="N")
    delete = commands.add_parser("delete", help="delete one conversation everywhere")
    which = delete.add_mutually_exclusive_group(required=True)
    which.add_argument("--sender", help="the conversation's sender id")
    which.add_argument("--conversation", help="the conversation's id on the staff pages")
    daily = commands.add_parser("retention", help="run the daily retention now")
    daily.add_argument("--force", action="store_true", help="even if it ran in the last day")
    changing = [purge, delete]
    revision = commands.add_parser("revision", help="write a new migration (developers)")
    revision.add_argument("-m", "--message", required=True)
    for name in ("create-staff", "set-staff-password"):
        staff = commands.add_parser(name, help="staff account: " + name.split("-", 1)[1])
        staff.add_argument("username")
        staff.add_argument("--password-stdin", action="store_true",
                           help="read the password from the first line of standard input")
        changing.append(staff)
        if name == "create-staff":
            staff.add_argument("--role", default=DEFAULT_ROLE, choices=STAFF_ROLES)
    role = commands.add_parser("set-staff-role", help="change a staff account's role")
    role.add_argument("username")
    role.add_argument("role", choices=STAFF_ROLES)
    changing.append(role)
    for name in ("disable-staff", "enable-staff"):
        sub = commands.add_parser(name, help=name.replace("-", " "))
        sub.add_argument("username")
        changing.append(sub)
    for sub in changing:
        sub.add_argument("--actor", default=f"cli:{getpass.getuser()}",
                         help="who is recorded in the audit log (default: cli:<user>)")
    commands.add_parser("list-staff", help="list the staff accounts")
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (SQLAlchemyError, StorageError) as error:
        print(f"error: {_describe(error)}{_hint(args.command)}", file=sys.stderr)
        return 1
    finally:
        db.dispose_all()


def _migrate(args: argparse.Namespace) -> int:
    url = db.database_url()
    if args.sql:
        migrate.sql_script(url)
        return 0
    before, after = migrate.upgrade(url)
    change = "already current" if before == after else f"upgraded from {before or 'empty'}"
    print(f"{db.redacted(url)}: project tables at version {after} ({change})")
    secret = load_settings().conversation_id_secret
    if secret:
        renamed = legacy_ids.rename_legacy_ids(secret)
        if renamed.renamed or renamed.skipped:
            print(f"conversation ids: {renamed.renamed} renamed to their channel's namespace, "
                  f"{renamed.skipped} without a message left as they were")
    else:
        print("conversation ids: not checked (CONVERSATION_ID_SECRET is not set)")
    return 0


def _purge(args: argparse.Namespace) -> int:
    purged = deletion.purge(Store(), args.older_than_days, args.actor)
    print(f"purged {purged.conversations} conversation(s) with no activity for "
          f"{args.older_than_days} days ({purged.events} tracker events)")
    return 0


def _delete(args: argparse.Namespace) -> int:
    store, sender = Store(), args.sender
    if args.conversation is not None:
        found = store.get_conversation(args.conversation.strip().lower())
        if found is None:
            print("no conversation has that id", file=sys.stderr)
            return 1
        sender = found.sender_id
    deleted = deletion.delete_conversation(store, sender, args.actor)
    if not deleted.conversation and not deleted.events:
        print("nothing was stored for that sender id", file=sys.stderr)
        return 1
    print(f"deleted the conversation ({deleted.events} tracker events, "
          f"{'with' if deleted.conversation else 'no'} screening records)")
    return 0


def _retention(args: argparse.Namespace) -> int:
    settings, store, counts = load_settings(), Store(), {}

    def job(store: Store, settings, now) -> None:
        counts.update(retention.run_daily(store, settings, now))

    if args.force:
        job(store, settings, None)
    elif not retention.Scheduler(store, settings, job=job).tick():
        print("retention ran in the last day (or is running elsewhere now): nothing to do")
        return 0
    if not counts:
        print("error: the retention run failed (the log says which step)", file=sys.stderr)
        return 1
    print("retention: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    return 0


def _revision(args: argparse.Namespace) -> int:
    migrate.new_revision(db.database_url(), args.message)
    return 0


def _create_staff(args: argparse.Namespace) -> int:
    Accounts(Store()).create(args.username, _password(args), args.role, args.actor)
    print(f"staff account {args.username.strip().lower()!r} created ({args.role})")
    return 0


def _set_staff_password(args: argparse.Namespace) -> int:
    Accounts(Store()).set_password(args.username, _password(args), args.actor)
    print("password changed; the account's sessions have ended")
    return 0


def _set_staff_role(args: argparse.Namespace) -> int:
    Accounts(Store()).set_role(args.username, args.role, args.actor)
    print(f"{args.username}: {args.role}")
    return 0


def _disable_staff(args: argparse.Namespace) -> int:
    Accounts(Store()).set_disabled(args.username, args.command == "disable-staff", args.actor)
    print(f"{args.username}: {args.command.split('-')[0]}d")
    return 0


def _list_staff(args: argparse.Namespace) -> int:
    for account in Accounts(Store()).list_accounts():
        state = "  (disabled)" if account.disabled else ""
        code = "  (sign-in code required)" if account.second_factor_required else ""
        print(f"{account.username}  {account.role}{state}{code}")
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise StorageError("no terminal to ask for the password: use --password-stdin")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Again: ") != first:
        raise StorageError("the two passwords differ")
    return first


COMMANDS = {"migrate": _migrate, "purge": _purge, "retention": _retention, "delete": _delete,
            "revision": _revision,
            "create-staff": _create_staff, "set-staff-password": _set_staff_password,
            "set-staff-role": _set_staff_role,
            "disable-staff": _disable_staff, "enable-staff": _disable_staff,
            "list-staff": _list_staff}


def _days(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of days (1 or more)")
    return int(raw)


def _hint(command: str) -> str:
    if command == "migrate":
        return ""
    try:
        if not migrate.is_current(db.engine_for(db.database_url())):
            return "\nthe project's tables are missing or out of date: run " \
                   "`python -m bot.storage migrate` first"
    except SQLAlchemyError:
        pass
    return ""


def _describe(error: Exception) -> str:
    """The error without SQL parameters (they can hold patient data)."""
    original = getattr(error, "orig", None)
    message = str(original if original is not None else error).strip().splitlines()
    return f"{type(error).__name__}: {message[0] if message else ''}"
