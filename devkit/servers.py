"""Start the real Rasa server, action server and web server for end-to-end tests and benchmarks.

The servers run as subprocesses on free loopback ports with a fresh data folder (an SQLite
tracker store), exactly as `make run` starts them, and are stopped afterwards. The web
server's chat page connects to the Rasa server at `rasa_url`.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bot.identity import REST, conversation_id
from bot.settings import INTERNAL_SECRETS
from devkit import markers

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "current.tar.gz"
BIN = Path(sys.executable).parent

#: The secrets of the servers tests and benchmarks start, and the REST channel's token, which
#: their clients send. Set in this process's environment, so every server started from it
#: (and the cluster) shares them.
SECRETS = {
    name: os.environ.setdefault(name, secrets.token_urlsafe(24))
    for name in (*INTERNAL_SECRETS, "REST_CHANNEL_TOKEN")
}


def rest_headers() -> dict[str, str]:
    """What a REST client must send: the channel's bearer token."""
    return {"Authorization": f"Bearer {SECRETS['REST_CHANNEL_TOKEN']}"}


def rest_id(sender: str) -> str:
    """The conversation id the server gives a REST `sender` (bot/identity.py)."""
    return conversation_id(REST, sender, secret="")


@dataclass(frozen=True)
class Servers:
    rasa_url: str
    action_url: str
    data_dir: Path
    log_path: Path
    web_url: str = ""

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_servers(data_dir: Path, extra_env: dict[str, str] | None = None,
                    extra_origins: tuple[str, ...] = ()) -> Iterator[Servers]:
    """`extra_origins`: more browser origins allowed (ALLOWED_ORIGINS), e.g. a host page."""
    markers.require("servers", "running_servers")
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run `make model` (make test does it)")
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "DATA_DIR": str(data_dir),
        "TRACKER_DB_URL": f"sqlite:///{data_dir / 'trackers.db'}",
        "DATABASE_URL": f"sqlite:///{data_dir / 'trackers.db'}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "WEB_PORT": str(web_port),
        "RASA_PUBLIC_URL": f"http://127.0.0.1:{rasa_port}",
        "ALLOWED_ORIGINS": ",".join((f"http://127.0.0.1:{web_port}",
                                     f"http://localhost:{web_port}", *extra_origins)),
        **SECRETS,
        **(extra_env or {}),
    }
    log_path = data_dir / "servers.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "python"), "-m", "scripts.run"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        servers = Servers(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}",
                          data_dir, log_path, f"http://127.0.0.1:{web_port}")
        try:
            _wait_until_up(servers, process)
            yield servers
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _wait_until_up(servers: Servers, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"servers exited early:\n{servers.logs()[-3000:]}")
        try:
            rest = requests.get(f"{servers.rasa_url}/webhooks/rest/", timeout=2)
            actions = requests.get(f"{servers.action_url}/health", timeout=2)
            web = requests.get(f"{servers.web_url}/healthz", timeout=2)
            if rest.ok and actions.ok and web.ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"servers did not start in {timeout} s:\n{servers.logs()[-3000:]}")
