"""The manager's view: mandatory-training status of direct reports, and nothing else.

By construction it reads only assignments and completion records — never attempts, scores,
time spent or signals. ``team_rows`` is the single place its data comes from, and a test pins
the exact fields it returns.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from candor.accounts.models import User
from candor.learning.models import Assignment
from candor.learning.progress import Status, assignment_status, progress_for
from candor.privacy.access import access_personal_data
from candor.privacy.purposes import Purpose

MANAGER_FIELDS = ("person", "track", "module", "due_on", "status", "completed_on")


def team_rows(manager: User) -> list[dict[str, Any]]:
    """Completion of each direct report's mandatory modules; each report's read is audited
    (purpose: compliance), so every learner can see when their manager looked."""
    reports = list(User.objects.filter(manager=manager, is_active=True).order_by("full_name"))
    for report in reports:
        access_personal_data(
            manager, report, Purpose.COMPLIANCE, object_ref="learning:completion", action="read"
        )
    assignments = list(
        Assignment.objects.filter(
            user__in=reports, mandatory=True, module__is_retired=False
        ).select_related("module__track", "user")
    )
    progress = progress_for([u.pk for u in reports], {a.module_id for a in assignments})
    today = timezone.localdate()
    rows = []
    for a in sorted(
        assignments, key=lambda a: (a.user.full_name, a.module.track.order, a.module.order)
    ):
        p = progress[(a.user_id, a.module_id)]
        status = assignment_status(a, p, today)
        rows.append(
            {
                "person": a.user.full_name,
                "track": a.module.track.title,
                "module": a.module.title,
                "due_on": a.due_on,
                "status": status,
                "completed_on": timezone.localdate(p.completed_at) if p.completed_at else None,
            }
        )
    return rows


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_role("manager"):
        raise Http404
    rows = team_rows(user)
    people: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        people.setdefault(row["person"], []).append({**row, "label": Status.LABELS[row["status"]]})
    reports = User.objects.filter(manager=user, is_active=True).order_by("full_name")
    for person in reports:
        people.setdefault(person.full_name, [])
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in Status.LABELS}
    return render(
        request,
        "learning/team.html",
        {
            "people": people,
            "counts": counts,
            "labels": Status.LABELS,
            "total": len(rows),
            "nav": "team",
        },
    )
