"""`python -m bot.storage COMMAND`: the project's tables and conversation retention.

    migrate                      create or upgrade the project's tables (idempotent)
    migrate --sql                print the SQL instead, for a database administrator
    purge --older-than-days N    delete conversations with no activity for N days, from Rasa's
                                 tracker store and the project's tables (audit-logged)
    delete --sender ID           delete one conversation everywhere (audit-logged)
    revision -m MESSAGE          write a new migration from the changes in models.py (developers)

The databases come from DATABASE_URL (the project's tables) and TRACKER_DB_URL (Rasa's
events), each falling back to the other, then to sqlite:///$DATA_DIR/trackers.db. Exit status:
0 done, 1 failed or nothing to delete, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.storage import db, migrate
from bot.storage.store import StorageError, Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.storage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    migrate_cmd = commands.add_parser("migrate", help="create or upgrade the project's tables")
    migrate_cmd.add_argument("--sql", action="store_true", help="print the SQL, change nothing")
    purge = commands.add_parser("purge", help="delete conversations older than N days")
    purge.add_argument("--older-than-days", type=_days, required=True, metavar="N")
    delete = commands.add_parser("delete", help="delete one conversation everywhere")
    delete.add_argument("--sender", required=True, help="the conversation's sender id")
    for sub in (purge, delete):
        sub.add_argument("--actor", default=f"cli:{getpass.getuser()}",
                         help="who is recorded in the audit log (default: cli:<user>)")
    revision = commands.add_parser("revision", help="write a new migration (developers)")
    revision.add_argument("-m", "--message", required=True)
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
    return 0


def _purge(args: argparse.Namespace) -> int:
    purged = Store().purge(args.older_than_days, args.actor)
    print(f"purged {purged.conversations} conversation(s) with no activity for "
          f"{args.older_than_days} days ({purged.events} tracker events)")
    return 0


def _delete(args: argparse.Namespace) -> int:
    deleted = Store().delete_conversation(args.sender, args.actor)
    if not deleted.conversation and not deleted.events:
        print("nothing was stored for that sender id", file=sys.stderr)
        return 1
    print(f"deleted the conversation ({deleted.events} tracker events, "
          f"{'with' if deleted.conversation else 'no'} screening records)")
    return 0


def _revision(args: argparse.Namespace) -> int:
    migrate.new_revision(db.database_url(), args.message)
    return 0


COMMANDS = {"migrate": _migrate, "purge": _purge, "delete": _delete, "revision": _revision}


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
