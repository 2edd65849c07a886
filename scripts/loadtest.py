"""Load test: concurrent scripted patients over REST and socket.io for a fixed time. Prints
throughput, per-turn latency p50/p95/p99 per channel and the errors; asserts nothing.

    make load                                                    (ramp, own servers)
    .venv/bin/python -m scripts.loadtest --concurrency 8 --duration 30
    .venv/bin/python -m scripts.loadtest --ramp 1,8,16,32,64,128,256 --duration 20
    .venv/bin/python -m scripts.loadtest --cluster --ramp        (scripts/cluster.py: nginx,
                                                                  2 Rasa, 2 action servers)
    .venv/bin/python -m scripts.loadtest --url http://lb:8000 --origin https://chat.example.org

Each of the N concurrent patients plays one screening after another (devkit.simulate's random
patients, fixed seed, answered by button as devkit/rest_patient.py does) until the time is up; a
patient never starts a turn after that, so every turn sent is a complete one. Patients
alternate between the channels given. Over socket.io each patient connects as the website does
(Origin header, session_request, then user_uttered with the session id and proof the server
issued) and a turn ends when the server acknowledges the user_uttered event, which it does
after the whole turn (every bot_uttered is sent before).
Without --url (or --cluster) the script starts its own Rasa, action and web servers
(devkit/servers.py, SQLite, one process each) on free ports.

Ramp mode runs each concurrency in turn and reports the first at which the p95 of all turns
passes 1 s. Every run prints the machine's load average: the load test shares the cores with
the servers (and with whatever else runs), so figures mean little without it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from bot.dialogue import content
from bot.identity import WEB, conversation_id
from devkit.rest_patient import RestPatient
from devkit.servers import rest_headers, rest_id
from devkit.simulate import random_patient
from scripts.stats import percentile

ROOT = Path(__file__).resolve().parent.parent

CHANNELS = ("rest", "socketio")
P95_LIMIT_S = 1.0
AFFINITY_COOKIE = "rasa_affinity"  # the load balancer's sticky key for socket.io (deploy/)


@dataclass(frozen=True)
class Target:
    url: str  # a Rasa server or the load balancer in front of several
    origin: str | None  # an origin in ALLOWED_ORIGINS, sent by socket.io clients
    transports: tuple[str, ...] | None = None  # socket.io: None = polling, then websocket
    timeout: float = 60.0
    rest_url: str | None = None  # where the REST channel is, if not at `url` (the cluster's
    # internal listener: the public one passes no REST)


@dataclass
class Conversation:
    channel: str
    sender: str
    conversation_id: str = ""  # as the server stores it (set when the connection opens)
    sent: list[str] = field(default_factory=list)  # every message sent, in order
    latencies: list[float] = field(default_factory=list)  # seconds, one per complete turn
    script: RestPatient | None = None  # the transcript and the scripted answers
    completed: bool = False  # reached the screening result
    error: str | None = None

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every bot message, in order (socket.io messages in REST's shape)."""
        return [reply for _, replies in self.script.transcript for reply in replies]


@dataclass
class Report:
    concurrency: int
    duration: float
    elapsed: float
    conversations: list[Conversation]
    load_average: float = 0.0  # the machine's 1-minute load average at the end of the run

    @property
    def errors(self) -> list[str]:
        return [f"{c.channel}: {c.error}" for c in self.conversations if c.error]

    def latencies(self, channel: str | None = None) -> list[float]:
        return sorted(ms for c in self.conversations if channel in (None, c.channel)
                      for ms in c.latencies)

    def turns_per_second(self) -> float:
        return len(self.latencies()) / self.elapsed if self.elapsed else 0.0

    def completed(self, channel: str | None = None) -> int:
        return sum(c.completed for c in self.conversations if channel in (None, c.channel))

    def p95(self) -> float:
        return percentile(self.latencies(), 0.95)

    def lines(self) -> list[str]:
        channels = sorted({c.channel for c in self.conversations})
        lines = [
            f"{self.concurrency} concurrent conversations for {self.duration:.0f} s "
            f"({', '.join(channels)}): {len(self.latencies())} messages answered, "
            f"{self.turns_per_second():.1f} messages/s, {self.completed()} screenings "
            f"completed, {len(self.errors)} errors (machine load average {self.load_average:.1f} "
            f"on {os.cpu_count()} cores, load test client included)"
        ]
        for channel in (*channels, None):
            turns = self.latencies(channel)
            if turns:
                lines.append(
                    f"  {channel or 'all':9} {len(turns):6} turns  p50 {ms(turns, 0.5):6.0f} ms"
                    f"  p95 {ms(turns, 0.95):6.0f} ms  p99 {ms(turns, 0.99):6.0f} ms  "
                    f"max {1000 * turns[-1]:6.0f} ms  {self.completed(channel)} completed"
                )
        for error, count in Counter(self.errors).most_common(5):
            lines.append(f"  error x{count}: {error[:300]}")
        return lines


def ms(values: list[float], fraction: float) -> float:
    return 1000 * percentile(values, fraction)


