"""Every vault test gets its own key directory (KEK file, pseudonym secret) and a fresh
vault state, so no key or cached data key leaks from one test into another."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

BOTH = ["default", "keystore"]
VAULT_ENV = (
    "CANDOR_KEK_PROVIDER",
    "CANDOR_KEK",
    "CANDOR_KEK_FILE",
    "CANDOR_KMS_KEY_ID",
    "CANDOR_KMS_ENDPOINT_URL",
    "CANDOR_PSEUDONYM_SECRET",
    "CANDOR_PSEUDONYM_SECRET_FILE",
    "CANDOR_SIGNAL_RETENTION_DAYS",
    "CANDOR_VAULT_KEY_CACHE_SECONDS",
    "CANDOR_VAULT_KEY_CACHE_SIZE",
)


@pytest.fixture(autouse=True)
def vault_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from candor.vault.keystore import reset

    key_dir = tmp_path / "keys"
    monkeypatch.setenv("CANDOR_VAULT_KEY_DIR", str(key_dir))
    for name in VAULT_ENV:
        monkeypatch.delenv(name, raising=False)
    reset()
    yield key_dir
    reset()


def sqlite_copy(dest: Path) -> str:
    """Copy the (test) main database the way a backup or a thief would: the whole file."""
    assert connection.vendor == "sqlite"
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    connection.connection.backup(target)
    target.close()
    return str(dest)


def database_copy(tmp_path: Path) -> str:
    """A target the breach drill can open without Django: a file copy, or the PG test DB."""
    if connection.vendor == "sqlite":
        return sqlite_copy(tmp_path / "copy.sqlite3")
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{auth}@{s['HOST']}{port}/{s['NAME']}"
