"""The audit chain: appends, verification, tamper detection, and append-only triggers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
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


# --- checkpoints: rollback and truncation behind a signed head --------------------------------


def _copy(entries: list[AuditEntry]) -> list[AuditEntry]:
    return [
        AuditEntry(**{f.attname: getattr(e, f.attname) for f in AuditEntry._meta.fields})
        for e in entries
    ]


def _rechain(log: list[AuditEntry], start: int) -> None:
    """What an attacker who knows the scheme does: recompute every hash after an edit."""
    for k in range(start, len(log)):
        log[k].prev_hash = log[k - 1].hash if k else GENESIS
        log[k].hash = entry_hash(hashed_fields(log[k]), log[k].prev_hash)


def test_every_tampering_is_detected_against_a_checkpoint(people: Any) -> None:
    from candor.privacy.checkpoints import load_key, verify_against, write_checkpoint

    _fill(people, 30)
    checkpoint = write_checkpoint()  # head at entry 30; entry 31 records the checkpoint
    _fill(people, 10)
    entries = list(AuditEntry.objects.order_by("seq"))
    public = load_key().public_key()
    assert checkpoint.seq == 30 and len(entries) == 41
    assert verify_against(entries, [checkpoint], public).ok
    rng = random.Random(20261130)
    kinds: dict[str, int] = {}
    for _ in range(1000):
        log = _copy(entries)
        kind = rng.choice(["edit", "delete", "insert", "swap", "truncate", "rechain"])
        covered = rng.randrange(checkpoint.seq)  # an index the checkpoint vouches for
        if kind == "edit":
            i = rng.randrange(len(log))
            field = rng.choice(["actor", "subject", "action", "purpose", "object_ref", "at"])
            if field == "at":
                log[i].at = log[i].at.replace(microsecond=(log[i].at.microsecond + 1) % 10**6)
            else:
                setattr(log[i], field, getattr(log[i], field) + "x")
        elif kind == "delete":
            del log[rng.randrange(len(log) - 1)]  # any entry but the unprotected last one
        elif kind == "insert":
            i = rng.randrange(len(log))
            fake = _copy([log[i]])[0]
            fake.object_ref = "planted"
            fake.hash = entry_hash(hashed_fields(fake), fake.prev_hash)
            log.insert(i, fake)
        elif kind == "swap":
            i = rng.randrange(len(log) - 1)
            log[i], log[i + 1] = log[i + 1], log[i]
        elif kind == "truncate":  # roll the log back to before the checkpointed head
            del log[covered:]
        else:  # rewrite an entry the checkpoint covers and recompute the rest of the chain
            log[covered].purpose = "security_audit" if log[covered].purpose != "x" else "y"
            log[covered].object_ref += ";rewritten"
            _rechain(log, covered)
        result = verify_against(log, [checkpoint], public)
        assert not result.ok, kind
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind in {"truncate", "rechain"}:
            assert result.chain.ok and result.problems  # only the checkpoint can tell
    assert set(kinds) == {"edit", "delete", "insert", "swap", "truncate", "rechain"}
    # ... and an untouched log, any number of times, is never flagged.
    for _ in range(20):
        assert verify_against(_copy(entries), [checkpoint], public).ok


def test_checkpoint_files_are_signed_never_overwritten_and_chained(
    people: Any, audit_files: Any
) -> None:
    import json
    import os

    from candor.privacy.checkpoints import CheckpointError, verify_all, write_checkpoint

    with pytest.raises(CheckpointError, match="empty"):
        write_checkpoint()
    _fill(people, 3)
    first = write_checkpoint()
    second = write_checkpoint()
    assert (first.seq, second.seq) == (3, 4)  # the first checkpoint's own entry is seq 4
    assert second.payload["previous"] == first.digest
    assert oct(first.path.stat().st_mode & 0o777) == "0o444"
    key_mode = os.stat(os.environ["CANDOR_AUDIT_KEY_FILE"]).st_mode & 0o777
    assert key_mode == 0o600
    body = json.loads(first.path.read_text())
    assert set(body) == {"format", "seq", "head_hash", "at", "key_id", "previous", "signature"}
    with pytest.raises(FileExistsError):
        os.open(first.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    result = verify_all()
    assert result.ok and result.checkpoints == 2, result.lines()


def _problems(result: Any) -> str:
    return " | ".join(f"{p.file}: {p.problem}" for p in result.problems)


def test_a_forged_a_missing_and_an_unreadable_checkpoint_are_named(
    people: Any, audit_files: Any
) -> None:
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from candor.privacy.checkpoints import _canonical, verify_all, write_checkpoint

    _fill(people, 5)
    first = write_checkpoint()
    second = write_checkpoint()
    assert verify_all().ok

    # Forged: a checkpoint for a made-up head, signed with a key that is not ours.
    body = json.loads(second.path.read_text())
    body.pop("signature")
    body["head_hash"] = "f" * 64
    import base64

    signature = Ed25519PrivateKey.generate().sign(_canonical(body))
    forged = audit_files / "checkpoint-000000000099-20990101T000000000000.json"
    forged.write_text(json.dumps({**body, "signature": base64.b64encode(signature).decode()}))
    result = verify_all()
    assert not result.ok and "forged" in _problems(result)
    forged.unlink()

    # Altered: our checkpoint with its head changed (the signature no longer matches).
    second.path.chmod(0o644)
    original = second.path.read_text()
    second.path.write_text(original.replace(second.head_hash, "0" * 64))
    assert "altered" in _problems(verify_all())
    second.path.write_text(original)

    # Missing: the first file deleted — the second names it, and so does the log.
    first.path.chmod(0o644)
    first.path.unlink()
    text = _problems(verify_all())
    assert "before it is missing" in text and "recorded in the log" in text

    # Unreadable: garbage in the directory is reported, not ignored.
    (audit_files / "checkpoint-000000000001-x.json").write_text("{not json")
    assert "not a readable checkpoint" in _problems(verify_all())


@contextmanager
def _around_the_triggers() -> Iterator[None]:
    """What an attacker with the database owner's rights can do (the triggers stop the app)."""
    from candor.privacy import triggers

    triggers.MAINTENANCE = True
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SET candor.audit_maintenance = 'on'")
    try:
        yield
    finally:
        triggers.MAINTENANCE = False
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("SET candor.audit_maintenance = 'off'")


