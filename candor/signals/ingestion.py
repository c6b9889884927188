"""The ingestion hot path (DESIGN-NOTES §3): one validated batch in, sealed rows out.

Per request: one query for the exercises, one for the learner's attempts on them, one for the
rows that already exist, then every new row sealed and inserted with one statement in one
transaction. No per-row query, no per-row commit, and no audit entry: a learner writing their
own data is not an access by someone else.

Idempotency without a plaintext client-id column: a row's primary key is derived from a keyed
hash of (owner pseudonym, client id). A retry computes the same key, finds the row, opens it
and compares what the browser sent: same → accepted again, nothing written; different → 409.
Because the owner is inside the hash, two learners can never collide or probe each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.functional import LazyObject

from candor.learning.models import Attempt
from candor.privacy.consent import Consent, lock_consent_for_write
from candor.signals import payload, struggle
from candor.signals.access import exercises_for_batch, owner_for
from candor.signals.models import SignalSummary
from candor.signals.schemas import SignalBatch, Summary
from candor.vault import api as vault

# Grader failures that do not count as a submission (mirrors learning.actions._record).
_UNCOUNTED_ERRORS = {"sandbox_unavailable", "internal"}


@dataclass(frozen=True)
class NewRow:
    """A sealed row as inserted: no model instance is built on the hot path."""

    id: uuid.UUID
    owner: str
    period: str
    blob: bytes


@dataclass(frozen=True)
class Stored:
    """A row written by this request, for hooks that run in the same transaction."""

    row: NewRow
    summary: Summary
    server: dict[str, Any] | None


# Functions called inside the ingestion transaction with the learner, the rows it writes and
# the consent state read under the learner's lock (so a hook need not read it again). The
# insights app adds its accumulator update here (DESIGN-NOTES §2), so the totals commit or
# roll back with the rows.
AFTER_INGEST: list[Callable[[Any, list[Stored], Consent], None]] = []


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    ids: list[str] = field(default_factory=list)


class NotFound(Exception):
    """A summary names an exercise or attempt the caller cannot see (missing or not theirs)."""

    def __init__(self, index: int, what: str):
        super().__init__(f"summaries.{index}: no such {what}")
        self.index = index


class Conflict(Exception):
    """A client id was sent before with other content."""

    def __init__(self, client_ids: list[str]):
        super().__init__("a summary with this client_id was stored before with other content")
        self.client_ids = client_ids


def row_id_for(owner: str, client_id: uuid.UUID) -> uuid.UUID:
    """The row's primary key: 128 bits of a keyed HMAC of (owner, client id)."""
    return uuid.UUID(hex=vault.pseudonym("signals_client_id", f"{owner}:{client_id}")[:32])


def ingest(user: Any, batch: SignalBatch, *, now: Any = None) -> IngestResult:
    user = _concrete(user)
    owner = owner_for(user)
    unique = _dedupe(batch.summaries)
    server = _server_indicators(user, unique)
    ids = [row_id_for(owner, s.client_id) for s in unique]
    for attempt in range(2):
        try:
            return _store(user, owner, unique, ids, server, now or timezone.now())
        except IntegrityError:
            # A concurrent request inserted one of these ids between our check and insert:
            # run again; the second pass sees the row and compares it.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _dedupe(summaries: list[Summary]) -> list[Summary]:
    """The same client id twice in one batch: once if identical, 409 if not."""
    seen: dict[uuid.UUID, Summary] = {}
    for s in summaries:
        other = seen.get(s.client_id)
        if other is not None and other != s:
            raise Conflict([str(s.client_id)])
        seen.setdefault(s.client_id, s)
    return list(seen.values())


def _server_indicators(user: Any, summaries: list[Summary]) -> list[dict[str, Any] | None]:
    """Check every exercise and attempt in two queries; compute grader indicators."""
    exercises = exercises_for_batch(user, {s.exercise_id for s in summaries})
    for i, s in enumerate(summaries):
        if s.exercise_id not in exercises:
            raise NotFound(i, "exercise")
    with_attempt = {s.exercise_id for s in summaries if s.attempt_token is not None}
    history: dict[int, list[struggle.Outcome]] = {}
    by_token: dict[uuid.UUID, tuple[int, int]] = {}
    if with_attempt:
        rows = (
            Attempt.objects.filter(user=user, exercise_id__in=with_attempt)
            .annotate(
                sig=KeyTextTransform("error_signature", "result"),
                err=KeyTextTransform("error_kind", "result"),
            )
            .order_by("exercise_id", "number")
            .values_list(
                "exercise_id", "number", "mode", "status", "correct", "client_token", "sig", "err"
            )
        )
        for ex_id, number, mode, status, correct, token, sig, err in rows:
            graded = status == Attempt.Status.GRADED
            history.setdefault(ex_id, []).append(
                struggle.Outcome(
                    number=number,
                    counted=mode == Attempt.Mode.SUBMIT and graded and err not in _UNCOUNTED_ERRORS,
                    graded=graded,
                    correct=correct,
                    error_signature=sig or "",
                )
            )
            by_token[token] = (ex_id, number)
    out: list[dict[str, Any] | None] = []
    for i, s in enumerate(summaries):
        if s.attempt_token is None:
            out.append(None)
            continue
        found = by_token.get(s.attempt_token)
        if found is None or found[0] != s.exercise_id:
            raise NotFound(i, "attempt")
        code = exercises[s.exercise_id] == "code"
        out.append(struggle.indicators(history[s.exercise_id], found[1], code=code))
    return out