# --- the scripted patient ----------------------------------------------------------------------


def answers(script: RestPatient, truth: dict[str, Any], max_turns: int = 60) -> Iterator[str]:
    """What the patient says, turn by turn: the opening, consent, audience, then an answer to
    each question the bot asks (read from the script's transcript) until none is asked."""
    audience = "child" if truth.get("age", 99) < 16 else "self"
    yield "hello"
    yield content()["consent_buttons"][0]
    yield next(o["label"] for o in content()["audience_buttons"] if o["value"] == audience)
    for _ in range(max_turns):
        slot = script.asked()
        if slot is None:
            return
        yield script.answer_for(slot, truth, {})
    raise AssertionError(f"no result after {max_turns} answers")


class RestConnection:
    def __init__(self, target: Target, http: aiohttp.ClientSession, sender: str) -> None:
        self.url = f"{target.rest_url or target.url}/webhooks/rest/webhook"
        self.http, self.sender = http, sender
        self.conversation_id = rest_id(sender)
        self.timeout = aiohttp.ClientTimeout(total=target.timeout)

    async def open(self) -> None:
        pass

    async def turn(self, text: str) -> list[dict[str, Any]]:
        payload = {"sender": self.sender, "message": text}
        async with self.http.post(self.url, json=payload, timeout=self.timeout,
                                  headers=rest_headers()) as response:
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
            replies = await response.json()
        return [{k: v for k, v in reply.items() if k != "recipient_id"} for reply in replies]

    async def close(self) -> None:
        pass


class SocketIOConnection:
    """One website visitor: its own socket.io connection, and the session id and proof the
    server issues (rasa_extensions/channels/web.py); stored as `web:<id>`."""

    def __init__(self, target: Target, sender: str) -> None:
        self.target, self.sender = target, sender
        self.conversation_id = ""  # web:<id>, once the server has issued the session
        self.session: dict[str, Any] = {}
        self.client = socketio.AsyncClient(reconnection=False)
        self.buffer: list[dict[str, Any]] = []
        self.confirmed = asyncio.Event()
        self.client.on("session_confirm", self._confirmed)
        self.client.on("bot_uttered", lambda data: self.buffer.append(_rest_shape(data)))

    def _confirmed(self, confirm: dict[str, Any]) -> None:
        self.session = {"session_id": confirm["session_id"], "proof": confirm["proof"]}
        self.conversation_id = conversation_id(WEB, confirm["session_id"], secret="")
        self.confirmed.set()

    async def open(self) -> None:
        # Each visitor is its own client for the load balancer's sticky sessions (a browser
        # gets the cookie from the balancer; here every visitor brings a random one).
        headers = {"Cookie": f"{AFFINITY_COOKIE}={uuid.uuid4().hex}"}
        if self.target.origin:
            headers["Origin"] = self.target.origin
        await self.client.connect(
            self.target.url, headers=headers, socketio_path="/socket.io",
            transports=list(self.target.transports) if self.target.transports else None,
            wait_timeout=self.target.timeout,
        )
        await self.client.emit("session_request", {})
        await asyncio.wait_for(self.confirmed.wait(), self.target.timeout)

    async def turn(self, text: str) -> list[dict[str, Any]]:
        # The acknowledgement comes after the turn's last bot_uttered, on the same connection.
        ack = await self.client.call("user_uttered", {"message": text, **self.session},
                                     timeout=self.target.timeout)
        if not (isinstance(ack, dict) and ack.get("accepted")):
            raise RuntimeError(f"message refused: {ack}")
        replies, self.buffer = self.buffer, []
        return replies

    async def close(self) -> None:
        await self.client.disconnect()


def _rest_shape(message: dict[str, Any]) -> dict[str, Any]:
    """A socket.io bot message as the REST channel gives it: buttons, custom messages."""
    if "text" not in message and "type" in message:
        return {"custom": message}
    shaped = {k: v for k, v in message.items() if k != "quick_replies"}
    if message.get("quick_replies"):
        shaped["buttons"] = [{"title": b["title"], "payload": b["payload"]}
                             for b in message["quick_replies"]]
    return shaped


async def play(connection: RestConnection | SocketIOConnection, conversation: Conversation,
               truth: dict[str, Any], deadline: float) -> None:
    """One screening, turn by turn, until the result or the deadline (between turns)."""
    script = conversation.script
    try:
        await connection.open()
        conversation.conversation_id = connection.conversation_id
        for text in answers(script, truth):
            if time.monotonic() >= deadline:
                return
            conversation.sent.append(text)
            started = time.perf_counter()
            replies = await connection.turn(text)
            conversation.latencies.append(time.perf_counter() - started)
            script.transcript.append((text, replies))
        if script.result() is None:
            raise AssertionError("the screening ended without a screening_result message")
        conversation.completed = True
    except Exception as error:  # every failure is counted and reported, never raised
        conversation.error = f"{type(error).__name__}: {error}".strip()
    finally:
        try:
            await connection.close()
        except Exception as error:
            conversation.error = conversation.error or f"closing: {error}"


