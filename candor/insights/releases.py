"""Every write of the insights app's ledger: request a release (charging the budget once),
build it off the request path, refund what was not released.

The charge and the ledger row are created in ONE transaction that first locks the course's
budget row for the quarter (``select_for_update``; SQLite serialises writers anyway), and the
ledger row is unique per canonical query while it is live. So two identical requests at the
same moment produce one release and one charge, and the second simply waits on the first.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from candor.catalog.models import Exercise, Track
from candor.insights import conf, dp, report
from candor.insights.accumulate import read_totals
from candor.insights.models import Budget, Release
from candor.insights.quarters import Quarter
from candor.insights.queries import ReportQuery
from candor.privacy.audit import record_event

log = logging.getLogger(__name__)


class BudgetExhausted(Exception):
    def __init__(self, message: str, renews_on: dt.date):
        super().__init__(message)
        self.renews_on = renews_on


@dataclass(frozen=True)
class Requested:
    release: Release
    created: bool  # False: the ledger already had it (nothing charged)


@dataclass(frozen=True)
class BudgetStatus:
    quarter: Quarter
    spent: Decimal
    limit: Decimal
    cost: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.limit - self.spent)

    @property
    def can_release(self) -> bool:
        return self.spent + self.cost <= self.limit

    @property
    def renews_on(self) -> dt.date:
        return self.quarter.renews_on

    @property
    def over(self) -> bool:
        """A past quarter: its budget never renews (its data stays covered by it)."""
        return self.quarter < Quarter.of()


def budget_status(track: Track, quarter: Quarter) -> BudgetStatus:
    row = Budget.objects.filter(track=track, quarter=str(quarter)).first()
    spent = row.spent_epsilon if row else Decimal(0)
    return BudgetStatus(quarter, spent, conf.epsilon_per_quarter(), conf.epsilon_per_release())


def latest_release(query: ReportQuery) -> Release | None:
    """The newest live release of this canonical query (any edition), from the ledger."""
    return (
        Release.objects.filter(canonical_query=query.base, status__in=Release.ACTIVE)
        .order_by("-edition", "-pk")
        .first()
    )


def _locked_budget(track: Track, quarter: Quarter) -> Budget:
    row = Budget.objects.select_for_update().filter(track=track, quarter=str(quarter)).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            Budget.objects.create(track=track, quarter=str(quarter))
    except IntegrityError:
        pass  # created by a concurrent request a moment ago: lock theirs
    return Budget.objects.select_for_update().get(track=track, quarter=str(quarter))


def do_request_release(author: Any, query: ReportQuery) -> Requested:
    """Return the ledger's release for ``query``, or charge the budget and queue a new one."""
    for attempt in range(3):
        try:
            return _request(author, query)
        except IntegrityError:
            # Another request created the same release between our look and our insert: the
            # next pass finds it (and charges nothing).
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _request(author: Any, query: ReportQuery) -> Requested:
    cost, delta, k = conf.epsilon_per_release(), conf.delta_per_release(), conf.min_group()
    limit = conf.epsilon_per_quarter()
    with transaction.atomic():
        budget = _locked_budget(query.track, query.quarter)
        latest = latest_release(query)
        if latest is not None and (not query.refresh or not latest.finished):
            return Requested(latest, created=False)
        edition = latest.edition + 1 if latest is not None else 1
        if budget.spent_epsilon + cost > limit:
            renews = query.quarter.renews_on
            raise BudgetExhausted(
                f"The privacy budget of “{query.track.title}” for {query.quarter.label} is spent "
                f"(ε {budget.spent_epsilon.normalize()} of {limit.normalize()}; a release needs "
                f"ε {cost.normalize()}). "
                + (
                    "That quarter is over, so its budget does not renew. "
                    if query.quarter < Quarter.of()
                    else f"It renews on {renews.day} {renews:%B %Y}. "
                )
                + "Reports released before stay available.",
                renews,
            )
        release = Release.objects.create(
            canonical_key=query.key(edition),
            canonical_query=query.base,
            track=query.track,
            module=query.module,
            quarter=str(query.quarter),
            metrics=list(query.metrics),
            edition=edition,
            requested_by=author,
            requested_by_name=getattr(author, "full_name", "")[:150],
            epsilon=cost,
            delta=delta,
            min_group=k,
            stage="Waiting for a worker",
        )
        budget.spent_epsilon += cost
        budget.spent_delta += delta
        budget.save(update_fields=["spent_epsilon", "spent_delta"])
        record_event(
            actor=author,
            action="insights.release",
            purpose="course_improvement",
            object_ref=f"release:{release.pk};{query.base}",
        )
        release_id = release.pk
        transaction.on_commit(lambda: _submit(release_id))
    return Requested(release, created=True)


