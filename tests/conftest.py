"""Shared fixtures: the loaded catalog and trials, and patients written from the records."""

from __future__ import annotations

import copy
import os
from typing import Any
from unittest import mock

import pytest

from bot.catalog import Catalog, load_catalog
from bot.trials import Trial, load_trials
from devkit import markers
from devkit.patients import PATIENT_A, PATIENT_B

#: Folders whose every test is of one kind (devkit/markers.py).
FOLDER_KINDS = {"browser": ("browser", "servers"), "scale": ("cluster", "servers", "postgres"),
                "channels": ("servers",), "e2e": ("servers",), "faults": ("servers",),
                "fuzz": ("servers",), "privacy": ("servers",)}


def pytest_configure(config) -> None:
    for kind, what in markers.KINDS.items():
        config.addinivalue_line("markers", f"{kind}: {what}")


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        folder = item.path.parent.name
        for kind in FOLDER_KINDS.get(folder, ()):
            item.add_marker(kind)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("db_url") == "postgresql" or "postgres_server" in item.fixturenames:
            item.add_marker("postgres")


def pytest_runtest_setup(item) -> None:
    markers.ACTIVE = {mark.name for mark in item.iter_markers()}


@pytest.fixture(autouse=True)
def _environment_restored():
    """Each test gets the environment back as it found it: code under test may set variables
    (scripts/run.py sets STAFF_COOKIE_SECURE and the generated secrets for its children), and
    a leak would change what later tests see."""
    with mock.patch.dict(os.environ):
        yield


@pytest.fixture(autouse=True, scope="session")
def _throwaway_database(tmp_path_factory):
    """Actions run in-process store into a throwaway database, never into var/."""
    patch = pytest.MonkeyPatch()
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'trackers.db'}"
    patch.setenv("DATABASE_URL", url)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def shared_servers(tmp_path_factory):
    """One Rasa, action and web server for every suite that needs the default set-up
    (tests/e2e, tests/fuzz, tests/privacy/test_logs.py): each start costs 30-90 s of the
    full run. Suites that need other settings start their own. LOG_LEVEL=INFO is the default;
    set here so a developer's environment cannot lower it under the log tests."""
    from devkit.servers import running_servers

    with running_servers(tmp_path_factory.mktemp("shared-servers"), {"LOG_LEVEL": "INFO"}) as s:
        yield s


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def trials() -> dict[str, Trial]:
    return {trial.nct_id: trial for trial in load_trials()}


@pytest.fixture
def patient_a() -> dict[str, Any]:
    return copy.deepcopy(PATIENT_A)


@pytest.fixture
def patient_b() -> dict[str, Any]:
    return copy.deepcopy(PATIENT_B)
