"""The patch layer (rasa_extensions/patches): refused on another Rasa version or a missing
target, naming the patch; idempotent; every patch names tests that exist; and the two speed
fixes answer exactly as Rasa's own functions do."""

from __future__ import annotations

import ast
import subprocess
import sys
import types
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

from rasa_extensions import patches
from rasa_extensions.patches import core, speed

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def target(monkeypatch) -> types.ModuleType:
    """A stand-in module for Rasa's: a function, a class method and a staticmethod."""
    module = types.ModuleType("fake_rasa_target")

    class Thing:
        def method(self) -> str:
            return "original method"

        @staticmethod
        def lookup(name: str) -> str:
            return f"original {name}"

    module.Thing = Thing
    module.function = lambda: "original function"
    monkeypatch.setitem(sys.modules, module.__name__, module)
    yield module
    core.uninstall([name for name in list(core._installed) if name.startswith("test-")])


def fake(name: str, attribute: str, version: str = core.RASA_VERSION, calls: list | None = None):
    def make(original):
        if calls is not None:
            calls.append(original)
        return lambda *args: f"patched, then {original(*args)}"

    return core.Patch(name=name, module="fake_rasa_target", attribute=attribute,
                      why="a test", make=make, tests=("tests/test_patches.py",),
                      rasa_version=version)


def test_another_rasa_version_is_refused_naming_the_patch(target):
    patch = fake("test-old", "function", version="3.5.0")
    refused = r"'test-old' was written for Rasa 3\.5\.0, not 3\.6\.21"
    with pytest.raises(core.PatchRefused, match=refused):
        core.install([patch], version="3.6.21")
    assert target.function() == "original function"
    with pytest.raises(core.PatchRefused, match=r"'test-new'.*not 3\.7\.0"):
        core.install([fake("test-new", "function")], version="3.7.0")


def test_a_missing_target_is_refused_with_its_name_and_nothing_is_installed(target):
    good, gone = fake("test-good", "function"), fake("test-gone", "Thing.renamed")
    with pytest.raises(core.PatchRefused,
                       match=r"'test-gone': target fake_rasa_target\.Thing\.renamed not found"):
        core.install([good, gone])
    assert target.function() == "original function"  # checked before anything changed
    assert core.installed() == [name for name in core.installed() if not name.startswith("test")]
    missing_module = core.Patch(name="test-module", module="rasa.no_such_module",
                                attribute="f", why="", make=lambda o: o, tests=())
    with pytest.raises(core.PatchRefused, match=r"'test-module': module rasa\.no_such_module"):
        core.check([missing_module])


def test_installing_twice_changes_nothing(target):
    calls: list = []
    patch_list = [fake("test-function", "function", calls=calls),
                  fake("test-method", "Thing.method", calls=calls),
                  fake("test-static", "Thing.lookup", calls=calls)]
    assert core.install(patch_list) == ["test-function", "test-method", "test-static"]
    first = (target.function, target.Thing.__dict__["method"], target.Thing.__dict__["lookup"])
    assert core.install(patch_list) == ["test-function", "test-method", "test-static"]
    assert (target.function, target.Thing.__dict__["method"],
            target.Thing.__dict__["lookup"]) == first
    assert len(calls) == 3
    assert target.function() == "patched, then original function"
    assert target.Thing().method() == "patched, then original method"
    assert target.Thing.lookup("x") == "patched, then original x"  # still a staticmethod
    assert isinstance(target.Thing.__dict__["lookup"], staticmethod)
    core.uninstall(["test-function", "test-method", "test-static"])
    assert target.Thing.lookup("x") == "original x"


def test_a_patch_declared_twice_is_refused(target):
    with pytest.raises(core.PatchRefused, match="'test-twice' is declared twice"):
        core.install([fake("test-twice", "function"), fake("test-twice", "Thing.method")])


def test_the_registry_fits_the_installed_rasa():
    registry = patches.registry()
    patches.check(registry)  # the version and every target; installs nothing
    names = [patch.name for patch in registry]
    assert len(names) == len(set(names)) == 19
    targets = [patch.target for patch in registry]
    assert len(targets) == len(set(targets))
    for patch in registry:
        assert patch.why and "\n" not in patch.why and len(patch.why) <= 90, patch.name
        assert patch.tests, patch.name


