"""A bounded, process-wide pool that grades code off the request threads (DESIGN-NOTES §5).

``enqueue(fn, *args)`` returns at once; ``fn`` runs on one of ``CANDOR_GRADING_WORKERS`` threads
(default: the number of CPUs). Threads are enough: each job spends its time waiting for a
sandboxed subprocess. With ``CANDOR_GRADING_INLINE=1`` (the test suite) ``fn`` runs before
``enqueue`` returns. The sandbox bounds concurrency once more, machine-wide, with its slots, so
several app processes together cannot run more than the machine can hold.

Jobs are not persisted here: the caller's database row ("queued") is the durable record, so a
process that dies with jobs in its queue leaves rows a restart can find and re-enqueue.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("candor.grading.queue")

_Job = tuple[Callable[..., Any], tuple[Any, ...]]
# At exit, wait this long for running jobs (each is bounded by its wall clock) before leaving.
EXIT_GRACE_SECONDS = 35.0


def _workers() -> int:
    raw = os.environ.get("CANDOR_GRADING_WORKERS", "").strip()
    if not raw:
        return os.cpu_count() or 1
    if not raw.isdigit() or not 1 <= int(raw) <= 256:
        # Fail closed to the smallest pool rather than crash the request that enqueued.
        log.error("CANDOR_GRADING_WORKERS must be a whole number from 1 to 256, not %r", raw)
        return 1
    return int(raw)


def _inline() -> bool:
    return os.environ.get("CANDOR_GRADING_INLINE", "").strip().lower() in {"1", "true", "yes"}


class _Pool:
    def __init__(self, size: int) -> None:
        self.pid = os.getpid()
        self.size = size
        self._jobs: collections.deque[_Job] = collections.deque()
        self._cond = threading.Condition()
        self._running = 0
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"candor-grading-{i}", daemon=True)
            for i in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def put(self, job: _Job) -> None:
        with self._cond:
            self._jobs.append(job)
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._jobs)

    def running(self) -> int:
        with self._cond:
            return self._running

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                fn, args = self._jobs.popleft()
                self._running += 1
            try:
                fn(*args)
            except Exception:
                # The caller's fn records its own failures; this is the last line of defence so
                # that one bad job never kills a worker thread.
                log.exception("grading job %r failed", getattr(fn, "__name__", fn))
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def close(self, grace: float) -> None:
        """Stop taking queued jobs; give running ones ``grace`` seconds to finish."""
        deadline = time.monotonic() + grace
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            while self._running and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)


_lock = threading.Lock()
_pool: _Pool | None = None


def _get_pool() -> _Pool:
    global _pool
    with _lock:
        # A pool made before a fork (e.g. gunicorn --preload) has no threads in the child.
        if _pool is None or _pool.pid != os.getpid():
            _pool = _Pool(_workers())
        return _pool


def enqueue(fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` on the grading pool (or now, with CANDOR_GRADING_INLINE=1)."""
    if _inline():
        fn(*args)
        return
    _get_pool().put((fn, args))


def pending_count() -> int:
    """Jobs of this process waiting for a worker (not counting the running ones)."""
    pool = _pool
    return pool.pending() if pool is not None and pool.pid == os.getpid() else 0


def running_count() -> int:
    pool = _pool
    return pool.running() if pool is not None and pool.pid == os.getpid() else 0


@atexit.register
def _shutdown() -> None:
    pool = _pool
    if pool is not None and pool.pid == os.getpid():
        pool.close(EXIT_GRACE_SECONDS)
