"""bot/storage/events.py: Rasa's `events` table, shared by the project's storage and the Rasa
server's tracker store, so it must import nothing else of the project (and no Rasa)."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from bot.storage import events
from devkit.servers import ROOT


def test_the_events_module_imports_nothing_else_of_the_project():
    code = ("import sys, bot.storage.events; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in {'bot', 'rasa', 'rasa_sdk', 'actions', 'rasa_extensions'}))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert loaded == "['bot', 'bot.storage', 'bot.storage.events']"


def test_sqlite_settings_are_installed_once_and_apply_to_every_connection(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}", future=True)
    events.use_wal(engine)
    events.use_wal(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    events.checkpoint(engine)  # nothing to fold, and no error
    assert events.transcript(engine, "nobody") == []  # no events table yet


def test_like_pattern_escapes_wildcards():
    assert events.like_pattern("50%_a!") == "%50!%!_a!!%"
