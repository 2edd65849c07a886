"""The Rasa HTTP API when it is asked for (RASA_ENABLE_API=true): never without a token or
JWT, and then only for requests that carry one.

The secrets reach Rasa inside its own process (rasa_extensions/http_api.py), so they are not on
any command line; scripts/run.py refuses to start an API without one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests

from devkit.rest_patient import RestPatient
from devkit.servers import ROOT, Servers, running_servers
from rasa_extensions import http_api

TOKEN = "test-token-" + "k3Jq9xZp" * 3
JWT_SECRET = "test-jwt-secret-" + "Vb7wQe2R" * 3


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Servers:
    env = {"RASA_ENABLE_API": "true", "RASA_API_TOKEN": TOKEN, "RASA_JWT_SECRET": JWT_SECRET,
           "RASA_JWT_METHOD": "HS256"}
    with running_servers(tmp_path_factory.mktemp("api-data"), env) as running:
        yield running


@pytest.fixture(scope="module")
def conversation(servers) -> str:
    patient = RestPatient(servers.rasa_url)
    patient.start("self")
    return patient.conversation_id


def bearer(role: str, username: str = "staff", secret: str = JWT_SECRET) -> dict[str, str]:
    token = jwt.encode({"user": {"username": username, "role": role},
                        "exp": int(time.time()) + 300}, secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def tracker(servers: Servers, sender: str, **kwargs) -> requests.Response:
    return requests.get(f"{servers.rasa_url}/conversations/{sender}/tracker", timeout=10,
                        **kwargs)


def test_the_api_needs_the_token_or_a_jwt(servers, conversation):
    assert tracker(servers, conversation).status_code == 401
    assert tracker(servers, conversation, params={"token": "wrong" + TOKEN}).status_code == 401
    assert tracker(servers, conversation, headers=bearer("admin", secret="x" * 32)
                   ).status_code == 401
    response = tracker(servers, conversation, params={"token": TOKEN})
    assert response.status_code == 200
    assert response.json()["slots"]["consent"] is True
    assert tracker(servers, conversation, headers=bearer("admin")).status_code == 200
    # A 'user' JWT reaches only its own conversation.
    assert tracker(servers, conversation, headers=bearer("user", conversation)).status_code == 200
    assert tracker(servers, conversation, headers=bearer("user", "someone-else")
                   ).status_code in (401, 403)
    # Other API routes too, the model included.
    assert requests.get(f"{servers.rasa_url}/status", timeout=10).status_code == 401
    assert requests.delete(f"{servers.rasa_url}/model", timeout=10).status_code == 401


def test_the_secrets_are_not_on_any_command_line_or_in_the_log(servers):
    command_lines = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                command_lines.append(Path(f"/proc/{pid}/cmdline").read_bytes())
            except OSError:
                continue
    assert any(b"rasa_extensions" in line for line in command_lines)
    assert not any(TOKEN.encode() in line or JWT_SECRET.encode() in line
                   for line in command_lines)
    log = servers.logs()
    assert "Rasa HTTP API: on, authentication by token or JWT" in log
    assert TOKEN not in log and JWT_SECRET not in log


@pytest.mark.parametrize(("env", "message"), [
    ({"RASA_ENABLE_API": "true"}, "needs RASA_API_TOKEN or RASA_JWT_SECRET"),
    ({"RASA_ENABLE_API": "true", "RASA_API_TOKEN": "short"}, "at least 16 characters"),
    ({"RASA_ENABLE_API": "true", "RASA_JWT_SECRET": JWT_SECRET, "RASA_JWT_METHOD": "none"},
     "RASA_JWT_METHOD must be one of"),
    ({"RASA_ENABLE_API": "maybe", "RASA_API_TOKEN": TOKEN}, "must be true or false"),
])
def test_run_refuses_an_api_without_authentication(tmp_path, env, message):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RASA_")}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.run"], cwd=ROOT, timeout=60,
        env={**clean, "DATA_DIR": str(tmp_path), **env}, capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert TOKEN not in result.stderr and "short" not in result.stderr.replace(message, "")
    assert not (tmp_path / "trackers.db").exists()  # refused before anything started


def test_api_flags_come_only_from_the_environment():
    off = http_api.with_api_arguments(["run", "--port", "5005"], {})
    assert off == ["run", "--port", "5005"]
    on = http_api.with_api_arguments(["run"], {"RASA_ENABLE_API": "1", "RASA_API_TOKEN": TOKEN})
    assert on == ["run", "--enable-api", "--auth-token", TOKEN]
    assert http_api.with_api_arguments(["train"], {"RASA_ENABLE_API": "true"}) == ["train"]
    with pytest.raises(SystemExit, match="in the environment"):
        http_api.with_api_arguments(["run", "--enable-api"], {})
    with pytest.raises(SystemExit, match="in the environment"):
        http_api.with_api_arguments(["run", f"--auth-token={TOKEN}"], {})
