"""Sandbox benchmark: what isolation costs per run, and how many submissions 2 workers grade.

    .venv/bin/python bench/sandbox_bench.py [--runs 40] [--submissions 24] [--record]

Measures in one run:

1. per-run overhead: a plain ``python -I -c 'print(1)'`` subprocess of the grader's own
   interpreter, against the same interpreter started by bubblewrap with the sandbox's mounts
   and namespaces, against a whole graded run of ``print(1)`` with one trivial test (slot lock,
   memfd job, bwrap, rlimits, the harness, JSON results, teardown) — medians, difference, ratio;
2. throughput: a typical pandas exercise from the shipped curriculum (its reference solution,
   submitted with hidden tests) graded through the real queue with 2 workers and 2 slots.

Prints the results; ``--record`` also writes them into docs/benchmarks.md, between the
``sandbox-bench`` markers (other sections of that file are left alone).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXERCISE = ROOT / "content/ai-for-engineering/01-data-handling-with-pandas/09-revenue-by-region.md"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- sandbox-bench:start -->", "<!-- sandbox-bench:end -->"
GOAL_MS = 50.0


def overhead(runs: int) -> dict[str, Any]:
    from candor.grading import sandbox
    from candor.grading.sandbox import process
    from candor.grading.sandbox.config import load_config

    config = load_config()
    python = str(config.runtime / "python" / "bin" / f"python{config.python_version}")
    code = "print(1)"

    def plain() -> None:
        subprocess.run([python, "-I", "-c", code], check=True, capture_output=True)

    runtime_fd = process.open_runtime(config)
    bwrap_args = process.command(config, runtime_fd=runtime_fd)
    bwrap_args = bwrap_args[: -len(["-I", "-B", "-X", "utf8", "-c", "…"])]
    extra: dict[str, Any] = {}
    if os.geteuid() == 0:
        extra = {"user": config.uid_base, "group": config.uid_base, "extra_groups": []}

    def bwrap_only() -> None:
        subprocess.run(
            [*bwrap_args, "-I", "-c", code],
            check=True,
            capture_output=True,
            env={},
            pass_fds=(runtime_fd,),
            **extra,
        )

    job = sandbox.Job(
        code=code,
        suites=(sandbox.Suite("visible", "def test_ok():\n    pass\n", ("test_ok",), True),),
    )

    def graded() -> None:
        report = sandbox.run(job)
        assert report.outcome == "finished", report

    # Interleaved, so that whatever else the machine does weighs on all three alike.
    steps = {"plain": plain, "bwrap": bwrap_only, "graded": graded}
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        step()  # warm the page cache and the bwrap probe
    for _ in range(runs):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            samples[name].append((time.perf_counter() - started) * 1000)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return medians | {f"{name}_min": min(values) for name, values in samples.items()}


def throughput(submissions: int) -> dict[str, Any]:
    import yaml

    from candor.grading import queue
    from candor.grading.code import CodeGrader

    meta = yaml.safe_load(EXERCISE.read_text().split("---")[1])
    spec = {
        k: v for k, v in meta.items() if k not in {"type", "kind", "title", "hints", "explanation"}
    }
    grader = CodeGrader()
    answer = grader.parse_answer(spec, {"code": spec["solution"], "mode": "submit"})
    assert grader.grade(spec, answer).correct  # warm-up, and a sanity check
    latencies: list[float] = []
    done = threading.Semaphore(0)
    lock = threading.Lock()

    def grade_one(enqueued: float) -> None:
        result = grader.grade(spec, answer)
        assert result.correct, result
        with lock:
            latencies.append((time.perf_counter() - enqueued) * 1000)
        done.release()

    started = time.perf_counter()
    for _ in range(submissions):
        queue.enqueue(grade_one, time.perf_counter())
    for _ in range(submissions):
        done.acquire()
    elapsed = time.perf_counter() - started
    return {
        "per_second": submissions / elapsed,
        "elapsed": elapsed,
        "tests": len(grader.grade(spec, answer).tests),
        "latency_median": statistics.median(latencies),
        "latency_max": max(latencies),
    }


def markdown(over: dict[str, float], thru: dict[str, Any], args: argparse.Namespace) -> str:
    load = os.getloadavg()[0]
    graded_extra = over["graded"] - over["plain"]
    bwrap_extra = over["bwrap"] - over["plain"]
    verdict = "meets" if graded_extra < GOAL_MS else "misses"
    labels = {
        "plain": "plain `python -I -c 'print(1)'` (the grader's interpreter)",
        "bwrap": "the same under bwrap (namespaces, mounts, uid switch)",
        "graded": "a whole graded run of `print(1)` with one test",
    }
    rows = "\n".join(
        f"| {labels[k]} | {over[k]:.1f} | {over[k] / over['plain']:.2f}× | {over[k + '_min']:.1f} |"
        for k in labels
    )
    who = "root, one uid per slot" if os.geteuid() == 0 else "the app's uid"
    return f"""{START}
