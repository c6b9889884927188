"""The breach drill: zero findings on sealed data, and every planted leak is reported."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import uuid
import zlib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

import candor.vault as vault
from candor.vault import envelope
from candor.vault.breach.drill import render_text, run_drill
from candor.vault.breach.source import open_source
from candor.vault.models import VaultSelfTestRow

from .conftest import database_copy

SIGNAL = {"exercise": "ex-1", "time_on_task_ms": 61000, "keystrokes": 140, "pastes": 0}


def drill(target: str) -> Any:
    source = open_source(target)
    try:
        return run_drill(source)
    finally:
        source.close()


def run_command(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("breach_drill", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def _seal_for_people(n: int = 5) -> list[Any]:
    User = get_user_model()
    users = [
        User.objects.create_user(f"person{i}@example.test", "pw-123456789", full_name=f"Person {i}")
        for i in range(n)
    ]
    rows = [
        VaultSelfTestRow.sealed(
            vault.pseudonym("signals", str(u.pk)), "2026-11", json.dumps(SIGNAL).encode()
        )
        for u in users
        for _ in range(3)
    ]
    VaultSelfTestRow.objects.bulk_create(rows)
    return users


@pytest.mark.django_db(databases=["default", "keystore"], transaction=True)
def test_sealed_signals_in_the_real_schema_reveal_nothing(tmp_path: Path) -> None:
    _seal_for_people()
    first = get_user_model().objects.order_by("pk")[0]
    vault.erase_owner(vault.pseudonym("signals", str(first.pk)))
    target = database_copy(tmp_path)
    report = drill(target)
    assert report.readable_signal_values == 0 and report.links == 0 and report.passed
    tables = {t.table: t for t in report.tables}
    sealed = tables["vault_vaultselftestrow"]
    assert sealed.signal_bearing and sealed.sealed == {"blob": 12} and not sealed.links
    assert set(tables[get_user_model()._meta.db_table].personal) >= {"email", "full_name"}
    assert "vault_datakey" not in tables  # the key store is elsewhere
    code, out = run_command("--database", target)
    assert code == 0 and "PASSED" in out and "sealed, unreadable without the KEK: blob" in out
    code, out = run_command("--database", target, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["summary"]["readable_signal_values"] == 0
    assert doc["summary"]["links_to_people"] == 0 and doc["summary"]["passed"] is True


@pytest.mark.django_db(databases=["default", "keystore"], transaction=True)
def test_a_planted_plaintext_signal_table_is_reported(tmp_path: Path) -> None:
    users = _seal_for_people(3)
    user_table = get_user_model()._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE planted_signals (id bigint PRIMARY KEY, "
            f"user_id bigint REFERENCES {user_table}(id), exercise_id bigint, "
            "submitted_at timestamp, time_on_task_ms integer, keystrokes integer, payload text)"
        )
    try:
        with connection.cursor() as cur:
            for i, user in enumerate(users):
                cur.execute(
                    "INSERT INTO planted_signals VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [i + 1, user.pk, 7, "2026-11-20 10:00:00", 61000, 140, json.dumps(SIGNAL)],
                )
        target = database_copy(tmp_path)
        report = drill(target)
        planted = {t.table: t for t in report.tables}["planted_signals"]
        assert planted.readable_signals == {"time_on_task_ms": 3, "keystrokes": 3, "payload": 3}
        assert {"time_on_task_ms", "keystrokes", "pastes"} <= planted.signal_fields
        assert any("foreign key path to people" in link for link in planted.links)
        assert not report.passed
        assert {t.table: t for t in report.tables}["vault_vaultselftestrow"].links == []
        code, out = run_command("--database", target, "--json")
        assert code == 1
        doc = json.loads(out)
        assert doc["summary"]["readable_signal_values"] == 9 and not doc["summary"]["passed"]
        code, text = run_command("--database", target)
        assert code == 1 and "READABLE SIGNAL VALUES" in text and "FAILED" in text
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE planted_signals")


# Hand-made databases: one leak each, checked without Django.


def _db(path: Path, script: str, rows: dict[str, list[tuple[Any, ...]]]) -> str:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    for table, values in rows.items():
        marks = ",".join("?" * len(values[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)  # noqa: S608
    conn.commit()
    conn.close()
    return str(path)


PEOPLE = "CREATE TABLE users (id integer primary key, email text, full_name text);"
USERS = [(i, f"u{i}@example.test", f"User {i}") for i in range(1, 6)]
SEALED = "CREATE TABLE sig (id text primary key, owner text, period text, blob blob"


def _blob(owner: str, row_id: str) -> bytes:
    return envelope.encrypt(
        AESGCM(os.urandom(32)), 1, 1, "sig", owner, "2026-11", row_id, json.dumps(SIGNAL).encode()
    )


def _sealed_rows(owners: list[str]) -> list[tuple[Any, ...]]:
    out = []
    for owner in owners:
        rid = str(uuid.uuid4())
        out.append((rid, owner, "2026-11", _blob(owner, rid)))
    return out


def test_unkeyed_hash_pseudonyms_are_a_link(tmp_path: Path) -> None:
    owners = [hashlib.sha256(str(i).encode()).hexdigest()[:32] for i in range(1, 6)]
    target = _db(
        tmp_path / "db", PEOPLE + SEALED + ");", {"users": USERS, "sig": _sealed_rows(owners)}
    )
    report = drill(target)
    sig = {t.table: t for t in report.tables}["sig"]
    assert sig.sealed == {"blob": 5} and sig.readable_signals == {}
    assert any("unkeyed sha256 of users.id" in link for link in sig.links)
    assert not report.passed


def test_keyed_pseudonyms_and_sealed_blobs_pass(tmp_path: Path) -> None:
    owners = [hashlib.sha256(b"secret" + str(i).encode()).hexdigest()[:32] for i in range(1, 6)]
    target = _db(
        tmp_path / "db", PEOPLE + SEALED + ");", {"users": USERS, "sig": _sealed_rows(owners)}
    )
    report = drill(target)
    assert report.passed, render_text(report)


def test_a_table_mapping_pseudonyms_to_people_is_a_link(tmp_path: Path) -> None:
    owners = [f"{i:032x}" for i in range(101, 106)]
    target = _db(
        tmp_path / "db",
        PEOPLE + SEALED + ");" + "CREATE TABLE audit (id int, user_id int, subject text);",
        {
            "users": USERS,
            "sig": _sealed_rows(owners),
            "audit": [(i, i, owners[i - 1]) for i in range(1, 6)],
        },
    )
    sig = {t.table: t for t in drill(target).tables}["sig"]
    assert any("audit.subject repeats 5 pseudonym(s)" in link for link in sig.links)


def test_plaintext_exercise_and_time_next_to_sealed_rows_join_to_people(tmp_path: Path) -> None:
    owners = [f"{i:032x}" for i in range(101, 106)]
    sealed = [
        (*row, 10 + i, f"2026-11-20 10:0{i}:30") for i, row in enumerate(_sealed_rows(owners))
    ]
    attempts = [(i, i + 1, 10 + i, f"2026-11-20 10:0{i}:00") for i in range(5)]
    target = _db(
        tmp_path / "db",
        PEOPLE + SEALED + ", exercise_id int, created_at text);"
        "CREATE TABLE attempt (id int, user_id int REFERENCES users(id), exercise_id int, "
        "submitted_at text);",
        {"users": USERS, "sig": sealed, "attempt": attempts},
    )
    sig = {t.table: t for t in drill(target).tables}["sig"]
    assert any("can be joined" in link for link in sig.links)
    assert any("5 row(s) join to exactly one person in attempt" in link for link in sig.links)


@pytest.mark.parametrize(
    "encode",
    [
        lambda data: data,
        zlib.compress,
        lambda data: base64.b64encode(data).decode(),
    ],
    ids=["plain bytes", "zlib", "base64 text"],
)
def test_disguised_plaintext_in_a_blob_column_is_readable(tmp_path: Path, encode: Any) -> None:
    plaintext = json.dumps(SIGNAL).encode()
    rows = [(str(i), f"{i:032x}", "2026-11", encode(plaintext)) for i in range(3)]
    target = _db(tmp_path / "db", PEOPLE + SEALED + ");", {"users": USERS, "sig": rows})
    report = drill(target)
    sig = {t.table: t for t in report.tables}["sig"]
    assert sig.readable_signals == {"blob": 3} and not report.passed


def test_a_lone_generic_column_is_a_note_not_a_finding(tmp_path: Path) -> None:
    target = _db(
        tmp_path / "db",
        PEOPLE
        + "CREATE TABLE progress (id int, user_id int REFERENCES users(id), submissions int);",
        {"users": USERS, "progress": [(1, 1, 3)]},
    )
    report = drill(target)
    progress = {t.table: t for t in report.tables}["progress"]
    assert report.passed and "submissions" in progress.notes[0]


def test_a_key_store_inside_the_database_is_pointed_out(tmp_path: Path) -> None:
    target = _db(
        tmp_path / "db",
        "CREATE TABLE vault_datakey (id int, owner text, period text, version int, "
        "kek_version int, wrapped blob);",
        {"vault_datakey": [(1, "p", "2026-11", 1, 1, os.urandom(40))]},
    )
    note = drill(target).tables[0].notes[0]
    assert "key store should be a separate database" in note


def test_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot open"):
        call_command("breach_drill", "--database", str(tmp_path / "nope.sqlite3"))


@pytest.mark.django_db(databases=["default", "keystore"], transaction=True)
def test_the_demo_database_reveals_no_signal_and_no_link(tmp_path: Path) -> None:
    """The demo company (and whatever signals the demo loader stores), plus sealed signals for
    every demo learner made through the vault: zero readable signals, zero links."""
    from django.core.management import get_commands

    if "demo_load" not in get_commands():
        pytest.skip("no demo loader in this tree")
    call_command("demo_load", "--quiet")
    people = list(get_user_model().objects.all())
    assert len(people) >= 20
    rows = [
        VaultSelfTestRow.sealed(
            vault.pseudonym("signals", str(p.pk)), "2026-11", json.dumps(SIGNAL).encode()
        )
        for p in people
    ]
    VaultSelfTestRow.objects.bulk_create(rows)
    report = drill(database_copy(tmp_path))
    assert report.readable_signal_values == 0 and report.links == 0, render_text(report)
    tables = {t.table: t for t in report.tables}
    assert tables["vault_vaultselftestrow"].sealed == {"blob": len(people)}
    assert "email" in tables[get_user_model()._meta.db_table].personal
