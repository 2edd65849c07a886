"""The assistant as it runs on several machines, started on this machine's loopback.

    make cluster    (or: .venv/bin/python -m scripts.cluster [--rasa-servers 2] [--keep-files])

Starts, each on a free 127.0.0.1 port, and stops all of them on exit (Ctrl-C or SIGTERM):
- a throwaway PostgreSQL server (devkit/postgres.py) holding the conversations and the
  project's tables, migrated first (`python -m bot.storage migrate`, as scripts/run.py does);
- Debian's redis-server as Rasa's lock store (password in a config file, nothing saved);
- two action servers and two Rasa servers (deploy/endpoints.yml);
- nginx (deploy/nginx.conf.template): the public listener in front of the Rasa servers (sticky
  sessions for socket.io, any server for REST), and an internal listener in front of the
  action servers, which every Rasa server uses as its action endpoint;
- the web server, whose chat page connects to nginx.

The first Rasa server creates the `events` table; the others start once it exists (two servers
creating the same PostgreSQL table at once can fail). deploy/README.md maps this onto real
hosts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa

from bot.generated_secrets import ensure_internal_secrets
from devkit import launch, markers
from devkit.postgres import PostgresUnavailable, throwaway_postgres
from devkit.servers import MODEL, free_port
from rasa_extensions.credentials import write_effective_credentials

ROOT = Path(__file__).resolve().parent.parent

BIN = Path(sys.executable).parent
DEPLOY = ROOT / "deploy"
HOST = "127.0.0.1"
INSTALL_HINT = "Debian: apt-get install -y nginx redis-server postgresql (.ci/run does it)"


@dataclass(frozen=True)
class Cluster:
    url: str  # nginx, the public entry: socket.io, messaging webhooks, the web pages
    web_url: str  # the web server itself (chat page, staff pages)
    internal_url: str  # nginx's internal listener: the REST channel (and HTTP API, if on)
    rasa_urls: tuple[str, ...]
    action_urls: tuple[str, ...]
    action_endpoint: str  # nginx's internal listener in front of the action servers
    db_url: str
    redis_url: str  # the lock store, with its password
    work_dir: Path

    @property
    def access_log(self) -> Path:
        return self.work_dir / "nginx" / "access.log"

    def logs(self) -> str:
        return "\n".join(f"== {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted((self.work_dir / "logs").glob("*.log")))

    def describe(self) -> str:
        return (f"nginx {self.url} (internal {self.internal_url}) -> Rasa "
                f"{', '.join(self.rasa_urls)}; actions via "
                f"{self.action_endpoint} -> {', '.join(self.action_urls)}; web {self.web_url}; "
                f"PostgreSQL {self.db_url}; Redis {self.redis_url.split('@')[-1]}; files "
                f"{self.work_dir}")


def require(binary: str, *candidates: str) -> str:
    for path in (*candidates, shutil.which(binary)):
        if path and os.access(path, os.X_OK):
            return path
    raise SystemExit(f"error: {binary} not found. {INSTALL_HINT}")


def render_nginx(run_dir: Path, ports: NginxPorts, rasa_ports: list[int],
                 action_ports: list[int], webhooks: list[str]) -> Path:
    """deploy/nginx.conf.template with this machine's ports and the messaging channels that
    are on (`webhooks`, e.g. ["telegram", "wechat"]), written into run_dir."""

    def servers(ports: list[int]) -> str:
        return "\n".join(f"        server {HOST}:{port} max_fails=3 fail_timeout=10s;"
                         for port in ports)

    text = (DEPLOY / "nginx.conf.template").read_text()
    for key, value in {"RUN_DIR": str(run_dir), "LISTEN": f"{HOST}:{ports.public}",
                       "INTERNAL_LISTEN": f"{HOST}:{ports.internal}",
                       "ACTION_LISTEN": f"{HOST}:{ports.actions}",
                       "WEB_SERVER": f"{HOST}:{ports.web}",
                       "WEBHOOK_LOCATIONS": webhook_locations(webhooks),
                       "RASA_SERVERS": servers(rasa_ports),
                       "ACTION_SERVERS": servers(action_ports)}.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError("deploy/nginx.conf.template has a placeholder cluster.py does not fill")
    config = run_dir / "nginx.conf"
    config.write_text(text)
    return config


@dataclass(frozen=True)
class NginxPorts:
    public: int  # patients' browsers and the platforms
    internal: int  # REST channel and HTTP API (private network)
    actions: int  # the action servers (private network)
    web: int  # the web server behind the public listener


def webhook_locations(channels: list[str]) -> str:
    """An exact location per messaging webhook that is on (nothing when none is)."""
    return "".join(
        f"        location = /webhooks/{name}/webhook {{\n"
        "            proxy_pass http://rasa;\n"
        '            proxy_set_header Connection "";\n'
        "        }\n" for name in channels)


def messaging_webhooks(effective_credentials: Path) -> list[str]:
    """The URL names of the messaging channels in an effective credentials file: the module
    of each channel class is its webhook's name (rasa_extensions.channels.telegram.* ->
    /webhooks/telegram/webhook)."""
    import yaml

    channels = yaml.safe_load(effective_credentials.read_text()) or {}
    return sorted(name.split(".")[-2] for name in channels
                  if name.startswith("rasa_extensions.channels.")
                  and name.split(".")[-2] not in ("rest", "web"))


class Processes:
    """Started servers, each in its own process group with its log in logs/NAME.log."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        with open(self.log_dir / f"{name}.log", "w") as log:
            self.running[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def check(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                log = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with status {process.returncode}:\n{log}")

    def wait_for(self, what: str, ready, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check()
            try:
                if ready():
                    return
            except (requests.RequestException, sa.exc.SQLAlchemyError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{what} not ready after {timeout:.0f} s")

    def stop(self) -> None:
        launch.terminate(reversed(list(self.running.values())))


def _up(url: str) -> bool:
    return requests.get(url, timeout=2).ok


@contextmanager
def running_cluster(rasa_servers: int = 2, action_servers: int = 2, keep_files: bool = False,
                    endpoints: Path = DEPLOY / "endpoints.yml") -> Iterator[Cluster]:
    markers.require("cluster", "running_cluster")
    if not MODEL.exists():
        raise SystemExit(f"error: {MODEL} is missing: run `make model`")
    nginx = require("nginx", "/usr/sbin/nginx")
    redis_server = require("redis-server", "/usr/bin/redis-server")
    work = Path(tempfile.mkdtemp(prefix="sarcoma-cluster-"))
    work.chmod(0o711)  # nginx's workers (nobody, when started as root) reach their temp files
    for folder in ("logs", "data", "redis", "nginx"):
        (work / folder).mkdir()
    with ExitStack() as stack:
        if not keep_files:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        try:
            postgres = stack.enter_context(throwaway_postgres(prefix="cluster-postgres-"))
        except PostgresUnavailable as error:
            raise SystemExit(f"error: {error}") from None
        db_url = postgres.create_database("screening")

        ports = NginxPorts(*(free_port() for _ in range(4)))
        web_port, redis_port = ports.web, free_port()
        redis_password = secrets.token_hex(16)
        rasa_ports = [free_port() for _ in range(rasa_servers)]
        action_ports = [free_port() for _ in range(action_servers)]
        cluster = Cluster(
            url=f"http://{HOST}:{ports.public}", web_url=f"http://{HOST}:{web_port}",
            internal_url=f"http://{HOST}:{ports.internal}",
            rasa_urls=tuple(f"http://{HOST}:{port}" for port in rasa_ports),
            action_urls=tuple(f"http://{HOST}:{port}" for port in action_ports),
            action_endpoint=f"http://{HOST}:{ports.actions}/webhook",
            db_url=db_url, redis_url=f"redis://:{redis_password}@{HOST}:{redis_port}/1",
            work_dir=work)
        origins = [cluster.url, cluster.web_url, f"http://localhost:{web_port}"]
        ensure_internal_secrets(work / "data")  # every server of the cluster shares them
        os.environ.setdefault("REST_CHANNEL_TOKEN", secrets.token_urlsafe(24))
        env = {
            **os.environ,
            "DATA_DIR": str(work / "data"),
            "TRACKER_DB_URL": db_url,
            "DATABASE_URL": db_url,
            "ACTION_SERVER_URL": cluster.action_endpoint,
            "REDIS_HOST": HOST, "REDIS_PORT": str(redis_port), "REDIS_DB": "1",
            "REDIS_PASSWORD": redis_password,
            "ACTION_HOST": HOST,
            "WEB_HOST": HOST, "WEB_PORT": str(web_port),
            "RASA_PUBLIC_URL": cluster.url,
            "ALLOWED_ORIGINS": ",".join(origins),
            # the web server is behind nginx (one proxy, which sets X-Forwarded-For and
            # -Proto); plain HTTP on loopback, so cookies without Secure (scripts/run.py)
            "WEB_TRUSTED_PROXIES": os.environ.get("WEB_TRUSTED_PROXIES", "1"),
            "STAFF_COOKIE_SECURE": os.environ.get("STAFF_COOKIE_SECURE", "false"),
        }
        subprocess.run(launch.migrate_database(), cwd=ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL)
        credentials = write_effective_credentials(ROOT / "credentials.yml",
                                                  work / "data" / "credentials.effective.yml")

        processes = Processes(work / "logs")
        stack.callback(processes.stop)
        redis_conf = work / "redis" / "redis.conf"
        redis_conf.write_text(f"bind {HOST}\nport {redis_port}\nrequirepass {redis_password}\n"
                              f'save ""\nappendonly no\ndir {work / "redis"}\n')
        redis_conf.chmod(0o600)
        processes.start("redis", [redis_server, str(redis_conf)], env)
        for index, port in enumerate(action_ports, 1):
            processes.start(f"action-{index}", launch.action_server(port), env)
        config = render_nginx(work / "nginx", ports, rasa_ports, action_ports,
                              messaging_webhooks(credentials))
        processes.start("nginx", [nginx, "-p", str(work / "nginx"), "-c", str(config),
                                  "-e", str(work / "nginx" / "error.log")], env)

        engine = sa.create_engine(db_url, future=True)
        stack.callback(engine.dispose)
        for index, port in enumerate(rasa_ports, 1):
            processes.start(f"rasa-{index}", launch.rasa_server(
                MODEL, HOST, port, credentials, endpoints, origins), env)
            if index == 1:
                processes.wait_for("the events table",
                                   lambda: sa.inspect(engine).has_table("events"))
        processes.start("web", launch.web_server(), env)

        for url in cluster.action_urls:
            processes.wait_for(url, lambda url=url: _up(f"{url}/health"))
        for url in cluster.rasa_urls:
            processes.wait_for(url, lambda url=url: _up(f"{url}/webhooks/rest/"))
        processes.wait_for("nginx", lambda: _up(f"{cluster.internal_url}/webhooks/rest/"))
        processes.wait_for("nginx (web)", lambda: _up(f"{cluster.url}/healthz"))
        processes.wait_for("nginx (actions)",
                           lambda: _up(cluster.action_endpoint.replace("/webhook", "/health")))
        processes.wait_for("web server", lambda: _up(f"{cluster.web_url}/healthz"))
        yield cluster


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-servers", type=int, default=2)
    parser.add_argument("--action-servers", type=int, default=2)
    parser.add_argument("--keep-files", action="store_true",
                        help="keep the logs and nginx files after stopping")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    print("starting the cluster (PostgreSQL, Redis, action servers, Rasa servers, nginx, web)",
          flush=True)
    with running_cluster(args.rasa_servers, args.action_servers, args.keep_files) as cluster:
        print(f"up: {cluster.describe()}\nchat page {cluster.web_url}/ ; REST "
              f"{cluster.internal_url}/webhooks/rest/webhook with 'Authorization: Bearer "
              f"{os.environ['REST_CHANNEL_TOKEN']}' ; Ctrl-C stops everything", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            print("stopping", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
