"""Read the numbered eligibility criteria out of a registry record's plain text.

The trial data files quote every criterion verbatim; this reader lets a test (and a coordinator
updating a trial) compare those quotes with the registry text they came from, so a criterion
can never be silently dropped or reworded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REGISTRY_DIR = Path(__file__).parent / "content" / "registry"

_SECTION = re.compile(r"^\s*(Inclusion|Exclusion) Criteria:\s*$", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d+)\.\s+(.*)$")
_END_OF_CRITERIA = re.compile(r"^(Gender|Minimum age|Sex|Ages eligible):?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RegistryCriterion:
    kind: str  # "inclusion" or "exclusion"
    number: int
    text: str  # whitespace-normalised


def normalise(text: str) -> str:
    """Collapse every run of whitespace, so line wrapping never counts as a difference."""
    return " ".join(text.split())


def read_criteria(record_text: str) -> list[RegistryCriterion]:
    """Split a record into its numbered criteria.

    A line starting 'N.' begins a new criterion only when N is the next number of the list;
    any other number (the record's own sub-lists, '1.' and '2.' under inclusion 13 of PROMIS)
    stays part of the criterion it sits in.
    """
    criteria: list[RegistryCriterion] = []
    kind: str | None = None
    number = 0
    lines: list[str] = []

    def flush() -> None:
        if kind and number and lines:
            criteria.append(RegistryCriterion(kind, number, normalise(" ".join(lines))))

    for line in record_text.splitlines():
        section = _SECTION.match(line)
        if section:
            flush()
            kind, number, lines = section.group(1).lower(), 0, []
            continue
        if kind is None:
            continue
        if _END_OF_CRITERIA.match(line.strip()):
            flush()
            kind, number, lines = None, 0, []
            continue
        numbered = _NUMBERED.match(line)
        if numbered and int(numbered.group(1)) == number + 1:
            flush()
            number, lines = number + 1, [numbered.group(2)]
        elif number:
            lines.append(line)
    flush()
    return criteria


def registry_criteria(nct_id: str) -> list[RegistryCriterion]:
    """The criteria of the registry record kept in the repository for this trial."""
    return read_criteria((REGISTRY_DIR / f"{nct_id}.txt").read_text(encoding="utf-8"))
