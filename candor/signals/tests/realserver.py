"""A real Candor server process for tests and benchmarks: gunicorn on a loopback port, a
throw-away SQLite database and key directory, learners who consented, and raw HTTP clients.

Used by the killed-server test (``test_killed_server.py``) and ``bench/ingest_bench.py``, so
both measure the production server path: WSGI under gunicorn, session auth, CSRF, the
consent gate, validation, idempotency, sealing and the SQLite write.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"

_SETUP = r"""
import json, sys
import django
django.setup()
from pathlib import Path
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from candor.accounts.models import User
from candor.catalog.actions import do_import_content
from candor.catalog.content import read_content
from candor.catalog.models import Exercise
from candor.privacy.consent import do_set_consent
from candor.privacy.org import do_enable_signals

learners = int(sys.argv[1])
tree = read_content(Path(sys.argv[2]), run_reference=False)
assert not tree.errors, tree.errors
do_import_content(tree)
admin = User.objects.create_user("admin@bench.test", "pw-123456789012", full_name="Admin",
                                 is_admin=True, is_learner=False)
do_enable_signals(admin, dpia_reference="DPIA-BENCH")
sessions = []
for i in range(learners):
    user = User.objects.create_user(f"learner{i}@bench.test", "pw-123456789012",
                                    full_name=f"Learner {i}")
    do_set_consent(user, learner_help=True, course_improvement=False)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    sessions.append({"email": user.email, "session": store.session_key})
print(json.dumps({"exercises": list(Exercise.objects.values_list("pk", flat=True)),
                  "sessions": sessions}))
"""

_STORED = r"""
import json
import django
django.setup()
from candor.accounts.models import User
from candor.signals.access import my_signal_summaries
from candor.signals.models import SignalSummary
out = {"rows": SignalSummary.objects.count(), "client_ids": [], "errors": 0}
for user in User.objects.filter(email__startswith="learner"):
    for d in my_signal_summaries(user):
        if d["ok"]:
            out["client_ids"].append(d["summary"]["client_id"])
        else:
            out["errors"] += 1
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def summary(exercise_id: int, n: int = 0) -> dict[str, Any]:
    """A valid v1 summary (the numbers vary a little with n)."""
    ins = 40 + n % 50
    dels = n % 9
    return {
        "client_id": str(uuid.uuid4()),
        "exercise_id": exercise_id,
        "attempt_token": None,
        "schema": 1,
        "ended_by": "hide",
        "time_on_task_ms": 60_000,
        "active_ms": 20_000,
        "idle_ms": 40_000,
        "break_ms": 0,
        "hidden_ms": 0,
        "focus_losses": n % 3,
        "pauses": {"s2_15": 3, "s15_180": 1, "s180_600": 0, "s600_plus": 0},
        "keystrokes": ins + dels,
        "insertions": ins,
        "deletions": dels,
        "typing_speed_cpm": round(ins * 60_000 / 20_000),
        "correction_rate": round(dels / ins, 2),
        "undo_count": 0,
        "pastes": 0,
        "pasted_chars": 0,
        "runs": 0,
        "submissions": 0,
        "hints_shown": 0,
        "hints_used": 0,
    }


@dataclass
class Learner:
    email: str
    session: str
    csrf: str


class CandorServer:
    def __init__(self, var_dir: Path, *, workers: int = 2, threads: int = 1) -> None:
        self.var_dir = Path(var_dir)
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        self.proc: subprocess.Popen[bytes] | None = None
        self.learners: list[Learner] = []
        self.exercises: list[int] = []

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PG"))}
        env.pop("CANDOR_KEYSTORE_URL", None)
        env.pop("CANDOR_SQLITE_PATH", None)
        env.update(
            CANDOR_ENV="test",
            DJANGO_SETTINGS_MODULE="candor.settings",
            CANDOR_VAR_DIR=str(self.var_dir),
            CANDOR_VAULT_KEY_DIR=str(self.var_dir / "keys"),
            CANDOR_SIGNALS_RATE_LIMIT="1000000",
            CANDOR_LOG_LEVEL="WARNING",
            CANDOR_GRADING_INLINE="1",
            PYTHONPATH=str(ROOT),
        )
        return env

    def _python(self, code: str, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "-c", code, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        return done.stdout.strip().splitlines()[-1]

    def prepare(self, learners: int = 4) -> None:
        """Migrate both databases, import the fixture course, create consenting learners."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        for database in ("default", "keystore"):
            subprocess.run(
                [PYTHON, "-m", "candor.cli", "migrate", "--database", database, "-v", "0"],
                cwd=ROOT,
                env=self.env(),
                check=True,
            )
        data = json.loads(self._python(_SETUP, str(learners), str(FIXTURE_CONTENT)))
        self.exercises = data["exercises"]
        # Django accepts an unmasked 32-character secret as cookie and header alike.
        self.learners = [
            Learner(s["email"], s["session"], secrets.token_hex(16)) for s in data["sessions"]
        ]

    def start(self) -> None:
        log = open(self.var_dir / "gunicorn.log", "ab")  # noqa: SIM115 - lives with the server
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "candor.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: SIGKILL reaches every worker
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/login/")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start: " + (self.var_dir / "gunicorn.log").read_text())

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no graceful anything."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None

    def stored(self) -> dict[str, Any]:
        return json.loads(self._python(_STORED))

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def post(
        self, conn: http.client.HTTPConnection, learner: Learner, body: bytes
    ) -> tuple[int, bytes]:
        conn.request(
            "POST",
            "/api/v1/signals",
            body=body,
            headers={
                "Content-Type": "application/json",
                "Cookie": f"sessionid={learner.session}; csrftoken={learner.csrf}",
                "X-CSRFToken": learner.csrf,
                "Host": "127.0.0.1",
            },
        )
        response = conn.getresponse()
        return response.status, response.read()
