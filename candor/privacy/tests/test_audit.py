"""The audit chain: appends, verification, tamper detection, and append-only triggers."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from candor.privacy.audit import (
    GENESIS,
    entry_hash,
    hashed_fields,
    record_event,
    verify,
    verify_entries,
)
from candor.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def _fill(people: Any, n: int) -> list[AuditEntry]:
    actors = list(people.all().values())
    return [
        record_event(
            actor=random.choice(actors),
            subject=random.choice(actors),
            action=random.choice(["read", "signals.export", "consent.change"]),
            purpose=random.choice(["", "compliance", "security_audit"]),
            object_ref=f"obj:{i}",
        )
        for i in range(n)
    ]


def test_entries_chain_and_verify(people: Any) -> None:
    entries = _fill(people, 25)
    assert [e.seq for e in entries] == list(range(1, 26))
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    result = verify()
    assert result.ok and result.entries == 25 and result.head_hash == entries[-1].hash


def test_entries_hold_pseudonyms_not_ids_or_emails(people: Any) -> None:
    entry = record_event(
        actor=people.maya, subject=people.lena, action="read", purpose="compliance"
    )
    values = [entry.actor, entry.subject, entry.object_ref]
    assert all(str(people.lena.pk) != v and people.lena.email not in v for v in values)
    assert entry.actor_role == "manager" and len(entry.subject) >= 16


def test_a_rolled_back_action_leaves_no_entry(people: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(actor=people.adam, action="rule.create")
        raise RuntimeError("the audited work failed")
    assert AuditEntry.objects.count() == 0
    record_event(actor=people.adam, action="rule.create")
    assert verify().ok


def _tamper(entries: list[AuditEntry], rng: random.Random) -> tuple[str, list[AuditEntry]]:
    """Return a tampered copy of the log (in memory), as an attacker with DB access could."""
    log = [
        AuditEntry(**{f.attname: getattr(e, f.attname) for f in AuditEntry._meta.fields})
        for e in entries
    ]
    kind = rng.choice(["edit", "delete", "insert", "swap", "rehash-edit"])
    i = rng.randrange(len(log))
    if kind == "edit" or kind == "rehash-edit":
        field = rng.choice(["actor", "subject", "action", "purpose", "object_ref", "actor_role"])
        setattr(log[i], field, getattr(log[i], field) + "x")
        if kind == "rehash-edit":  # recompute this entry's hash: the next link still breaks
            log[i].hash = entry_hash(hashed_fields(log[i]), log[i].prev_hash)
            if i == len(log) - 1:
                log.append(
                    AuditEntry(
                        seq=log[i].seq + 1,
                        at=log[i].at,
                        action="x",
                        prev_hash="f" * 64,
                        hash="0" * 64,
                    )
                )
    elif kind == "delete":
        del log[i]
        if i == len(log):  # deleting the tail is only visible against a checkpoint
            return "truncate", log
    elif kind == "insert":
        fake = AuditEntry(
            seq=log[i].seq,
            at=log[i].at,
            action="read",
            actor="a",
            subject="b",
            prev_hash=log[i].prev_hash,
            hash="",
        )
        fake.hash = entry_hash(hashed_fields(fake), fake.prev_hash)
        log.insert(i, fake)
    else:
        j = (i + 1) % len(log)
        if i == j:
            return "noop", log
        log[i], log[j] = log[j], log[i]
    return kind, log


def test_a_thousand_random_tamperings_are_detected_and_clean_logs_pass(people: Any) -> None:
    entries = list(
        AuditEntry.objects.filter(pk__in=[e.pk for e in _fill(people, 40)]).order_by("seq")
    )
    assert verify_entries(entries).ok
    rng = random.Random(20261129)
    detected = 0
    for _ in range(1000):
        kind, log = _tamper(entries, rng)
        result = verify_entries(log)
        if kind in {"truncate", "noop"}:
            assert result.ok  # a shorter but consistent chain: caught by checkpoints instead
            continue
        assert not result.ok, kind
        assert result.first_broken_seq is not None
        detected += 1
    assert detected > 900


def test_triggers_refuse_update_and_delete(people: Any, audit_guard: None) -> None:
    entry = record_event(actor=people.adam, action="rule.create")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("UPDATE privacy_auditentry SET purpose = 'x'")
    assert AuditEntry.objects.get(pk=entry.pk).action == "rule.create"
    assert verify().ok
