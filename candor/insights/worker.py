"""Releases are built off the request path: a small thread pool in each web process.

The ledger row is the queue: a release is ``queued`` until a worker claims it (an atomic
``queued → running`` update, so two workers never build the same one), and the page polls its
progress. In production, or if a process stops with work queued, ``candor insights-worker``
builds whatever is waiting; ``CANDOR_INSIGHTS_WORKERS=0`` leaves all of it to that command.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections

from candor.insights import conf, dp
from candor.insights.releases import recover_stale, run_release

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_warmed = False


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=max(1, conf.workers()), thread_name_prefix="insights-release"
            )
        return _pool


def _run(release_id: int) -> None:
    close_old_connections()
    try:
        run_release(release_id)
    except Exception:  # run_release records its own failures; this is a last resort
        log.exception("insights worker crashed on release %s", release_id)
    finally:
        connections.close_all()


def submit(release_id: int) -> None:
    if conf.inline():
        run_release(release_id)
        return
    if conf.workers() == 0:
        return  # a separate `candor insights-worker` process builds it
    _executor().submit(_run, release_id)


def warm() -> None:
    """Import OpenDP in the background once, so the first release does not wait ~1.5 s."""
    global _warmed
    if _warmed or conf.inline() or conf.workers() == 0:
        return
    _warmed = True
    _executor().submit(dp.warm)


def nudge() -> int:
    """Requeue work a stopped process left behind (called when a page polls)."""
    pending = recover_stale()
    for release_id in pending:
        submit(release_id)
    return len(pending)
