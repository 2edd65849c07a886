"""Every change this project makes to Rasa's own functions, declared as data and installed once.

`apply_all()` is the one entry point: `python -m rasa_extensions run` (the only way the Rasa
server is started, by `make run`, the cluster and the tests through scripts/run.py) calls it
before Rasa's command line, and prints `patches applied: <names>` to the server's log. It
refuses to start, naming the patch, on a Rasa version the patches were not written for or when
a target is missing; applying twice changes nothing.

    speed.py       measured speed fixes (action-response checks, event lookup, graph run
                   order, applied events)
    resilience.py  the action server or the database failing: a clear message, nothing lost
    hardening.py   bad input and patient privacy (message limits, REST checks, log redaction)
    ../channels/web.py  socket.io custom messages (with the website's channel)

Each patch's `tests` name the tests that fail when it is lost; tests/test_patches.py checks
that they exist and that every target is in the installed Rasa;
tests/e2e/test_patches_installed.py that a running server installed every patch.
"""

from __future__ import annotations

from rasa_extensions.patches.core import (
    RASA_VERSION,
    Patch,
    PatchRefused,
    check,
    install,
    installed,
)

__all__ = ["RASA_VERSION", "Patch", "PatchRefused", "apply_all", "check", "installed",
           "registry"]


def registry() -> tuple[Patch, ...]:
    """Every patch, in the order installed (imported here, so the channels can import
    `core` without a cycle)."""
    from rasa_extensions.channels import web
    from rasa_extensions.patches import hardening, resilience, speed

    return (*speed.PATCHES, *resilience.PATCHES, *hardening.PATCHES, *web.PATCHES)


def apply_all(version: str | None = None) -> list[str]:
    """Install every patch (those not installed yet); their names. PatchRefused otherwise."""
    return install(registry(), version)
