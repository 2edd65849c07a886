"""Where the servers' time goes: py-spy over the Rasa and action servers under a real load.

    make profile     (or: .venv/bin/python -m scripts.profile --patients 16 --concurrency 8)

Starts the servers as `make bench` does (SQLite, a fresh data folder), attaches `py-spy record`
to the Rasa server and to the action server, plays typed patients (devkit/typed_patients.py:
free text, several facts at once, corrections, 'not sure'; full screenings) over REST, in
English and Chinese alternately (--scripted: the button-tapping patients), then prints for each
server the functions with the most samples: by own time (the frame on top of the stack) and by
inclusive time (anywhere on the stack), as a share of all samples of that process. Samples of a
server waiting (IDLE_LEAVES) are left out, so the shares are of busy time, and the busy
samples divided by the rate give the CPU seconds the server spent on the load.
The raw stacks are kept with --keep DIR (py-spy's collapsed format, one line per stack) for a
flame graph. Asserts nothing; needs root or ptrace rights (py-spy reads the processes' memory).
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devkit.processes import server_processes
from devkit.rest_patient import RestPatient
from devkit.servers import running_servers
from devkit.simulate import random_patient
from devkit.typed_patients import typed_patient

PY_SPY = Path(sys.executable).parent / "py-spy"
#: Frames on top of the stack while a server waits: the event loop's poll, an idle worker
#: thread. py-spy reports them (with --nonblocking it cannot tell they sleep); left out.
IDLE_LEAVES = {"server/runners.py:serve", "futures/thread.py:_worker",
               "threading.py:wait", "selectors.py:select"}
#: The share above which an inclusive entry is the server's own spine (main, run, serve).
SPINE = 0.95


def play_patients(base_url: str, count: int, concurrency: int, seed: int, languages: list[str],
                  scripted: bool = False) -> int:
    """Full screenings over REST; returns the number of turns played."""
    rng = random.Random(seed)
    patients = [(random_patient(rng), languages[i % len(languages)], random.Random(seed + i))
                for i in range(count)]

    def screen(patient_of: tuple[dict, str, random.Random]) -> int:
        truth, language, own_rng = patient_of
        typist = None if scripted else typed_patient(truth, language, own_rng)
        patient = RestPatient(base_url, language=language, typist=typist)
        patient.start(None if typist else "child" if truth.get("age", 99) < 16 else "self")
        patient.answer_all(truth)
        return len(patient.latencies)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return sum(pool.map(screen, patients))


def record(pid: int, out: Path, rate: int) -> subprocess.Popen:
    return subprocess.Popen([str(PY_SPY), "record", "--pid", str(pid), "--format", "raw",
                             "--rate", str(rate), "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def frame_name(frame: str) -> str:
    """'function (path/to/module.py:123)' -> 'module.py:function' (lines merged)."""
    function, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if parts else path
    return f"{short}:{function}"


def summarise(collapsed: Path, top: int) -> list[str]:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";") if " (" in f]
        if not frames or frames[-1] in IDLE_LEAVES:
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return ["  no samples"]
    lines = [f"  {total} busy samples", "  own time:"]  # busy seconds: total / rate
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines.append("  inclusive time:")
    lines += [f"    {100 * n / total:5.1f}%  {name}"
              for name, n in inclusive.most_common(top + 20) if n < SPINE * total][:top]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--languages", default="en,zh", help="comma-separated, alternately")
    parser.add_argument("--scripted", action="store_true", help="patients who tap buttons")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="keep the raw stacks in this folder")
    args = parser.parse_args()
    out_dir = args.keep or Path(tempfile.mkdtemp(prefix="profile-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data, running_servers(Path(data)) as servers:
        pids = server_processes([servers.rasa_url], [servers.action_url])
        recorders = {name: record(pid, out_dir / f"{name}.txt", args.rate)
                     for name, pid in pids.items()}
        time.sleep(1)  # py-spy attaches
        started = time.perf_counter()
        languages = args.languages.split(",")
        turns = play_patients(servers.rasa_url, args.patients, args.concurrency, args.seed,
                              languages, args.scripted)
        elapsed = time.perf_counter() - started
        for recorder in recorders.values():
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=60)
    kind = "scripted" if args.scripted else "typed"
    print(f"{args.patients} {kind} patients ({args.languages}), {args.concurrency} at once: "
          f"{turns} turns in {elapsed:.1f} s ({turns / elapsed:.1f} turns/s)")
    for name in recorders:
        print(f"{name} server")
        print("\n".join(summarise(out_dir / f"{name}.txt", args.top)))
    print(f"raw stacks: {out_dir}")


if __name__ == "__main__":
    main()
