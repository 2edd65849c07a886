"""Shared fixtures: the loaded catalog and trials, and patients written from the records."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.catalog import Catalog, load_catalog
from bot.trials import Trial, load_trials
from tests.patients import PATIENT_A, PATIENT_B


@pytest.fixture(autouse=True, scope="session")
def _throwaway_database(tmp_path_factory):
    """Actions run in-process store into a throwaway database, never into var/."""
    patch = pytest.MonkeyPatch()
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'trackers.db'}"
    patch.setenv("DATABASE_URL", url)
    yield
    patch.undo()


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