async def run_load(target: Target, concurrency: int, duration: float,
                   channels: tuple[str, ...] = CHANNELS, seed: int = 20261125) -> Report:
    """`concurrency` patients, alternating between `channels`, each playing screenings one
    after another for `duration` seconds."""
    conversations: list[Conversation] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def patient(index: int) -> None:
            rng = random.Random(f"{seed}-{index}")
            channel = channels[index % len(channels)]
            while time.monotonic() < deadline:
                sender = f"load-{channel}-{uuid.uuid4().hex}"
                conversation = Conversation(channel, sender, script=RestPatient(target.url, sender))
                conversations.append(conversation)
                connection = (RestConnection(target, http, sender) if channel == "rest"
                              else SocketIOConnection(target, sender))
                await play(connection, conversation, random_patient(rng), deadline)
                if conversation.error:
                    await asyncio.sleep(0.5)  # no tight loop against a failing server

        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(*(patient(i) for i in range(concurrency)))
        elapsed = time.monotonic() - started
    return Report(concurrency, duration, elapsed, conversations, os.getloadavg()[0])


def ramp(target: Target, levels: list[int], duration: float, channels: tuple[str, ...],
         seed: int) -> list[Report]:
    """Each concurrency level in turn, then a table and the first level whose p95 passed 1 s."""
    reports = []
    for level in levels:
        report = asyncio.run(run_load(target, level, duration, channels, seed))
        reports.append(report)
        print("\n".join(report.lines()), flush=True)
    print(ramp_summary(reports))
    return reports


def ramp_summary(reports: list[Report]) -> str:
    rows = ["concurrent  messages/s  completed  p50 ms  p95 ms  p99 ms  errors  load avg"]
    for r in reports:
        turns = r.latencies()
        rows.append(f"{r.concurrency:10}  {r.turns_per_second():10.1f}  {r.completed():9}  "
                    f"{ms(turns, 0.5):6.0f}  {ms(turns, 0.95):6.0f}  {ms(turns, 0.99):6.0f}  "
                    f"{len(r.errors):6}  {r.load_average:8.1f}")
    over = next((r for r in reports if r.p95() > P95_LIMIT_S), None)
    if over is None:
        rows.append(f"p95 stayed under {P95_LIMIT_S:.0f} s up to {reports[-1].concurrency} "
                    "concurrent conversations")
    else:
        rows.append(f"p95 passed {P95_LIMIT_S:.0f} s at {over.concurrency} concurrent "
                    f"conversations ({ms(over.latencies(), 0.95):.0f} ms)")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="a running Rasa server or load balancer (default: start "
                                     "servers here)")
    where.add_argument("--cluster", action="store_true",
                       help="start scripts/cluster.py's cluster (nginx, 2 Rasa, 2 action "
                            "servers, PostgreSQL, Redis) and load it")
    parser.add_argument("--origin", help="Origin header for socket.io (one of ALLOWED_ORIGINS)")
    parser.add_argument("--rest-url", help="the REST channel, when not at --url")
    parser.add_argument("--channels", default=",".join(CHANNELS),
                        help="comma-separated: rest, socketio (default both)")
    parser.add_argument("--transport", choices=["default", "websocket", "polling"],
                        default="default", help="socket.io transports (default: polling, "
                                                "then upgrade to websocket, as browsers do)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30, help="seconds (per ramp level)")
    parser.add_argument("--ramp", nargs="?", const="1,8,16,32,64,128,256",
                        help="comma-separated concurrency levels (default 1,8,16,32,64,128,256)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--timeout", type=float, default=60, help="seconds per turn")
    args = parser.parse_args()
    channels = tuple(c.strip() for c in args.channels.split(",") if c.strip())
    if not channels or set(channels) - set(CHANNELS):
        parser.error(f"--channels takes {', '.join(CHANNELS)}")
    transports = None if args.transport == "default" else (args.transport,)

    with ExitStack() as stack:
        url, origin, rest_url = args.url, args.origin, args.rest_url
        if args.cluster:
            from scripts.cluster import running_cluster

            cluster = stack.enter_context(running_cluster())
            url, origin, rest_url = cluster.url, origin or cluster.web_url, cluster.internal_url
            print(f"cluster: {cluster.describe()}")
        elif not url:
            from devkit.servers import running_servers

            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            servers = stack.enter_context(running_servers(data))
            url, origin = servers.rasa_url, origin or servers.web_url
            print(f"servers started here: Rasa {url}, SQLite tracker store")
        target = Target(url.rstrip("/"), origin, transports, args.timeout,
                        rest_url.rstrip("/") if rest_url else None)
        print(f"target {target.url}, channels {', '.join(channels)}, socket.io transports "
              f"{args.transport}, {args.duration:.0f} s per run", flush=True)
        if args.ramp:
            ramp(target, [int(n) for n in args.ramp.split(",")], args.duration, channels,
                 args.seed)
        else:
            report = asyncio.run(run_load(target, args.concurrency, args.duration, channels,
                                          args.seed))
            print("\n".join(report.lines()))


if __name__ == "__main__":
    main()
