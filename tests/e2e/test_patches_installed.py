"""The running Rasa server installed every patch of the registry (rasa_extensions/patches):
`python -m rasa_extensions run` prints `patches applied: <names>` once, before Rasa starts."""

from __future__ import annotations

from rasa_extensions.patches import registry

PREFIX = "patches applied: "


def test_the_rasa_server_installed_every_patch(servers):
    lines = [line for line in servers.logs().splitlines() if line.startswith(PREFIX)]
    assert len(lines) == 1, lines  # one Rasa server, patched once
    assert lines[0].removeprefix(PREFIX).split(", ") == [patch.name for patch in registry()]
