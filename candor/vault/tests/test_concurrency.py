"""Two processes sealing for the same owner and period create one data key, not two.

Real processes on a real key-store file (or a scratch PostgreSQL database when the suite
runs on PostgreSQL), all starting at the same instant, each with an empty key cache.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WORKERS = 4
OWNERS = 25

WORKER = r"""
import json, os, sys, time
import django
django.setup()
import candor.vault as vault
start, out = float(sys.argv[1]), sys.argv[2]
while time.time() < start:
    time.sleep(0.001)
sealed = []
for i in range(int(os.environ["OWNERS"])):
    owner = f"p-race-{i}"
    blob = vault.seal(owner, "2026-11", "t", f"{os.getpid()}-{i}", owner.encode())
    sealed.append([owner, f"{os.getpid()}-{i}", blob.hex()])
json.dump(sealed, open(out, "w"))
"""

CHECK = r"""
import json, sys
import django
django.setup()
import candor.vault as vault
bad = 0
for path in sys.argv[1:]:
    for owner, rid, blob in json.load(open(path)):
        plain = vault.open(owner, "2026-11", "t", rid, bytes.fromhex(blob))
        bad += plain != owner.encode()
from candor.vault.models import DataKey
print(json.dumps({"bad": bad, "keys": DataKey.objects.count(),
                  "owners": DataKey.objects.values("owner").distinct().count()}))
"""


def _env(tmp_path: Path, keystore_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANDOR_", "DATABASE_URL"))}
    env.update(
        CANDOR_ENV="test",
        CANDOR_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="candor.settings",
        PYTHONPATH=str(ROOT),
        OWNERS=str(OWNERS),
    )
    if keystore_url:
        env["CANDOR_KEYSTORE_URL"] = keystore_url
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _race(tmp_path: Path, keystore_url: str | None = None) -> dict[str, int]:
    env = _env(tmp_path, keystore_url)
    migrate = _run(
        env, "-m", "django", "migrate", "vault", "--database", "keystore", "--skip-checks", "-v0"
    )
    assert migrate.returncode == 0, migrate.stderr
    start = time.time() + 3  # every worker imports Django first, then all start together
    outputs = [str(tmp_path / f"w{i}.json") for i in range(WORKERS)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(start), out],
            env=env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outputs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    check = _run(env, "-c", CHECK, *outputs)
    assert check.returncode == 0, check.stderr
    return json.loads(check.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_concurrent_sealing_creates_one_key_per_owner_and_period(tmp_path: Path) -> None:
    result = _race(tmp_path)
    assert result == {"bad": 0, "keys": OWNERS, "owners": OWNERS}
    # The key store file holds each data key once and never a plaintext one.
    with sqlite3.connect(tmp_path / "keystore.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM vault_datakey").fetchone()[0] == OWNERS


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs DATABASE_URL=postgresql://…",
)
def test_concurrent_sealing_on_a_postgresql_key_store(tmp_path: Path) -> None:
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"vault_race_{uuid.uuid4().hex[:8]}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        result = _race(tmp_path, keystore_url=base.rsplit("/", 1)[0] + f"/{name}")
        assert result == {"bad": 0, "keys": OWNERS, "owners": OWNERS}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


SCRUB = r"""
import os, sys
import django
django.setup()
import candor.vault as vault
from candor.vault.models import DataKey
var = os.environ["CANDOR_VAR_DIR"]
for i in range(20):
    vault.seal(f"p-{i}", "2026-11", "t", 1, b"x")
erased = bytes(DataKey.objects.get(owner="p-7").wrapped)
kept = bytes(DataKey.objects.get(owner="p-8").wrapped)

def on_disk(key):
    data = b""
    for name in ("keystore.sqlite3", "keystore.sqlite3-wal", "keystore.sqlite3-journal"):
        if os.path.exists(os.path.join(var, name)):
            data += open(os.path.join(var, name), "rb").read()
    return key in data

assert on_disk(erased) and on_disk(kept)
vault.shred_owner("p-7")
print(on_disk(erased), on_disk(kept))
"""


def test_a_destroyed_key_leaves_the_key_store_file(tmp_path: Path) -> None:
    """Crypto-shredding means the wrapped key's bytes are gone from the file (and its WAL),
    not only unreachable through SQL."""
    env = _env(tmp_path, None)
    for database in ("keystore", "default"):
        migrate = _run(
            env, "-m", "django", "migrate", "vault", "--database", database, "--skip-checks", "-v0"
        )
        assert migrate.returncode == 0, migrate.stderr
    result = _run(env, "-c", SCRUB)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
