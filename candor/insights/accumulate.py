"""Running totals: the ingestion hook that feeds them, and the subtraction that empties them.

``on_ingest`` runs inside the signals ingestion transaction (``candor.signals.ingestion.
AFTER_INGEST``), so the totals commit or roll back with the summaries. It does something only
for learners whose consent allows aggregates (``course_improvement``). ``withdraw`` subtracts
everything a learner added — on consent withdrawal, before erasure, before a person is deleted.

Nothing here releases a number: reading the totals is for ``dp.py`` alone.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from candor.catalog.models import Exercise
from candor.insights import metrics as m
from candor.insights.models import SHARDS, Accumulator, Contribution
from candor.insights.quarters import Quarter
from candor.privacy.consent import Consent, consent_for
from candor.signals.access import owner_for
from candor.vault import api as vault
from candor.vault.errors import VaultError

log = logging.getLogger(__name__)
RECORD_VERSION = 1


def system_owner() -> str:
    """The pseudonym the running totals are sealed under (a system data key, not a learner's)."""
    return vault.pseudonym("system", "insights")


def shard_of(user_pk: object) -> int:
    # A keyed hash, not the owner pseudonym on signal rows: the shard of a row of totals says
    # nothing about which signal rows fed it.
    return int(vault.pseudonym("insights_shard", str(user_pk))[:8], 16) % SHARDS


def contribution_id(owner: str, quarter: Quarter) -> uuid.UUID:
    return uuid.UUID(hex=vault.pseudonym("insights_contribution", f"{owner}:{quarter}")[:32])


# --- the hook ---------------------------------------------------------------------------------


def on_ingest(user: Any, stored: list[Any], consent: Consent | None = None) -> None:
    """Add the new summaries of a consenting learner to the running totals (same transaction).

    ``stored`` items have ``row`` (the sealed SignalSummary, for its period), ``summary`` (the
    validated wire fields) and ``server`` (grader indicators or None). ``consent`` is the state
    ingestion read under the learner's lock in this transaction; read again when not given.
    """
    if not stored:
        return
    if consent is None:
        consent = consent_for(user)
    if not consent.aggregates_allowed:
        return
    ids = {_fields(item)["exercise_id"] for item in stored}
    exercises = {
        e.pk: e for e in Exercise.objects.filter(pk__in=ids).only("pk", "kind", "max_attempts")
    }
    by_quarter: dict[Quarter, list[Any]] = defaultdict(list)
    for item in stored:
        by_quarter[Quarter.of_period(item.row.period)].append(item)
    owner, shard = owner_for(user), shard_of(user.pk)
    for quarter, items in sorted(by_quarter.items()):
        contribute(owner, shard, quarter, items[-1].row.period, items, exercises)


def _fields(item: Any) -> Mapping[str, Any]:
    summary = item.summary
    return summary.client_fields() if hasattr(summary, "client_fields") else summary


def contribute(
    owner: str,
    shard: int,
    quarter: Quarter,
    period: str,
    items: Iterable[Any],
    exercises: Mapping[int, Any],
) -> None:
    """Merge ``items`` into the learner's record and move the totals by the difference."""
    rid = contribution_id(owner, quarter)
    row = Contribution.objects.select_for_update().filter(pk=rid).first()
    record = _open_record(row) if row is not None else None
    if record is None:
        record = {"v": RECORD_VERSION, "quarter": str(quarter), "exercises": {}}
    deltas: dict[tuple[int, int], list[int]] = {}
    for item in items:
        fields = _fields(item)
        exercise = exercises.get(int(fields["exercise_id"]))
        if exercise is None:
            continue
        key = str(exercise.pk)
        entry = record["exercises"].get(key)
        state = m.merge(entry["state"] if entry else m.empty_state(), fields, item.server)
        new = m.vector(state, kind=exercise.kind, max_attempts=exercise.max_attempts)
        old = entry["added"] if entry else [0] * m.WIDTH
        used_shard = entry["shard"] if entry else shard
        delta = deltas.setdefault((exercise.pk, used_shard), [0] * m.WIDTH)
        m.add_into(delta, m.subtract(new, old))
        record["exercises"][key] = {"state": state, "added": new, "shard": used_shard}
    apply_deltas(quarter, deltas)
    payload = json.dumps(record, separators=(",", ":")).encode()
    fresh = Contribution.sealed(owner, period, payload, id=rid)
    if row is None:
        fresh.save(force_insert=True)
    else:
        Contribution.objects.filter(pk=rid).update(period=fresh.period, blob=fresh.blob)


def _open_record(row: Contribution) -> dict[str, Any] | None:
    try:
        record = json.loads(row.open_payload())
    except VaultError as exc:
        # The learner's key is gone (an erasure raced this request): what it held was
        # subtracted before the erasure, so start again from nothing.
        log.warning("contribution record unreadable, starting afresh: %s", exc)
        return None
    return record if isinstance(record, dict) and record.get("v") == RECORD_VERSION else None


# --- the running totals -----------------------------------------------------------------------


def _payload(sums: list[int]) -> bytes:
    return json.dumps({"v": 1, "sums": sums}, separators=(",", ":")).encode()


def _sums(value: bytes | None) -> list[int]:
    sums = json.loads(value or b"{}").get("sums")
    if not isinstance(sums, list) or len(sums) != m.WIDTH:
        raise ValueError("a row of running totals has the wrong shape")
    return [int(x) for x in sums]


def apply_deltas(quarter: Quarter, deltas: Mapping[tuple[int, int], list[int]]) -> None:
    """Add each delta to the totals of its (exercise, shard) for ``quarter``, atomically."""
    deltas = {k: d for k, d in deltas.items() if any(d)}
    if not deltas:
        return
    table = Accumulator._meta.db_table
    owner, period, q = system_owner(), quarter.vault_period, str(quarter)
    with transaction.atomic():
        rows = list(
            Accumulator.objects.select_for_update()
            .filter(
                quarter=q,
                exercise_id__in={e for e, _ in deltas},
                shard__in={s for _, s in deltas},
            )
            .order_by("exercise_id", "shard")
        )
        found = {(r.exercise_id, r.shard): r for r in rows if (r.exercise_id, r.shard) in deltas}
        opened = Accumulator.open_rows(list(found.values()))
        changed: list[Accumulator] = []
        for row, result in zip(found.values(), opened, strict=True):
            if result.error is not None:
                raise result.error
            sums = _sums(result.value)
            m.add_into(sums, deltas[(row.exercise_id, row.shard)])
            row.blob = vault.seal(
                owner, period, table, row.pk, _payload(_nonnegative(sums)),
                schema=Accumulator.vault_schema_version,
            )  # fmt: skip
            changed.append(row)
        if changed:
            Accumulator.objects.bulk_update(changed, ["blob"])
        new = [
            Accumulator.sealed(
                owner, period, _payload(_nonnegative(list(d))), exercise_id=e, quarter=q, shard=s
            )
            for (e, s), d in sorted(deltas.items())
            if (e, s) not in found
        ]
        if new:
            Accumulator.objects.bulk_create(new)


def _nonnegative(sums: list[int]) -> list[int]:
    if any(x < 0 for x in sums):
        # Only possible if totals were purged before a record that fed them: keep them sane.
        log.warning("running totals went below zero; clamped")
        return [max(0, x) for x in sums]
    return sums


def read_totals(exercise_ids: Iterable[int], quarter: Quarter) -> dict[int, list[int]]:
    """Exact sums per exercise over every shard (for ``dp.py`` only: never shown as is)."""
    totals: dict[int, list[int]] = {}
    rows = list(
        Accumulator.objects.filter(quarter=str(quarter), exercise_id__in=list(exercise_ids))
    )
    for row, result in zip(rows, Accumulator.open_rows(rows), strict=True):
        if result.error is not None:
            raise result.error
        m.add_into(totals.setdefault(row.exercise_id, [0] * m.WIDTH), _sums(result.value))
    return totals


# --- withdrawal ---------------------------------------------------------------------------------


def withdraw(user: Any) -> int:
    """Subtract everything ``user`` contributed and delete their records; returns how many
    quarters were withdrawn. Call it before their keys are destroyed (erasure)."""
    return withdraw_owner(owner_for(user))


def withdraw_owner(owner: str) -> int:
    """``withdraw`` by the owner pseudonym on the learner's signal rows."""
    done = 0
    with transaction.atomic():
        rows = list(Contribution.objects.select_for_update().filter(owner=owner))
        for row in rows:
            record = _open_record(row)
            if record is not None:
                deltas: dict[tuple[int, int], list[int]] = {}
                for key, entry in record["exercises"].items():
                    negative = [-x for x in entry["added"]]
                    m.add_into(
                        deltas.setdefault((int(key), entry["shard"]), [0] * m.WIDTH), negative
                    )
                try:
                    apply_deltas(Quarter.parse(record["quarter"]), deltas)
                except VaultError as exc:  # the quarter's totals were purged already
                    log.warning("could not subtract from purged totals: %s", exc)
                done += 1
        Contribution.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return done
