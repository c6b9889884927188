"""The vault's public API. Everything else in ``candor`` goes through these functions.

    blob = seal(owner, period, table, row_id, plaintext)
    blobs = seal_many(owner, period, table, [(row_id, plaintext), ...])  # one learner's batch
    plaintext = open(owner, period, table, row_id, blob)
    results = open_many(table, rows)          # per-row value or error, never an exception
    erase_owner(owner)                         # log, then crypto-shred, then delete rows
    replay_erasures()                          # after restoring the key store
    shred_owner(owner) / shred_period(period)  # the bare key destruction
    rotate_kek() / retire_kek(version)
    pseudonym(purpose, subject_id)
    purge_expired()

``owner`` is a pseudonym (``pseudonym("signals", str(user.pk))``), never a user id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from candor.vault import envelope, keystore
from candor.vault.errors import CiphertextCorrupted, InvalidInput, VaultError
from candor.vault.events import emit
from candor.vault.keystore import RotationReport, check_owner, reset, shred_owner, shred_period
from candor.vault.retention import period_for, purge_expired

__all__ = [
    "OpenResult",
    "RotationReport",
    "erase_owner",
    "key_version_of",
    "open",
    "open_many",
    "period_for",
    "pseudonym",
    "purge_expired",
    "replay_erasures",
    "reset",
    "retire_kek",
    "rotate_kek",
    "seal",
    "seal_many",
    "shred_owner",
    "shred_period",
]


class RowLike(Protocol):
    owner: str
    period: str
    pk: Any
    blob: Any


def _check_ids(table: str, row_id: object) -> str:
    if not isinstance(table, str) or not table:
        raise InvalidInput("a sealed value needs its table name")
    rid = "" if row_id is None else str(row_id)
    if not rid:
        raise InvalidInput("a sealed value needs its row id before it is sealed", table=table)
    return rid


def pseudonym(purpose: str, subject_id: str) -> str:
    """Keyed-HMAC pseudonym of ``subject_id`` for ``purpose`` (one key per purpose)."""
    return keystore.pseudonymiser()(purpose, subject_id)


def _sealer(owner: str, period: str, table: str, schema: int) -> envelope.Sealer:
    """The cached sealer for this owner, period, table and schema (created on a miss).

    It lives in the key cache, so shredding the owner's or the period's keys drops it too.
    """
    cache = keystore.state().cache
    slot = ("s", owner, period, table, schema)
    sealer = cache.get(slot)
    if sealer is None:
        if not isinstance(table, str) or not table:
            raise InvalidInput("a sealed value needs its table name")
        if not isinstance(schema, int) or not 0 <= schema <= 0xFFFF:
            raise InvalidInput("schema version must fit in 16 bits", table=table)
        version, aead = keystore.current_key(owner, period)
        sealer = envelope.Sealer(aead, version, schema, table, owner, period)
        cache.put(slot, sealer)
    return sealer  # type: ignore[no-any-return]


def seal(
    owner: str, period: str, table: str, row_id: object, plaintext: bytes, *, schema: int = 1
) -> bytes:
    """Encrypt ``plaintext`` for one row; return the blob to store in it.

    The blob carries the data-key version in its (authenticated) header, so the row needs no
    column for it.
    """
    rid = _check_ids(table, row_id)
    if not isinstance(plaintext, bytes | bytearray):
        raise InvalidInput("plaintext must be bytes", table=table, row_id=rid)
    try:
        return _sealer(owner, period, table, schema)(rid, bytes(plaintext))
    except VaultError as exc:
        raise exc.for_row(table, rid) from None


def seal_many(
    owner: str,
    period: str,
    table: str,
    items: Iterable[tuple[object, bytes]],
    *,
    schema: int = 1,
) -> list[bytes]:
    """``seal`` for a batch of ``(row_id, plaintext)`` of one owner and period.

    The ingestion hot path (one learner's batch per request): one key look-up for the batch.
    """
    pairs: list[tuple[str, bytes]] = []
    for row_id, plaintext in items:
        rid = _check_ids(table, row_id)
        if not isinstance(plaintext, bytes | bytearray):
            raise InvalidInput("plaintext must be bytes", table=table, row_id=rid)
        pairs.append((rid, bytes(plaintext)))
    if not pairs:
        return []
    try:
        return envelope.encrypt_many(_sealer(owner, period, table, schema), pairs)
    except VaultError as exc:
        raise exc.for_row(table, pairs[0][0]) from None


def key_version_of(blob: Any) -> int:
    """The data-key version a blob was sealed with (``CiphertextCorrupted`` if unreadable)."""
    return envelope.read_header(_as_bytes(blob)).key_version


def _as_bytes(blob: Any) -> bytes:
    if blob is None:
        raise CiphertextCorrupted("the row has no blob")
    return bytes(blob)


def open(  # noqa: A001 - the vault's verb; callers write vault.open(...)
    owner: str, period: str, table: str, row_id: object, blob: Any
) -> bytes:
    """Decrypt one row's blob, or raise a ``VaultError`` naming the row and the cause."""
    rid = _check_ids(table, row_id)
    try:
        data = _as_bytes(blob)
        ref = (owner, period, envelope.read_header(data).key_version)
        key = keystore.keys_for([ref])[ref]
        if isinstance(key, VaultError):
            raise key
        return envelope.decrypt(key, data, table, owner, period, rid)
    except VaultError as exc:
        raise exc.for_row(table, rid) from None


@dataclass(frozen=True)
class OpenResult:
    row_id: str
    value: bytes | None = None
    error: VaultError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def open_many(table: str, rows: Iterable[RowLike]) -> list[OpenResult]:
    """Open many rows with one key-store query; a bad row yields its error, not an exception.

    Rows are anything with ``owner``, ``period``, ``pk`` and ``blob``.
    """
    parsed: list[tuple[RowLike, str, bytes | VaultError, int]] = []
    for row in rows:
        try:
            data = _as_bytes(row.blob)
            parsed.append((row, str(row.pk), data, envelope.read_header(data).key_version))
        except VaultError as exc:
            parsed.append((row, str(row.pk), exc, 0))
    try:
        keys = keystore.keys_for(
            (row.owner, row.period, version) for row, _, _, version in parsed if version
        )
    except VaultError as exc:  # the KEK itself is unavailable: every row says so
        return [OpenResult(rid, error=exc.for_row(table, rid)) for _, rid, _, _ in parsed]
    results: list[OpenResult] = []
    for row, rid, parsed_blob, version in parsed:
        try:
            if isinstance(parsed_blob, VaultError):
                raise parsed_blob
            data = parsed_blob
            key = keys[(row.owner, row.period, version)]
            if isinstance(key, VaultError):
                raise key
            value = envelope.decrypt(key, data, table, row.owner, row.period, rid)
        except VaultError as exc:
            results.append(OpenResult(rid, error=exc.for_row(table, rid)))
        else:
            results.append(OpenResult(rid, value=value))
    return results


@dataclass
class ErasureReport:
    owner: str
    keys_destroyed: int
    rows_deleted: dict[str, int]


def _delete_unreadable_rows(owner: str) -> dict[str, int]:
    """Delete the owner's rows whose data key is gone (they can never open again)."""
    from candor.vault.retention import sealed_models

    live = keystore.live_versions(owner)
    deleted: dict[str, int] = {}
    for model in sealed_models():
        manager = model._default_manager
        doomed = [
            pk
            for pk, period, blob in manager.filter(owner=owner).values_list("pk", "period", "blob")
            if (period, _version_or_zero(blob)) not in live
        ]
        count = manager.filter(pk__in=doomed).delete()[0] if doomed else 0
        deleted[model._meta.db_table] = count
    return deleted


def _version_or_zero(blob: Any) -> int:
    try:
        return key_version_of(blob)
    except VaultError:
        return 0  # unreadable anyway


def erase_owner(owner: str) -> ErasureReport:
    """Crypto-shred every signal of one learner, at once, and record it in the erasure log.

    Order matters: the log line is committed before the keys are destroyed, so a crash in
    between is repaired by ``replay_erasures``. Keys are destroyed immediately and cannot be
    brought back: call this outside a longer transaction (if the caller's transaction rolled
    back afterwards, the erasure would have happened without its log line).
    """
    from candor.vault.models import ErasureLog

    check_owner(owner)
    with transaction.atomic():
        ErasureLog.objects.create(owner=owner, erased_at=timezone.now())
    keys = shred_owner(owner)
    rows = _delete_unreadable_rows(owner)
    emit("erase_owner", owner=owner, keys_destroyed=keys, rows_deleted=sum(rows.values()))
    return ErasureReport(owner, keys, rows)


@dataclass
class ReplayReport:
    erasures: int
    keys_destroyed: int
    rows_deleted: int


def replay_erasures(owners: Sequence[str] | None = None) -> ReplayReport:
    """Re-apply every logged erasure: run after restoring the key store from a backup.

    Only keys created up to each erasure are destroyed, so a learner who came back and
    consented again keeps what was recorded after their erasure.
    """
    from candor.vault.models import ErasureLog

    entries = ErasureLog.objects.order_by("erased_at", "id")
    if owners is not None:
        entries = entries.filter(owner__in=owners)
    last: dict[str, Any] = {}
    count = 0
    for entry in entries.iterator():
        last[entry.owner] = entry.erased_at
        count += 1
    keys = rows = 0
    for owner, erased_at in last.items():
        keys += shred_owner(owner, created_before=erased_at)
        rows += sum(_delete_unreadable_rows(owner).values())
    emit("replay_erasures", erasures=count, keys_destroyed=keys, rows_deleted=rows)
    return ReplayReport(count, keys, rows)


def rotate_kek() -> RotationReport:
    report = keystore.rotate_kek()
    emit("rotate_kek", kek_version=report.kek_version, rewrapped=report.rewrapped)
    return report


def retire_kek(version: int) -> bool:
    removed = keystore.retire_kek(version)
    emit("retire_kek", kek_version=version, destroyed=removed)
    return removed