def test_every_patch_names_tests_that_exist():
    for patch in patches.registry():
        for node in patch.tests:
            path, _, function = node.partition("::")
            tree = ast.parse((ROOT / path).read_text())
            defined = {n.name for n in ast.walk(tree)
                       if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
            assert function.split("[")[0] in defined, f"{patch.name}: {node} not found"


def _rasa_resolve():
    stored = events.Event.__dict__["resolve_by_type"].__func__
    return getattr(stored, "__wrapped__", stored)  # Rasa's own, even when installed


def _outcome(resolve, name: str) -> object:
    try:
        return resolve(name)
    except ValueError as error:
        return str(error)


def test_event_lookup_answers_as_rasa_does():
    rasa = _rasa_resolve()
    resolve = speed.remember_event_classes(rasa)
    for name in {cls.type_name for cls in all_subclasses(events.Event)}:
        assert _outcome(resolve, name) == _outcome(rasa, name), name
        assert _outcome(resolve, name) == _outcome(rasa, name), name  # remembered
    assert resolve("topic") is None  # old TopicSet events are ignored, as in Rasa
    assert resolve("no_such_event", events.UserUttered) is events.UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve("no_such_event")

    class DefinedLater(events.Event):  # a class Rasa knows only once it exists
        type_name = "test_defined_later"

        def __eq__(self, other: object) -> bool:
            return self is other

        def as_story_string(self) -> None:
            return None

    assert resolve("test_defined_later") is DefinedLater


def test_event_lookup_asks_rasa_once_per_name():
    asked: list[str] = []
    rasa = _rasa_resolve()

    def counted(name, default=None):
        asked.append(name)
        return rasa(name, default)

    resolve = speed.remember_event_classes(counted)
    for _ in range(3):
        assert resolve("user") is events.UserUttered
        assert resolve("no_such_event", events.BotUttered) is events.BotUttered
    assert asked == ["user", "no_such_event", "no_such_event", "no_such_event"]


@pytest.mark.parametrize("response", [
    {"events": [{"event": "slot", "name": "age", "value": 52}], "responses": [{"text": "hi"}]},
    {"events": []},
    {"events": "not a list"},
    {"responses": [{"text": 5}], "events": [{"no_event_key": 1}]},
])
def test_action_responses_are_checked_against_rasas_schema(response):
    rasa = RemoteAction.__dict__["_validate_action_result"]
    if rasa is speed.validate_action_result:
        pytest.skip("installed in this process; Rasa's own is gone")
    try:
        expected = rasa(RemoteAction, response)
    except ValidationError as error:
        with pytest.raises(ValidationError) as raised:
            speed.validate_action_result(RemoteAction, response)
        assert raised.value.message == error.message
    else:
        assert speed.validate_action_result(RemoteAction, response) is expected


def test_the_rasa_server_does_not_start_on_another_rasa_version():
    """`python -m rasa_extensions` stops before Rasa's command line, naming the patch."""
    script = ("import runpy, sys\n"
              "from rasa_extensions.patches import core\n"
              "core.installed_rasa_version = lambda: '3.7.0'\n"
              "sys.argv = ['rasa_extensions', '--version']\n"
              "runpy.run_module('rasa_extensions', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert ("error: patch 'action-response-validator' was written for Rasa 3.6.21, not 3.7.0"
            in done.stderr)
    assert "patches applied" not in done.stdout and "Rasa Version" not in done.stdout


def test_an_sqlite_file_keeps_its_connections_open(tmp_path):
    """SQLAlchemy 1.4's default for an SQLite file opens a connection (and runs the WAL
    pragmas) for every session; with the pool kwargs, sessions reuse one."""
    import sqlalchemy as sa

    from rasa_extensions.patches import resilience

    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    kwargs = resilience._with_pool_checks(lambda _: {})(url)
    assert resilience._with_pool_checks(lambda _: {})("sqlite://") == {"pool_pre_ping": True}
    for engine_kwargs, connects_expected in (({}, 3), (kwargs, 1)):
        engine = sa.create_engine(url, **engine_kwargs)
        connects: list[object] = []
        sa.event.listen(engine, "connect", lambda *_, seen=connects: seen.append(1))
        for _ in range(3):
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        engine.dispose()
        assert len(connects) == connects_expected
