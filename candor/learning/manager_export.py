"""The manager's compliance roll-up and CSV export — built from ``team_rows`` and nothing else.

``team_rows`` returns exactly ``MANAGER_FIELDS`` (a test pins them) and audits each report's
read under the ``compliance`` purpose; this module only counts and writes those rows. So, by
construction, a manager gets completion status and dates — never signals, scores, attempts or
time spent.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from candor.accounts.models import User
from candor.learning.manager_views import MANAGER_FIELDS, team_rows
from candor.learning.progress import Status
from candor.privacy.audit import record_event


def _manager(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_role("manager"):
        raise Http404
    return user


def rollup(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per mandatory module: how many of the team have it, and how many completed it."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        group = groups.setdefault(
            (row["track"], row["module"]),
            {"track": row["track"], "module": row["module"], "assigned": 0,
             **{status: 0 for status in Status.LABELS}},
        )  # fmt: skip
        group["assigned"] += 1
        group[row["status"]] += 1
    out = list(groups.values())
    for group in out:
        group["percent"] = round(100 * group[Status.COMPLETED] / group["assigned"])
    return out


def overdue(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    late = [r for r in rows if r["status"] == Status.OVERDUE]
    return sorted(late, key=lambda r: (r["due_on"], r["person"], r["module"]))


@login_required
@require_GET
def team_compliance(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    rows = team_rows(manager)
    done = sum(1 for r in rows if r["status"] == Status.COMPLETED)
    return render(
        request,
        "learning/team_compliance.html",
        {
            "modules": rollup(rows),
            "overdue": overdue(rows),
            "total": len(rows),
            "done": done,
            "percent": round(100 * done / len(rows)) if rows else 0,
            "people": len({r["person"] for r in rows}),
            "nav": "team",
        },
    )


@login_required
@require_GET
def team_export(request: HttpRequest) -> HttpResponse:
    """CSV of exactly MANAGER_FIELDS per row; the export itself is audited."""
    manager = _manager(request)
    rows = team_rows(manager)
    with transaction.atomic():
        record_event(
            actor=manager,
            action="learning.team_export",
            purpose="compliance",
            object_ref=f"team.csv;rows={len(rows)}",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="team-compliance-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(MANAGER_FIELDS)
    for row in rows:
        writer.writerow(["" if row[f] is None else row[f] for f in MANAGER_FIELDS])
    return response
