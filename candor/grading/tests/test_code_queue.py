"""The grading queue: bounded, off the caller's thread, inline on request, robust to bad jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from candor.grading import queue


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CANDOR_GRADING_INLINE", "0")
    monkeypatch.setenv("CANDOR_GRADING_WORKERS", "2")
    monkeypatch.setattr(queue, "_pool", None)
    yield
    if queue._pool is not None:
        queue._pool.close(5)
    monkeypatch.setattr(queue, "_pool", None)


def test_inline_mode_runs_the_job_before_returning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANDOR_GRADING_INLINE", "1")
    seen: list[tuple[int, str]] = []
    queue.enqueue(lambda n, s: seen.append((n, s)), 1, "a")
    assert seen == [(1, "a")]


def test_jobs_run_off_the_callers_thread_at_most_workers_at_a_time(pool: None) -> None:
    release = threading.Event()
    lock = threading.Lock()
    running, peak, done = 0, 0, []
    threads: set[str] = set()

    def job(n: int) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            threads.add(threading.current_thread().name)
        release.wait(5)
        with lock:
            running -= 1
            done.append(n)

    for n in range(5):
        queue.enqueue(job, n)  # returns at once
    deadline = time.monotonic() + 5
    while queue.running_count() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert queue.running_count() == 2
    assert queue.pending_count() == 3  # what the learner is told they wait behind
    release.set()
    while len(done) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(done) == [0, 1, 2, 3, 4]
    assert peak == 2
    assert threading.current_thread().name not in threads
    assert queue.pending_count() == 0


def test_a_failing_job_is_logged_and_the_worker_survives(
    pool: None, caplog: pytest.LogCaptureFixture
) -> None:
    finished = threading.Event()

    def boom() -> None:
        raise RuntimeError("boom")

    for _ in range(3):
        queue.enqueue(boom)
    queue.enqueue(finished.set)
    assert finished.wait(5)
    deadline = time.monotonic() + 5
    while queue.running_count() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert caplog.text.count("grading job 'boom' failed") == 3


def test_bad_worker_count_falls_back_to_one(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CANDOR_GRADING_WORKERS", "lots")
    assert queue._workers() == 1
    assert "CANDOR_GRADING_WORKERS" in caplog.text
    monkeypatch.delenv("CANDOR_GRADING_WORKERS")
    assert queue._workers() >= 1