## Python sandbox: per-run overhead and grading throughput

`.venv/bin/python bench/sandbox_bench.py --runs {args.runs} --submissions {args.submissions}`
on {os.cpu_count()} cores ({platform.machine()}, Linux {platform.release()}, load average
{load:.1f} at the start: other test runs shared the machine), bubblewrap
{_bwrap_version()}, running as {who}.

| per run ({args.runs} of each, interleaved) | median ms | vs plain | fastest ms |
|---|---:|---:|---:|
{rows}

Sandbox overhead at the median: **{bwrap_extra:.1f} ms** for bwrap alone and
**{graded_extra:.1f} ms** for a whole graded run (slot lock, memfd job, bwrap, rlimits, harness,
results, waiting for the namespace to be torn down): this {verdict} the goal of under
{GOAL_MS:.0f} ms. On a shared, busy machine the medians move by ±15 ms between runs (the
fastest runs show the cost without waiting for a CPU); the harness runs learners' code at
`nice 10`, which a loaded machine makes visible.

Throughput for a typical pandas exercise (*Revenue per region without double counting*: the
reference solution against {thru["tests"]} visible and hidden tests), {args.submissions}
submissions through the grading queue with 2 workers and 2 sandbox slots:
**{thru["per_second"]:.2f} graded submissions per second** ({thru["elapsed"]:.1f} s in all;
from enqueue to result, all {args.submissions} enqueued at once: median
{thru["latency_median"]:.0f} ms, slowest {thru["latency_max"]:.0f} ms — mostly waiting in
line). Almost all of a run is importing pandas (about 0.8 s of CPU on this machine, with or
without the sandbox): the sandbox's own cost is the row above. A warm interpreter shared
between runs would remove the import cost but let one learner's run leave state for the
next, so each run starts a fresh interpreter.

What brought the overhead down, measured on this machine under similar load: the first
version bound about thirty host libraries one by one and imported `json` (hence `re`),
`signal` (hence `enum`), `linecache` and `contextlib` in the harness, which compiled itself on
every run — about 145 ms over plain Python at the median. The setup script now copies the
libraries into the runtime, so a run binds one folder instead of thirty files; the harness imports
only built-in modules, receives its job as marshal data and writes its JSON by hand; and it
arrives precompiled with the job.
{END}"""


def _bwrap_version() -> str:
    from candor.grading.sandbox.config import load_config

    out = subprocess.run([load_config().bwrap, "--version"], capture_output=True, text=True)
    return out.stdout.strip().removeprefix("bubblewrap ") or "?"


def record(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        text = re.sub(
            re.escape(START) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S
        )
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    os.environ.setdefault("CANDOR_ENV", "test")
    os.environ["CANDOR_GRADING_INLINE"] = "0"
    os.environ["CANDOR_GRADING_WORKERS"] = "2"
    os.environ["CANDOR_SANDBOX_SLOTS"] = "2"
    os.environ["CANDOR_SANDBOX_LOCK_DIR"] = tempfile.mkdtemp(prefix="sandbox-bench-")
    from candor.grading import sandbox

    if problem := sandbox.problem():
        sys.exit(f"the sandbox is not usable here: {problem}")
    over = overhead(args.runs)
    thru = throughput(args.submissions)
    section = markdown(over, thru, args)
    print(section)
    if args.record:
        record(section)
        print(f"recorded in {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
