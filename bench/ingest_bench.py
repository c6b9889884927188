"""Ingestion throughput over HTTP: Candor's POST /api/v1/signals against Ralph's xAPI LRS.

Both servers run as real processes on this machine, from empty stores, and receive the same
number of records in batches of the same size from the same number of concurrent clients:

- Candor: gunicorn as ``make run`` starts it (``--workers 3``, sync workers), SQLite (WAL) in
  a fresh temporary directory, session auth + CSRF, the consent gate, the per-learner rate
  limit (one upsert per request), strict validation, the ownership query, idempotency by
  client id, AES-256-GCM sealing per row, one prepared INSERT per batch in one transaction:
  the production path.
- Ralph (``ralph-malph[cli,lrs]==5.1.0``, ``fs`` backend): uvicorn serving
  ``bench/ralph/launcher.py`` (the fs backend patched to append: it otherwise accepts only one
  write), HTTP basic auth, each record an xAPI statement carrying the same numbers in
  ``result.extensions``. Ralph's own virtualenv is built on demand under /tmp (never in git).

The two runs alternate (Candor, Ralph, Candor, Ralph…) because the machine is shared and its
speed drifts; medians are reported. Usage:

    CANDOR_ENV=test .venv/bin/python bench/ingest_bench.py [--statements 20000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from candor.signals.tests.realserver import CandorServer, free_port, summary  # noqa: E402

RALPH_VENV = Path(os.environ.get("RALPH_VENV", "/tmp/candor-ralph-venv"))
RALPH_SPEC = "ralph-malph[cli,lrs]==5.1.0"
RALPH_USER, RALPH_PASSWORD = "bench", "bench-password-123"


def ensure_ralph() -> Path:
    """Ralph's virtualenv (its own dependencies clash with Candor's): built once, in /tmp."""
    python = RALPH_VENV / "bin" / "python"
    if not (RALPH_VENV / "bin" / "uvicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(RALPH_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", RALPH_SPEC, "requests"], check=True
        )
    return RALPH_VENV


def run_clients(batches: list[Any], send: Any, clients: int) -> tuple[float, dict[int, int]]:
    """Send every batch from `clients` threads (one keep-alive connection each)."""
    lock = threading.Lock()
    queue = list(range(len(batches)))
    statuses: dict[int, int] = {}

    def worker() -> None:
        state: dict[str, Any] = {}
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop(0)
            status = send(state, batches[i])
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, statuses


def candor_run(n: int, batch: int, clients: int, workers: int, threads: int = 1) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="candor-ingest-bench-"))
    # `make run`'s configuration: 3 sync workers (threads would queue on SQLite's write lock).
    server = CandorServer(work / "var", workers=workers, threads=threads)
    try:
        server.prepare(learners=40)
        rng = random.Random(7)
        batches = []
        for b in range(n // batch):
            items = [summary(rng.choice(server.exercises), b * batch + k) for k in range(batch)]
            batches.append((server.learners[b % 40], json.dumps({"summaries": items}).encode()))
        server.start()

        def send(state: dict[str, Any], item: Any) -> int:
            conn = state.get("conn") or server.connect()
            state["conn"] = conn
            status, _ = server.post(conn, item[0], item[1])
            return status

        seconds, statuses = run_clients(batches, send, clients)
        stored = server.stored()
        assert stored["rows"] == n and len(set(stored["client_ids"])) == n, stored["rows"]
        body_bytes = sum(len(b[1]) for b in batches)
        return {
            "server": "candor",
            "workers": f"{workers}x{threads}",
            "seconds": seconds,
            "per_second": n / seconds,
            "statuses": statuses,
            "request_bytes_per_record": body_bytes / n,
            "stored_rows": stored["rows"],
        }
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def statement(s: dict[str, Any], learner: int) -> dict[str, Any]:
    """The same record as an xAPI statement: who, which exercise, the summary's numbers."""
    numbers = {k: v for k, v in s.items() if k not in {"client_id", "exercise_id", "schema"}}
    return {
        "id": s["client_id"],
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://candor.example", "name": f"learner{learner}"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/interacted"},
        "object": {
            "objectType": "Activity",
            "id": f"https://candor.example/exercises/{s['exercise_id']}",
        },
        "result": {"extensions": {"https://candor.example/xapi/signals-summary": numbers}},
        "timestamp": "2026-11-29T08:00:00+00:00",
    }


def ralph_run(n: int, batch: int, clients: int, workers: int) -> dict[str, Any]:
    venv = ensure_ralph()
    work = Path(tempfile.mkdtemp(prefix="ralph-ingest-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_APP_DIR": str(work),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(work / "lrs"),
    }
    (work / "lrs").mkdir(parents=True)
    subprocess.run(
        [str(venv / "bin" / "ralph"), "auth", "-u", RALPH_USER, "-p", RALPH_PASSWORD,
         "-s", "all", "-M", "mailto:bench@example.com", "-w"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = open(work / "uvicorn.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(venv / "bin" / "uvicorn"), "launcher:app", "--app-dir", str(ROOT / "bench" / "ralph"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning"],
        env=env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    auth = "Basic " + base64.b64encode(f"{RALPH_USER}:{RALPH_PASSWORD}".encode()).decode()
    try:
        _wait_for(port, "/__heartbeat__")
        rng = random.Random(7)
        batches = []
        for b in range(n // batch):
            items = [
                statement(summary(rng.randint(1, 7), b * batch + k), b % 40) for k in range(batch)
            ]
            batches.append(json.dumps(items).encode())
        # Ralph checks credentials with bcrypt and caches the result: warm that cache once
        # so the first batch is not charged for it (Candor's sessions need no such step).
        _get(port, "/whoami", {"Authorization": auth})

        def send(state: dict[str, Any], body: bytes) -> int:
            conn = state.get("conn") or http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            state["conn"] = conn
            conn.request(
                "POST",
                "/xAPI/statements/",
                body=body,
                headers={"Authorization": auth, "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            return response.status

        seconds, statuses = run_clients(batches, send, clients)
        lines = sum(1 for f in (work / "lrs").iterdir() if f.suffix == ".jsonl" for _ in f.open())
        return {
            "server": "ralph",
            "seconds": seconds,
            "per_second": n / seconds,
            "statuses": statuses,
            "request_bytes_per_record": sum(len(b) for b in batches) / n,
            "stored_rows": lines,
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    return response.status


def _wait_for(port: int, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(port, path) < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="Candor's gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per Candor worker")
    parser.add_argument("--ralph-workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for r in range(args.rounds):
        for name in ("candor", "ralph"):
            if name == "candor":
                out = candor_run(
                    args.statements, args.batch, args.clients, args.workers, args.threads
                )
            else:
                out = ralph_run(args.statements, args.batch, args.clients, args.ralph_workers)
            out["round"] = r + 1
            results.append(out)
            print(json.dumps(out), flush=True)
    medians = {
        name: statistics.median(x["per_second"] for x in results if x["server"] == name)
        for name in ("candor", "ralph")
    }
    summary_line = {
        "statements": args.statements,
        "batch": args.batch,
        "clients": args.clients,
        "candor_per_second": round(medians["candor"]),
        "ralph_per_second": round(medians["ralph"]),
        "ratio": round(medians["candor"] / medians["ralph"], 1),
        "run_id": str(uuid.uuid4())[:8],
    }
    print(json.dumps(summary_line))
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "summary": summary_line}, indent=1))


if __name__ == "__main__":
    main()
