"""Which channels are on: those whose credentials are all set in the environment.

credentials.yml lists every channel with its secrets as ${VARIABLES}. Rasa would refuse to
start when one is unset, so the servers are started with a filtered copy (written under
DATA_DIR) that keeps only channels whose variables are all set: a channel without credentials
is off, and the assistant starts without it. Imports nothing from Rasa.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def variables_in(node: Any) -> set[str]:
    if isinstance(node, str):
        return set(_VARIABLE.findall(node))
    if isinstance(node, Mapping):
        return set().union(*(variables_in(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(variables_in(v) for v in node)) if node else set()
    return set()


def enabled_channels(
    channels: Mapping[str, Any], environ: Mapping[str, str] = os.environ
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The channels whose variables are all set, and for the others the variables missing."""
    enabled: dict[str, Any] = {}
    off: dict[str, list[str]] = {}
    for name, config in channels.items():
        missing = sorted(v for v in variables_in(config) if not environ.get(v))
        if missing:
            off[name] = missing
        else:
            enabled[name] = config
    return enabled, off


def write_effective_credentials(source: Path, target: Path) -> Path:
    """Write the enabled channels of `source` to `target` (placeholders kept for Rasa to
    expand) and log which channels are off and why (variable names only, never values)."""
    raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    enabled, off = enabled_channels(raw)
    for name, missing in off.items():
        logger.info("channel %s is off: set %s to enable it", name, ", ".join(missing))
    target.parent.mkdir(parents=True, exist_ok=True)
    text = _unquoted_placeholders(yaml.safe_dump(enabled, sort_keys=False))
    target.write_text(text, encoding="utf-8")
    return target


def _unquoted_placeholders(text: str) -> str:
    """Rasa expands ${VAR} only in plain (unquoted) YAML scalars."""
    return re.sub(r"""(['"])(\$\{[A-Za-z_][A-Za-z0-9_]*\})\1""", r"\2", text)