def test_audit_command_verifies_checkpoints_and_names_the_first_broken_entry(
    people: Any, audit_guard: None
) -> None:
    from io import StringIO

    from django.core.management import call_command

    def run(*args: str) -> tuple[int, str]:
        out = StringIO()
        try:
            call_command("audit", *args, stdout=out)
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue()
        return 0, out.getvalue()

    _fill(people, 6)
    code, out = run("verify")
    assert code == 0 and "no checkpoint yet" in out
    assert run("checkpoint")[0] == 0
    code, out = run("verify", "--json")
    assert code == 0 and '"checkpoints": 1' in out
    # Someone with database rights goes around the trigger and edits entry 3.
    with _around_the_triggers():
        AuditEntry.objects.filter(seq=3).update(object_ref="edited")
    code, out = run("verify")
    assert code == 1 and "first broken entry: 3" in out and "FAILED" in out
    # Rolled back to entry 4 (behind the checkpoint of entry 6): caught by the checkpoint only.
    with _around_the_triggers():
        AuditEntry.objects.filter(seq=3).update(object_ref="obj:2")
        AuditEntry.objects.filter(seq__gt=4).delete()
    code, out = run("verify")
    assert code == 1 and "rollback or truncation" in out, out


def test_production_never_creates_the_signing_key(
    people: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from candor.privacy.checkpoints import load_key, write_checkpoint

    monkeypatch.setenv("CANDOR_ENV", "production")
    _fill(people, 2)
    with pytest.raises(ImproperlyConfigured, match="create-key"):
        write_checkpoint()
    with pytest.raises(ImproperlyConfigured):
        load_key()


def test_the_pages_quick_check_starts_at_the_newest_signed_checkpoint(
    people: Any, audit_files: Any
) -> None:
    from candor.privacy.checkpoints import verify_recent, write_checkpoint

    _fill(people, 5)
    assert verify_recent().since_seq == 0 and verify_recent().ok  # no checkpoint: full check
    write_checkpoint()
    _fill(people, 3)
    quick = verify_recent()
    assert quick.ok and quick.since_seq == 5 and quick.chain.entries == 4
    # A forged newer checkpoint is not trusted: the full check runs and names it.
    (audit_files / "checkpoint-000000000099-x.json").write_text("{}")
    slow = verify_recent()
    assert not slow.ok and slow.since_seq == 0
