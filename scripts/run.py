"""Start the action server, the Rasa server and the web server together; Ctrl-C (or SIGTERM)
stops all three.

Called by `make run` after the environment is set up and the model trained. Ports and hosts
come from the environment or `.env` (bot/settings.py). If any server exits, the others are
stopped too, so a half-running assistant is never left behind. The Rasa server accepts browser
requests (CORS) only from ALLOWED_ORIGINS; the web server's chat page connects to
RASA_PUBLIC_URL. Rasa's HTTP API is off unless RASA_ENABLE_API=true, and then it needs
RASA_API_TOKEN or RASA_JWT_SECRET (rasa_extensions/http_api.py): without one nothing starts.

Staff cookies are Secure by default, and a browser never sends a Secure cookie over plain
HTTP to anything but `localhost`. When the web server listens only on a loopback address
(the default, WEB_HOST=127.0.0.1) nobody else can reach it, so `make run` sets
STAFF_COOKIE_SECURE=false unless it is set already: the staff pages work at
http://127.0.0.1:8080/staff/ too. A web server on any other address keeps Secure cookies
(serve it over HTTPS, or set STAFF_COOKIE_SECURE=false yourself on a trusted network).
The web server also runs the daily retention (bot/storage/retention.py).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.catalog import CatalogError, load_catalog
from bot.generated_secrets import ensure_internal_secrets
from bot.settings import Settings, load_settings
from bot.trials import TrialDataError, load_trials
from devkit import launch
from rasa_extensions import http_api
from rasa_extensions.credentials import write_effective_credentials

ROOT = Path(__file__).resolve().parent.parent

BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "current.tar.gz"
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s - %(message)s"


def commands() -> dict[str, list[str]]:
    http_api.api_arguments(os.environ)  # refuses an HTTP API without authentication
    generated = ensure_internal_secrets(load_settings().data_dir)
    if generated:
        print(f"Generated {', '.join(generated)} into DATA_DIR/secrets.env (kept for later "
              "starts; set them in the environment to run several machines).", flush=True)
    settings = load_settings()
    if is_loopback(settings.web_host) and "STAFF_COOKIE_SECURE" not in os.environ:
        os.environ["STAFF_COOKIE_SECURE"] = "false"
        print(f"Staff pages: plain-HTTP cookies, as the web server listens on "
              f"{settings.web_host} only (STAFF_COOKIE_SECURE=false).", flush=True)
    action_url = f"http://{settings.action_host}:{settings.action_port}/webhook"
    os.environ.setdefault("ACTION_SERVER_URL", action_url)
    os.environ.setdefault("DATA_DIR", str(settings.data_dir))
    os.environ.setdefault("TRACKER_DB_URL", f"sqlite:///{settings.data_dir / 'trackers.db'}")
    os.environ.setdefault("DATABASE_URL", os.environ["TRACKER_DB_URL"])
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    credentials = write_effective_credentials(
        ROOT / "credentials.yml", settings.data_dir / "credentials.effective.yml"
    )
    return {
        "action server": launch.action_server(settings.action_port),
        "rasa server": launch.rasa_server(MODEL, settings.rasa_host, settings.rasa_port,
                                          credentials, "endpoints.yml", settings.allowed_origins),
        "web server": launch.web_server(),
    }


def is_loopback(host: str) -> bool:
    """Whether a listen address is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def rest_channel_notice(settings: Settings) -> str:
    if not settings.rest_channel_token:
        return ("REST channel: off (for integrations and tests; set REST_CHANNEL_TOKEN in .env, "
                "at least 16 characters, to turn it on).")
    return ("REST channel: on. Send the token from .env with every request:\n"
            f"  curl -s localhost:{settings.rasa_port}/webhooks/rest/webhook "
            '-H "Authorization: Bearer $REST_CHANNEL_TOKEN" '
            """-d '{"sender": "demo", "message": "hello"}'""")


def check_trial_data() -> None:
    """Refuse to start anything when a trial data file or the facts catalog is broken. The
    action server refuses too (actions/__init__.py), but only after the others have started."""
    try:
        load_catalog()
        load_trials()
    except (CatalogError, TrialDataError) as error:
        raise SystemExit(f"error: trial data refused, no server started: {error}") from None


def main() -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    check_trial_data()
    servers = commands()
    print(http_api.describe(os.environ), flush=True)
    print(rest_channel_notice(load_settings()), flush=True)
    # The project's tables are created or upgraded before anything writes to them.
    subprocess.run(launch.migrate_database(), cwd=ROOT, check=True)
    processes = {
        name: subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        for name, cmd in servers.items()
    }
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("Starting: " + ", ".join(processes) + ". Press Ctrl-C to stop.", flush=True)
    while not stopping and all(p.poll() is None for p in processes.values()):
        time.sleep(0.5)
    for name, process in processes.items():
        if process.poll() is not None and not stopping:
            print(f"{name} exited with status {process.returncode}; stopping the rest.", flush=True)
    launch.terminate(processes.values())
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
