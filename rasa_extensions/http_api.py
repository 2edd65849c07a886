"""Rasa's HTTP API (`/conversations/<id>/tracker`, `/model`, ...): off unless asked for, and
then only with a token or JWT.

The API reads and rewrites any conversation and replaces the model, so it is never on by
default. RASA_ENABLE_API=true turns it on, and the server refuses to start unless
RASA_API_TOKEN (at least 16 characters, sent as `?token=...`) or RASA_JWT_SECRET (with
RASA_JWT_METHOD, default HS256; sent as `Authorization: Bearer <jwt>`) is set. The secrets
are added to Rasa's arguments inside the Rasa process (`python -m rasa_extensions run`), so
they never appear on a command line that other users of the machine can list.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

ENABLE = "RASA_ENABLE_API"
TOKEN = "RASA_API_TOKEN"
JWT_SECRET = "RASA_JWT_SECRET"
JWT_METHOD = "RASA_JWT_METHOD"
MIN_SECRET_CHARS = 16
JWT_METHODS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("", "false", "0", "no", "off")
#: Flags that must come from the environment, never from the command line.
_FLAGS = ("--enable-api", "--auth-token", "-t", "--jwt-secret", "--jwt-method",
          "--jwt-private-key")


class ApiSettingsError(SystemExit):
    """A refused setting; the message names the variable (never its value)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"error: {message}")


def enabled(env: Mapping[str, str]) -> bool:
    raw = env.get(ENABLE, "").strip().lower()
    if raw in _FALSE:
        return False
    if raw in _TRUE:
        return True
    raise ApiSettingsError(f"{ENABLE} must be true or false")


def api_arguments(env: Mapping[str, str]) -> list[str]:
    """Rasa's flags for the HTTP API (empty when it is off); refuses an API without a secret."""
    if not enabled(env):
        return []
    token, secret = env.get(TOKEN, ""), env.get(JWT_SECRET, "")
    if not token and not secret:
        raise ApiSettingsError(
            f"{ENABLE}=true needs {TOKEN} or {JWT_SECRET}: the API can read and change every "
            "conversation, so it is never served without authentication"
        )
    for name, value in ((TOKEN, token), (JWT_SECRET, secret)):
        if value and len(value) < MIN_SECRET_CHARS:
            raise ApiSettingsError(f"{name} must be at least {MIN_SECRET_CHARS} characters")
    arguments = ["--enable-api"]
    if token:
        arguments += ["--auth-token", token]
    if secret:
        method = env.get(JWT_METHOD, "").strip() or "HS256"
        if method not in JWT_METHODS:
            raise ApiSettingsError(f"{JWT_METHOD} must be one of {', '.join(JWT_METHODS)}")
        arguments += ["--jwt-secret", secret, "--jwt-method", method]
    return arguments


def describe(env: Mapping[str, str]) -> str:
    """One line for the start-up log, without secrets."""
    if not api_arguments(env):
        return "Rasa HTTP API: off"
    kinds = [kind for kind, name in (("token", TOKEN), ("JWT", JWT_SECRET)) if env.get(name)]
    return f"Rasa HTTP API: on, authentication by {' or '.join(kinds)}"


def with_api_arguments(argv: Sequence[str], env: Mapping[str, str] = os.environ) -> list[str]:
    """`rasa run` arguments with the API flags from the environment added."""
    argv = list(argv)
    if not argv or argv[0] != "run":
        return argv
    given = [flag for flag in argv if flag.split("=")[0] in _FLAGS]
    if given:
        raise ApiSettingsError(
            f"{', '.join(given)}: set {ENABLE} and {TOKEN} or {JWT_SECRET} in the environment "
            "instead (a command line can be read by every user of the machine)"
        )
    return argv + api_arguments(env)
