"""Erasure: the log, crypto-shredding, the backup test and replay after a key-store restore."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

import candor.vault as vault
from candor.vault.errors import DataKeyShredded
from candor.vault.events import vault_event
from candor.vault.models import DataKey, ErasureLog, VaultSelfTestRow

from .conftest import sqlite_copy

BOTH = ["default", "keystore"]


def _rows(owner: str, n: int = 3, period: str = "2026-11") -> list[VaultSelfTestRow]:
    rows = [VaultSelfTestRow.sealed(owner, period, f"{owner}-{i}".encode()) for i in range(n)]
    VaultSelfTestRow.objects.bulk_create(rows)
    return rows


def _opened(owner: str) -> list[bool]:
    rows = list(VaultSelfTestRow.objects.filter(owner=owner))
    return [r.ok for r in VaultSelfTestRow.open_rows(rows)]


@pytest.mark.django_db(databases=BOTH)
def test_erasure_logs_pseudonym_and_time_only_then_shreds() -> None:
    events: list[dict[str, Any]] = []

    def record(sender: Any, kind: str, details: dict[str, Any], **kw: Any) -> None:
        events.append({"kind": kind, **details})

    vault_event.connect(record)
    try:
        _rows("p-alice")
        _rows("p-alice", period="2026-10")
        _rows("p-bob")
        report = vault.erase_owner("p-alice")
    finally:
        vault_event.disconnect(record)
    assert report.keys_destroyed == 2
    assert report.rows_deleted["vault_vaultselftestrow"] == 6
    assert sum(report.rows_deleted.values()) == 6  # other sealed tables (signals) had none
    assert [f.name for f in ErasureLog._meta.get_fields()] == ["id", "owner", "erased_at"]
    assert list(ErasureLog.objects.values_list("owner", flat=True)) == ["p-alice"]
    assert _opened("p-alice") == [] and _opened("p-bob") == [True] * 3
    assert events == [
        {"kind": "erase_owner", "owner": "p-alice", "keys_destroyed": 2, "rows_deleted": 6}
    ]


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_backup_copy_restored_after_erasure_reveals_nothing(tmp_path: Path) -> None:
    """Copy the database, erase a learner, restore the old copy with the current key store:
    none of that learner's signals open."""
    _rows("p-alice")
    _rows("p-bob")
    snapshot = _backup(tmp_path)
    vault.erase_owner("p-alice")
    assert VaultSelfTestRow.objects.filter(owner="p-alice").count() == 0
    _restore(snapshot)
    restored = list(VaultSelfTestRow.objects.filter(owner="p-alice"))
    assert len(restored) == 3  # the old copy brought the rows back…
    results = VaultSelfTestRow.open_rows(restored)
    assert all(isinstance(r.error, DataKeyShredded) for r in results)  # …but not their keys
    assert _opened("p-bob") == [True] * 3
    vault.reset()  # and not through any cache either
    assert not any(_opened("p-alice"))


def _backup(tmp_path: Path) -> Any:
    if connection.vendor == "sqlite":
        return sqlite_copy(tmp_path / "backup.sqlite3")
    return list(VaultSelfTestRow.objects.values()), list(ErasureLog.objects.values())


def _restore(snapshot: Any) -> None:
    if connection.vendor == "sqlite":
        source = sqlite3.connect(snapshot)
        connection.ensure_connection()
        source.backup(connection.connection)  # the whole file, as a restore would
        source.close()
        return
    rows, log = snapshot
    VaultSelfTestRow.objects.all().delete()
    ErasureLog.objects.all().delete()
    VaultSelfTestRow.objects.bulk_create(VaultSelfTestRow(**r) for r in rows)
    ErasureLog.objects.bulk_create(ErasureLog(**r) for r in log)


@pytest.mark.django_db(databases=BOTH)
def test_key_store_restore_is_repaired_by_replaying_the_erasure_log() -> None:
    old_rows = _rows("p-alice")
    _rows("p-bob")
    keystore_backup = list(DataKey.objects.values())
    vault.erase_owner("p-alice")
    # Disaster recovery: the key store comes back from its backup, and an old data backup
    # brings Alice's rows back too.
    DataKey.objects.all().delete()
    DataKey.objects.bulk_create(DataKey(**k) for k in keystore_backup)
    VaultSelfTestRow.objects.bulk_create(old_rows)
    vault.reset()
    assert _opened("p-alice") == [True] * 3  # the danger replay exists for
    out = call_command_output("vault", "replay-erasures")
    assert (
        "Replayed 1 erasure(s): 1 data key(s) that had come back were destroyed, "
        "3 unreadable row(s) deleted" in out
    )
    assert _opened("p-alice") == []
    assert VaultSelfTestRow.objects.filter(owner="p-alice").count() == 0
    assert _opened("p-bob") == [True] * 3


@pytest.mark.django_db(databases=BOTH)
def test_replay_keeps_what_was_recorded_after_the_erasure() -> None:
    _rows("p-alice")
    vault.erase_owner("p-alice")
    _rows("p-alice", 2)  # consent given again: a new key, version 2
    report = vault.replay_erasures()
    assert (report.erasures, report.keys_destroyed, report.rows_deleted) == (1, 0, 0)
    assert _opened("p-alice") == [True, True]


@pytest.mark.django_db(databases=BOTH)
def test_a_crash_between_the_log_and_the_shredding_is_repaired_by_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from candor.vault import api

    _rows("p-alice")

    def crash(owner: str, **kwargs: Any) -> int:
        raise RuntimeError("power cut")

    monkeypatch.setattr(api, "shred_owner", crash)
    with pytest.raises(RuntimeError):
        vault.erase_owner("p-alice")
    monkeypatch.undo()
    assert ErasureLog.objects.filter(owner="p-alice").exists()
    assert DataKey.objects.filter(owner="p-alice", wrapped__isnull=False).exists()
    assert vault.replay_erasures().keys_destroyed == 1
    assert _opened("p-alice") == []


@pytest.mark.django_db(databases=BOTH)
def test_operator_command_erases_by_subject_id() -> None:
    owner = vault.pseudonym("signals", "42")
    _rows(owner)
    out = call_command_output("vault", "shred-owner", "--subject-id", "42", "--yes")
    assert f"Erased {owner}: 1 data key(s) destroyed, 3 row(s) deleted" in out
    assert ErasureLog.objects.get().owner == owner
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--yes"):
        call_command("vault", "shred-owner", "--owner", owner)


def call_command_output(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