def _submit(release_id: int) -> None:
    from candor.insights import worker

    worker.submit(release_id)


def scope_exercises(track: Track, module_id: int | None) -> list[Exercise]:
    qs = Exercise.objects.filter(
        module__track=track, is_retired=False, module__is_retired=False
    ).select_related("module")
    if module_id is not None:
        qs = qs.filter(module_id=module_id)
    return list(qs.order_by("module__order", "order", "pk"))


def _progress(release_id: int, percent: int, stage: str) -> None:
    Release.objects.filter(pk=release_id).update(progress=percent, stage=stage[:80])


def run_release(release_id: int) -> Release | None:
    """Build one queued release (the worker's job). Safe to call twice: one claims it."""
    claimed = Release.objects.filter(pk=release_id, status=Release.Status.QUEUED).update(
        status=Release.Status.RUNNING,
        started_at=timezone.now(),
        progress=5,
        stage="Opening the course's running totals",
    )
    if not claimed:
        return None
    release = Release.objects.select_related("track").get(pk=release_id)
    try:
        exercises = scope_exercises(release.track, release.module_id)
        quarter = Quarter.parse(release.quarter)
        totals = read_totals([e.pk for e in exercises], quarter)
        _progress(release_id, 20, "Loading the noise mechanism")
        dp.warm()
        released = dp.release(
            totals,
            [dp.ExerciseRef(e.pk, e.kind) for e in exercises],
            release.metrics,
            epsilon=float(release.epsilon),
            delta=release.delta,
            min_group=release.min_group,
            progress=lambda p, s: _progress(release_id, p, s),
        )
        result = report.build(released, exercises, release.metrics)
    except dp.ReleaseRefused as exc:
        return _refund(release_id, Release.Status.REFUSED, str(exc))
    except Exception:
        log.exception("insights release %s failed", release_id)
        return _refund(
            release_id,
            Release.Status.FAILED,
            "The release failed on our side: nothing was released and no budget was spent. "
            "Please try again.",
        )
    Release.objects.filter(pk=release_id).update(
        status=Release.Status.DONE,
        result=result,
        noise_scale=released.noise_scale,
        sensitivity=released.sensitivity,
        progress=100,
        stage="Released",
        finished_at=timezone.now(),
    )
    return Release.objects.get(pk=release_id)


def _refund(release_id: int, status: str, message: str) -> Release:
    """Give back the budget of a release that let nothing out."""
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release_id)
        budget = _locked_budget(release.track, Quarter.parse(release.quarter))
        if release.epsilon:
            budget.spent_epsilon = max(Decimal(0), budget.spent_epsilon - release.epsilon)
            budget.spent_delta = max(0.0, budget.spent_delta - release.delta)
            budget.save(update_fields=["spent_epsilon", "spent_delta"])
        release.status = status
        release.message = message[:300]
        release.epsilon = Decimal(0)
        release.delta = 0.0
        release.progress = 100
        release.stage = Release.Status(status).label
        release.finished_at = timezone.now()
        release.save()
    return release


def recover_stale(now: dt.datetime | None = None) -> list[int]:
    """Releases left behind by a process that stopped: requeue or refund them."""
    now = now or timezone.now()
    stuck = Release.objects.filter(
        status=Release.Status.RUNNING, started_at__lt=now - dt.timedelta(minutes=10)
    ).values_list("pk", flat=True)
    for pk in list(stuck):
        _refund(pk, Release.Status.FAILED, "The worker building this release stopped; "
                "nothing was released and no budget was spent. Please try again.")  # fmt: skip
    return list(
        Release.objects.filter(
            status=Release.Status.QUEUED, requested_at__lt=now - dt.timedelta(seconds=15)
        ).values_list("pk", flat=True)
    )