def _existing_ids(keys: list[Any]) -> list[Any]:
    """Which of these row keys (database form) are stored already: one indexed lookup, in
    plain SQL because it runs on every request and the ORM's query building costs more than
    the query."""
    table = connection.ops.quote_name(SignalSummary._meta.db_table)
    marks = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id IN ({marks})",  # noqa: S608 - placeholders only
            keys,
        )
        return [row[0] for row in cursor.fetchall()]


def _insert(values: list[tuple[Any, str, str, bytes]]) -> None:
    """One prepared INSERT bound once per row (executemany), in the caller's transaction.
    bulk_create would do, at twice the cost on SQLite (it asks for the rows back and converts
    every field); these rows are complete before they are sent."""
    table = connection.ops.quote_name(SignalSummary._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (id, owner, period, blob) VALUES (%s, %s, %s, %s)",  # noqa: S608
            values,
        )


def _store(
    user: Any,
    owner: str,
    summaries: list[Summary],
    ids: list[uuid.UUID],
    server: list[dict[str, Any] | None],
    now: Any,
) -> IngestResult:
    # The keys in their database form once (a string on SQLite, a UUID on PostgreSQL).
    prep = SignalSummary._meta.pk.get_db_prep_value  # type: ignore[union-attr]
    keys = [prep(i, connection) for i in ids]
    # Ids first, blobs only for rows that exist (retries): most batches are all new.
    found = _existing_ids(keys)
    existing = list(SignalSummary.objects.filter(pk__in=found)) if found else []
    if existing:
        _compare(existing, {i: s for i, s in zip(ids, summaries, strict=True)})
    known = {row.pk for row in existing}
    # Seconds are enough: the time a summary arrived is sealed like everything else.
    received = now.replace(microsecond=0).isoformat()
    period = vault.period_for(now)
    fresh = [
        (row_id, key, summary, extra)
        for row_id, key, summary, extra in zip(ids, keys, summaries, server, strict=True)
        if row_id not in known
    ]
    # One key look-up and one batch of nonces for every row (vault.seal_many).
    blobs = vault.seal_many(
        owner,
        period,
        SignalSummary._meta.db_table,
        [(row_id, payload.encode(summary, extra, received)) for row_id, _, summary, extra in fresh],
        schema=SignalSummary.vault_schema_version,
    )
    values = [
        (key, owner, period, blob) for (_, key, _, _), blob in zip(fresh, blobs, strict=True)
    ]
    stored = [
        Stored(NewRow(row_id, owner, period, blob), summary, extra)
        for (row_id, _, summary, extra), blob in zip(fresh, blobs, strict=True)
    ]
    with transaction.atomic():
        # Consent is checked again under the learner's lock, in the storing transaction: a
        # withdrawal that committed after the API's first check wins (ConsentWithdrawn).
        consent = lock_consent_for_write(user)
        if values:
            _insert(values)
        for hook in AFTER_INGEST:
            hook(user, stored, consent)
    return IngestResult(stored=len(values), duplicates=len(known), ids=[str(i) for i in ids])


def _concrete(user: Any) -> Any:
    """request.user is a lazy proxy; the consent lock needs the model instance behind it."""
    if isinstance(user, LazyObject):
        user.pk  # noqa: B018 - evaluates the proxy
        return user._wrapped  # type: ignore[attr-defined]
    return user


def _compare(existing: list[SignalSummary], sent: dict[uuid.UUID, Summary]) -> None:
    conflicts = []
    for row, result in zip(existing, SignalSummary.open_rows(existing), strict=True):
        summary = sent[row.pk]
        if result.ok:
            try:
                stored = payload.decode(result.value or b"")["summary"]
            except (ValueError, KeyError, TypeError):
                stored = None
            if stored == summary.client_fields():
                continue
        # A row that cannot be opened any more (its key was destroyed by an erasure that raced
        # this request) cannot be shown to be the same: refuse rather than overwrite.
        conflicts.append(str(summary.client_id))
    if conflicts:
        raise Conflict(conflicts)
