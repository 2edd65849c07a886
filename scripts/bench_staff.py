"""`make bench-staff`: staff page response times with 100,000 synthetic conversations, on SQLite
and on PostgreSQL.

For each database: fill it (devkit/staff_data.py, with transcripts in Rasa's events
table), start the real web server (`python -m bot.web`, waitress) on it, sign in over HTTP, and
time the list page (each filter, a text search, page 1,000 by keyset) and conversation pages.
Prints the median and p95 in milliseconds per page, measured by the client over loopback.

    .venv/bin/python -m scripts.bench_staff [--count 100000] [--repeat 15] [--only sqlite]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import requests

from bot.storage import db
from bot.storage.accounts import Accounts
from bot.storage.store import Store
from devkit.patients import A, B
from devkit.postgres import throwaway_postgres
from devkit.servers import ROOT, free_port
from devkit.staff_data import page_start, populate, public_id, staff_signed_in
from scripts.stats import percentile

PASSWORD = "benchmark password"
LIST_PAGES = {
    "list: newest, no filter": {},
    "list: channel": {"channel": "telegram"},
    "list: not reviewed": {"reviewed": "no"},
    "list: one month": {"from": "2025-06-01", "to": "2025-06-30"},
    "list: trial B possible match": {"trial": B, "verdict": "possible_match"},
    "list: trial A not a match, not reviewed": {"trial": A, "verdict": "not_a_match",
                                                "reviewed": "no"},
    "list: all filters": {"from": "2025-03-01", "to": "2025-08-31", "channel": "socketio",
                          "trial": B, "verdict": "possible_match", "reviewed": "no"},
    "list: asked to talk, not handled": {"contact": "open"},
    "list: text search, common word": {"q": "leiomyosarcoma"},
    "list: text search, rare word": {"q": "no patient wrote this"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    for name in ("sqlite", "postgresql"):
        if args.only in (None, name):
            with database(name) as url:
                bench(name, url, args.count, args.repeat)
    return 0


@contextlib.contextmanager
def database(name: str) -> Iterator[str]:
    if name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-staff-") as folder:
            yield f"sqlite:///{Path(folder) / 'trackers.db'}"
        return
    with throwaway_postgres("bench-staff-postgres-") as server:
        yield server.create_database("bench")


def bench(name: str, url: str, count: int, repeat: int) -> None:
    started = time.perf_counter()
    populate(url, count, transcripts=True)
    Accounts(Store(url)).create("bench", PASSWORD, role="coordinator")
    db.dispose_all()
    print(f"\n{name}: {count} conversations with transcripts written in "
          f"{time.perf_counter() - started:.0f} s")
    with web_server(url) as base:
        session = signed_in(base)
        for label, query in LIST_PAGES.items():
            report(label, timed(session, f"{base}/staff/", query, repeat))
        first = session.get(f"{base}/staff/", timeout=60).text
        token = re.search(r'rel="next" href="[^"]*after=([^"&]+)', first)
        report("list: next page (keyset)",
               timed(session, f"{base}/staff/", {"after": unquote(token.group(1))}, repeat))
        deep_page = min(1000, count // 50 - 1)
        deep = deep_page_token(url, deep_page)
        report(f"list: page {deep_page:,} (keyset)",
               timed(session, f"{base}/staff/", {"after": deep}, repeat))
        rng = random.Random(3)
        pages = [f"{base}/staff/conversations/{public_id(rng.randrange(1, count + 1))}"
                 for _ in range(repeat)]
        report("conversation page", [once(session, page, {}) for page in pages])


def deep_page_token(url: str, page: int) -> str:
    started_at, row_id = page_start(Store(url), page)
    return f"{started_at.isoformat()}_{row_id}"


@contextlib.contextmanager
def web_server(url: str) -> Iterator[str]:
    port = free_port()
    # plain HTTP on loopback, as scripts/run.py serves it; no retention run on the bench data
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_DB_URL": url, "WEB_PORT": str(port),
           "LOG_LEVEL": "WARNING", "STAFF_COOKIE_SECURE": "false", "RETENTION_AUTO": "false"}
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def signed_in(base: str) -> requests.Session:
    session, landed = staff_signed_in(base, "bench", PASSWORD)
    landed.raise_for_status()
    return session


def timed(session: requests.Session, url: str, query: dict, repeat: int) -> list[float]:
    once(session, url, query)  # warm the database's caches
    return [once(session, url, query) for _ in range(repeat)]


def once(session: requests.Session, url: str, query: dict) -> float:
    started = time.perf_counter()
    response = session.get(url, params=query, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def report(label: str, samples: list[float]) -> None:
    p95 = percentile(sorted(samples), 0.95)
    print(f"  {label:45s} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
