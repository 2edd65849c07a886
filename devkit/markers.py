"""Test kinds, so that `make check` runs the quick ones alone (pytest -m "not slow kinds").

    servers    starts the real Rasa, action and web servers (devkit/servers.py)
    postgres   needs the throwaway PostgreSQL server (devkit/postgres.py)
    browser    drives Debian's Chromium (tests/browser)
    cluster    starts nginx, Redis and several servers (tests/scale)

tests/conftest.py marks whole folders (browser, scale, channels, e2e, faults, fuzz, privacy)
and every PostgreSQL variant of a storage test; other modules mark themselves with
`pytestmark = pytest.mark.servers`. The launchers call `require()`, so a test that starts a
server without its mark fails at once instead of slowing the quick check down unseen.
"""

from __future__ import annotations

KINDS = {
    "servers": "starts the real Rasa, action and web servers",
    "postgres": "needs a throwaway PostgreSQL server",
    "browser": "drives headless Chromium",
    "cluster": "starts nginx, Redis and several Rasa and action servers",
}
#: The marks of the test being set up or run; None outside pytest (benchmarks, make cluster).
ACTIVE: set[str] | None = None


def require(kind: str, what: str) -> None:
    if ACTIVE is not None and kind not in ACTIVE:
        raise RuntimeError(f"{what}: this test is not marked '{kind}'; add "
                           f"`pytestmark = pytest.mark.{kind}` (devkit/markers.py)")
