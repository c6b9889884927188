"""Author pages: course reports, release requests, progress, CSV export and the ledger.

Thin: parse the query (``queries.parse_query``), call ``releases``, render. Showing a report
reads the ledger and never spends budget; only ``POST …/release`` can.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from candor.catalog.models import Track
from candor.insights import conf, presentation, worker
from candor.insights.access import (
    access_release_for,
    access_track_report_for,
    require_author,
    require_ledger_reader,
)
from candor.insights.metrics import METRICS
from candor.insights.models import Release
from candor.insights.quarters import Quarter
from candor.insights.queries import QueryError, ReportQuery, parse_query
from candor.insights.releases import (
    BudgetExhausted,
    budget_status,
    do_request_release,
    latest_release,
)


@login_required
@require_GET
def courses(request: HttpRequest) -> HttpResponse:
    require_author(request.user)
    quarter = Quarter.of()
    rows = []
    for track in Track.objects.filter(is_retired=False):
        status = budget_status(track, quarter)
        released = Release.objects.filter(
            track=track, quarter=str(quarter), status=Release.Status.DONE
        ).count()
        rows.append({"track": track, "budget": status, "released": released})
    return render(
        request,
        "insights/courses.html",
        {"rows": rows, "quarter": quarter, "nav": "reports", **_policy()},
    )


def _policy() -> dict[str, Any]:
    return {
        "k": conf.min_group(),
        "epsilon_quarter": conf.epsilon_per_quarter().normalize(),
        "epsilon_release": conf.epsilon_per_release().normalize(),
    }


def _report_url(query: ReportQuery) -> str:
    url = reverse("insights:report", args=[query.track.slug])
    return f"{url}?{urlencode(query.params())}"


def _page(
    request: HttpRequest,
    track: Track,
    query: ReportQuery | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    release = latest_release(query) if query else None
    if release is not None and not release.finished:
        worker.warm()
        worker.nudge()
        release.refresh_from_db()
    quarter = query.quarter if query else Quarter.of()
    modules = list(track.modules.filter(is_retired=False).order_by("order"))
    ctx: dict[str, Any] = {
        "track": track,
        "query": query,
        "release": release,
        "budget": budget_status(track, quarter),
        "quarters": Quarter.of().recent(4),
        "quarter": quarter,
        "modules": modules,
        "all_metrics": METRICS,
        "chosen": set(query.metrics) if query else set(),
        "error": error,
        "nav": "reports",
        "params": urlencode(query.params()) if query else "",
        **_policy(),
    }
    if release is not None and release.status == Release.Status.DONE and release.result:
        ctx["table"] = presentation.table(release.result)
        ctx["chart"] = presentation.chart_data(release.result)
    return render(request, "insights/report.html", ctx, status=status)


@login_required
@require_GET
def report(request: HttpRequest, track: str) -> HttpResponse:
    obj = access_track_report_for(request.user, track)
    try:
        query = parse_query(obj, request.GET)
    except QueryError as exc:
        return _page(request, obj, None, error=str(exc), status=400)
    return _page(request, obj, query)


@login_required
@require_POST
def release(request: HttpRequest, track: str) -> HttpResponse:
    obj = access_track_report_for(request.user, track)
    try:
        query = parse_query(obj, request.POST)
    except QueryError as exc:
        return _page(request, obj, None, error=str(exc), status=400)
    try:
        do_request_release(request.user, query)
    except BudgetExhausted as exc:
        return _page(request, obj, query, error=str(exc), status=409)
    return redirect(_report_url(query) + "#report")


@login_required
@require_GET
def release_status(request: HttpRequest, release_id: int) -> HttpResponse:
    """Polled by the report page while a release is being built."""
    obj = access_release_for(request.user, release_id)
    if not obj.finished:
        worker.nudge()
        obj.refresh_from_db()
    return JsonResponse(
        {
            "status": obj.status,
            "label": obj.get_status_display(),
            "progress": obj.progress,
            "stage": obj.stage,
            "done": obj.finished,
        }
    )


CSV_COLUMNS = (
    "quarter", "track", "scope", "module", "exercise", "metric", "value", "ci95_low",
    "ci95_high", "noise_sd", "learners_noisy", "withheld", "release_id", "released_at",
    "epsilon", "delta", "min_group",
)  # fmt: skip


@login_required
@require_GET
def export(request: HttpRequest, track: str) -> HttpResponse:
    """The released numbers of one report as CSV, from the ledger only (spends nothing)."""
    obj = access_track_report_for(request.user, track)
    try:
        query = parse_query(obj, request.GET)
    except QueryError as exc:
        return _page(request, obj, None, error=str(exc), status=400)
    rel = latest_release(query)
    if rel is None or rel.status != Release.Status.DONE or not rel.result:
        return _page(
            request,
            obj,
            query,
            error="Nothing has been released for this report yet, so there is nothing to export.",
            status=404,
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="candor-report-{obj.slug}-{rel.quarter}-{stamp}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in _csv_rows(rel):
        writer.writerow(row)
    return response


def _csv_rows(rel: Release) -> list[list[Any]]:
    result = rel.result or {}
    scope = rel.module.slug if rel.module else "all"
    common = [rel.quarter, rel.track.slug, scope]
    tail = [
        rel.pk,
        rel.finished_at.isoformat() if rel.finished_at else "",
        rel.epsilon,
        rel.delta,
        rel.min_group,
    ]
    out: list[list[Any]] = []

    def emit(module: str, exercise: str, values: dict[str, Any], n: Any, withheld: str) -> None:
        for name in result.get("metrics", []):
            est = values.get(name)
            if est is None:
                continue
            if "value" not in est:
                out.append(
                    [
                        *common,
                        module,
                        exercise,
                        name,
                        "",
                        "",
                        "",
                        "",
                        n,
                        est.get("withheld", withheld),
                        *tail,
                    ]
                )
                continue
            out.append(
                [*common, module, exercise, name, f"{est['value']:.4f}", f"{est['low']:.4f}",
                 f"{est['high']:.4f}", f"{est['sd']:.4f}", n, "", *tail]
            )  # fmt: skip

    for ex in result.get("exercises", []):
        if ex.get("withheld"):
            out.append([*common, ex["module_slug"], ex["slug"], "", "", "", "", "", "",
                        ex.get("reason", "withheld"), *tail])  # fmt: skip
            continue
        n = f"{ex['learners']['value']:.0f}"
        emit(ex["module_slug"], ex["slug"], ex.get("values", {}), n, "")
    for mod in result.get("modules", []):
        n = f"{mod['learner_exercises']['value']:.0f}" if "learner_exercises" in mod else ""
        emit(mod["title"], "(all exercises)", mod.get("values", {}), n, "")
    return out


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    require_ledger_reader(request.user)
    releases = Release.objects.select_related("track", "module").order_by("-requested_at")[:500]
    return render(
        request, "insights/ledger.html", {"releases": releases, "nav": "reports", **_policy()}
    )
