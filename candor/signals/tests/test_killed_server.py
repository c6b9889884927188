"""A summary acknowledged with 2xx is never lost, and a retried one is never stored twice —
even when the server is SIGKILLed in the middle of batches (a real gunicorn process on a
file database, not the in-process test server)."""

from __future__ import annotations

import http.client
import json
import random
import sqlite3
import threading
from pathlib import Path

import pytest

from candor.signals.tests.realserver import CandorServer, summary

BATCHES = 160
BATCH_SIZE = 50
CLIENTS = 4
KILL_AFTER = 10  # acknowledged batches before the kill: it lands while others are in flight


def _send_all(
    server: CandorServer, batches: list[tuple[int, bytes]], progress: threading.Event | None = None
) -> tuple[set[int], set[int]]:
    """Post every batch from CLIENTS threads; return (acknowledged, failed) batch indexes.
    ``progress`` is set once KILL_AFTER batches have been acknowledged."""
    acked: set[int] = set()
    failed: set[int] = set()
    lock = threading.Lock()
    queue = list(range(len(batches)))

    def worker() -> None:
        conn = server.connect()
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop(0)
            learner_index, body = batches[i]
            try:
                status, _ = server.post(conn, server.learners[learner_index], body)
            except (OSError, http.client.HTTPException):
                with lock:
                    failed.add(i)
                conn.close()
                conn = server.connect()
                continue
            with lock:
                (acked if 200 <= status < 300 else failed).add(i)
                if progress is not None and len(acked) >= KILL_AFTER:
                    progress.set()

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acked, failed


@pytest.mark.timeout(600)
def test_sigkill_mid_stream_loses_no_acknowledged_summary_and_duplicates_none(
    tmp_path: Path,
) -> None:
    server = CandorServer(tmp_path / "var", workers=2)
    server.prepare(learners=CLIENTS)
    rng = random.Random(5)
    batches: list[tuple[int, bytes]] = []
    sent: list[list[str]] = []
    for b in range(BATCHES):
        items = [
            summary(rng.choice(server.exercises), b * BATCH_SIZE + k) for k in range(BATCH_SIZE)
        ]
        batches.append((b % CLIENTS, json.dumps({"summaries": items}).encode()))
        sent.append([s["client_id"] for s in items])

    server.start()
    try:
        progress = threading.Event()

        def kill_when_under_way() -> None:
            progress.wait(timeout=120)
            server.kill()

        killer = threading.Thread(target=kill_when_under_way)
        killer.start()
        acked, failed = _send_all(server, batches, progress)
        killer.join()
        assert len(acked) >= KILL_AFTER
        assert failed and len(acked) < BATCHES, "the kill came after the last batch"
        # The file database survived the kill in one piece.
        db = sqlite3.connect(tmp_path / "var" / "candor.sqlite3")
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.close()
        before = server.stored()
        acked_ids = {cid for i in acked for cid in sent[i]}
        assert acked_ids <= set(before["client_ids"]), "an acknowledged summary was lost"

        # Restart and resend everything, acknowledged or not: retries must be harmless.
        server.start()
        again, refused = _send_all(server, batches)
        assert refused == set() and len(again) == BATCHES
    finally:
        server.stop()

    after = server.stored()
    every = [cid for ids in sent for cid in ids]
    assert after["errors"] == 0
    assert sorted(after["client_ids"]) == sorted(every)  # all there, none twice
    assert after["rows"] == len(every) == BATCHES * BATCH_SIZE
