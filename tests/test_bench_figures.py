"""The figures `make bench` and `make load` print (scripts/stats.py, scripts/loadtest.py's
ramp summary), on made-up latencies and on this test's own process: no server."""

from __future__ import annotations

import os
import socket

from devkit.chat_clients import Conversation
from devkit.processes import server_processes
from devkit.rest_patient import RestPatient
from scripts.loadtest import Report, ramp_summary
from scripts.stats import ServerMeter, by_turn, by_turn_line, latency_line


def _conversation(latencies: list[float]) -> Conversation:
    conversation = Conversation("rest", "s", RestPatient("http://x", "s"))
    conversation.latencies = latencies
    return conversation


def test_latencies_are_grouped_by_turn_index_and_turn_25_is_compared_with_turn_5():
    short = [0.010] * 5
    long = [0.010] * 24 + [0.030] * 3  # turns 25-27 take three times as long
    turns = by_turn([short, long])
    assert len(turns[5]) == 2 and len(turns[25]) == 1 and max(turns) == 27
    line = by_turn_line([short, long])
    assert "1-5 10/10" in line and "21-25 10/30" in line and "26+ 30/30" in line
    assert "turn 25 / turn 5 p50 3.00x (1 at turn 25)" in line
    assert "no turn 25" in by_turn_line([short])


def test_latency_line_gives_the_percentiles_in_milliseconds():
    values = [i / 1000 for i in range(1, 101)]  # 1 .. 100 ms
    assert latency_line(values) == "p50 50 ms, p95 95 ms, p99 99 ms, max 100 ms"
    assert latency_line([]) == "no turns"


def test_the_ramp_says_where_p95_passed_1_s_and_the_highest_throughput():
    fast = Report(1, 10, 10.0, [_conversation([0.05] * 40)])  # 4 turns/s
    busy = Report(8, 10, 10.0, [_conversation([0.5] * 90)])  # 9 turns/s
    over = Report(16, 10, 10.0, [_conversation([1.5] * 60)])  # 6 turns/s, p95 1.5 s
    summary = ramp_summary([fast, busy, over])
    assert "p95 passed 1 s at 16 concurrent conversations (1500 ms)" in summary
    assert "highest throughput: 9.0 messages/s at 8 concurrent conversations" in summary


def test_a_server_is_found_by_the_port_it_listens_on_and_measured():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        pids = server_processes([f"http://127.0.0.1:{port}"], [f"http://127.0.0.1:{port}/webhook"])
        assert pids == {"rasa": os.getpid(), "action": os.getpid()}
        meter = ServerMeter(pids).start()
        sum(i * i for i in range(2_000_000))  # some CPU for this process to show
        uses = meter.stop()
    assert uses["rasa"].cpu_seconds > 0 and uses["rasa"].rss_mb > 10
