"""Trials as data: one YAML file per NCT ID in bot/content/trials/.

Loading checks every file whole before any of it is used: a criterion without its verbatim
text, a part that is neither asked nor checked by the study team, or a rule naming an unknown
fact stops the load with a message naming the file and the criterion. A site adds or updates a
trial by editing data, never code.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot import rules
from bot.catalog import CONTENT_DIR, Catalog, load_catalog

TRIALS_DIR = CONTENT_DIR / "trials"
KINDS = ("inclusion", "exclusion")


class TrialDataError(ValueError):
    """A trial data file is malformed; the message names the file and the criterion."""


@dataclass(frozen=True)
class Part:
    """One separately answered piece of a criterion.

    A patient part has a rule (asked in the chat); a study-team part has `study_team`, the
    check the team will make (labs, scans, consent), and is never asked.
    """

    id: str
    summary: str
    rule: Mapping[str, Any] | None = None
    study_team: str | None = None
    note: str | None = None

    @property
    def asked(self) -> bool:
        return self.rule is not None


@dataclass(frozen=True)
class Criterion:
    id: str  # "inc-3", "exc-12"
    kind: str  # "inclusion" | "exclusion"
    number: int
    text: str  # verbatim from the registry record
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str | None = None
    email: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class Trial:
    nct_id: str
    title: str
    short_title: str
    summary: str
    phase: str
    sponsor: str
    status: str
    recruiting: bool
    status_recorded: str
    registry_url: str
    contacts: tuple[Contact, ...]
    sites: tuple[Mapping[str, str], ...]
    criteria: tuple[Criterion, ...]
    version: str  # content hash of the data file, stored with every result
    raw: Mapping[str, Any]  # the whole file, for wording other modules read (FAQ answers)

    @property
    def parts(self) -> list[tuple[Criterion, Part]]:
        return [(criterion, part) for criterion in self.criteria for part in criterion.parts]


@cache
def load_trials(directory: Path = TRIALS_DIR) -> tuple[Trial, ...]:
    """Every trial file in the directory, checked, in NCT ID order."""
    catalog = load_catalog()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise TrialDataError(f"no trial data files in {directory}")
    return tuple(load_trial(path, catalog) for path in files)


def load_trial(path: Path, catalog: Catalog) -> Trial:
    raw_bytes = path.read_bytes()
    try:
        data = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as error:
        raise TrialDataError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(data, Mapping):
        raise TrialDataError(f"{path.name}: expected a mapping at the top level")
    if data.get("nct_id") != path.stem:
        raise TrialDataError(
            f"{path.name}: nct_id {data.get('nct_id')!r} does not match the file name"
        )
    criteria = tuple(
        _criterion(path.name, kind, raw, set(catalog.facts))
        for kind in KINDS
        for raw in data.get(kind) or []
    )
    try:
        return Trial(
            nct_id=data["nct_id"],
            title=data["title"],
            short_title=data.get("short_title", data["title"]),
            summary=data["summary"],
            phase=data["phase"],
            sponsor=data["sponsor"],
            status=data["status"],
            recruiting=bool(data["recruiting"]),
            status_recorded=str(data["status_recorded"]),
            registry_url=data["registry_url"],
            contacts=tuple(Contact(**c) for c in data.get("contacts") or []),
            sites=tuple(data.get("sites") or []),
            criteria=criteria,
            version=hashlib.sha256(raw_bytes).hexdigest()[:12],
            raw=data,
        )
    except (KeyError, TypeError) as error:
        raise TrialDataError(f"{path.name}: missing or malformed field {error}") from error


def _criterion(file: str, kind: str, raw: Mapping[str, Any], facts: set[str]) -> Criterion:
    number = raw.get("number")
    where = f"{file}: {kind} criterion {number}"
    text = " ".join(str(raw.get("text") or "").split())
    if not isinstance(number, int) or not text:
        raise TrialDataError(f"{where}: needs a number and the verbatim registry text")
    raw_parts = raw.get("parts") or []
    if not raw_parts:
        raise TrialDataError(f"{where}: needs at least one part (a rule or a study-team check)")
    criterion_id = f"{kind[:3]}-{number}"
    parts = tuple(
        _part(where, _part_id(criterion_id, index, len(raw_parts)), raw_part, facts)
        for index, raw_part in enumerate(raw_parts)
    )
    return Criterion(criterion_id, kind, number, text, parts)


def _part_id(criterion_id: str, index: int, count: int) -> str:
    return criterion_id if count == 1 else f"{criterion_id}{string.ascii_lowercase[index]}"


def _part(where: str, part_id: str, raw: Mapping[str, Any], facts: set[str]) -> Part:
    rule, study_team = raw.get("rule"), raw.get("study_team")
    if (rule is None) == (study_team is None):
        raise TrialDataError(f"{where} ({part_id}): a part needs either a rule or study_team")
    if not raw.get("summary"):
        raise TrialDataError(f"{where} ({part_id}): a part needs a plain-language summary")
    if rule is not None:
        try:
            rules.check(rule, facts)
        except rules.RuleError as error:
            raise TrialDataError(f"{where} ({part_id}): {error}") from error
    return Part(part_id, raw["summary"], rule, study_team, raw.get("note"))
