"""Concurrent identical release requests: one ledger row, one charge.

Real processes on a real SQLite file (as ``candor/vault/tests/test_concurrency.py`` does), all
asking for the same report at the same instant; the web server runs several processes, so
this is the race that matters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
WORKERS = 5

SETUP = r"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", database="keystore", verbosity=0)
call_command("migrate", verbosity=0)
from candor.catalog.actions import do_import_content
from candor.catalog.content import read_content
from candor.accounts.models import User
do_import_content(read_content("tests/fixtures/content", run_reference=False))
User.objects.create_user("ari@example.test", None, full_name="Ari Author", is_author=True)
"""

WORKER = r"""
import json, sys, time
import django
django.setup()
from django.http import QueryDict
from candor.accounts.models import User
from candor.catalog.models import Track
from candor.insights.queries import parse_query
from candor.insights.releases import do_request_release
start, out = float(sys.argv[1]), sys.argv[2]
ari = User.objects.get(email="ari@example.test")
query = parse_query(Track.objects.get(slug="test-track"), QueryDict("metrics=pass_rate"))
while time.time() < start:
    time.sleep(0.001)
result = do_request_release(ari, query)
json.dump({"id": result.release.pk, "created": result.created}, open(out, "w"))
"""

CHECK = r"""
import json
import django
django.setup()
from candor.insights.models import Budget, Release
from candor.privacy.models import AuditEntry
print(json.dumps({
    "releases": Release.objects.count(),
    "spent": str(Budget.objects.get().spent_epsilon.normalize()),
    "audited": AuditEntry.objects.filter(action="insights.release").count(),
}))
"""


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )


def test_identical_requests_at_the_same_instant_charge_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANDOR_", "DATABASE_URL"))}
    env.update(
        CANDOR_ENV="test",
        CANDOR_VAR_DIR=str(tmp_path),
        CANDOR_VAULT_KEY_DIR=str(tmp_path / "keys"),
        CANDOR_INSIGHTS_WORKERS="0",  # the charge is what is tested; nobody builds it
        DJANGO_SETTINGS_MODULE="candor.settings",
        PYTHONPATH=str(ROOT),
    )
    setup = _run(env, "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    start = time.time() + 3
    outputs = [tmp_path / f"w{i}.json" for i in range(WORKERS)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(start), str(out)],
            env=env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outputs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    answers = [json.loads(out.read_text()) for out in outputs]
    assert len({a["id"] for a in answers}) == 1
    assert sum(a["created"] for a in answers) == 1
    check = _run(env, "-c", CHECK)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout.strip().splitlines()[-1]) == {
        "releases": 1,
        "spent": "2",
        "audited": 1,
    }
