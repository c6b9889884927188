"""The compliance export for HR and auditors: completion by person, module and date, as CSV.

Who: administrators and privacy officers — the two roles whose registered purposes include
``compliance`` and whose work needs the whole organisation (managers have their own team
export). What: completion facts only — assignment, due date, completed or not and when; never
attempts, scores, time spent or signals (``COLUMNS`` is pinned by a test).

Every person in the file gets an audit entry (purpose ``compliance``), plus one entry for the
export itself, all committed *before* the first byte is sent: if the audit cannot be written,
nothing leaves. The file is then streamed in batches, so its size does not bound memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from candor.accounts.models import Department, User
from candor.catalog.models import Track
from candor.learning.models import Assignment, ModuleCompletion
from candor.privacy.access import access_personal_data
from candor.privacy.audit import record_event
from candor.privacy.purposes import Purpose

COLUMNS = (
    "person",
    "email",
    "department",
    "active",
    "track",
    "module",
    "mandatory",
    "assigned_on",
    "due_on",
    "status",
    "completed_on",
)
BATCH = 500


def may_export(user: Any) -> bool:
    return bool(
        user.is_authenticated and (user.has_role("admin") or user.has_role("privacy_officer"))
    )


class ExportForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        empty_label="Whole organisation",
        help_text="A department includes its sub-departments.",
    )
    track = forms.ModelChoiceField(
        queryset=Track.objects.filter(is_retired=False), required=False, empty_label="All tracks"
    )
    include_left = forms.BooleanField(
        required=False, initial=True, label="Include people who have left (deactivated)"
    )


def export_people(department: Department | None, include_left: bool) -> list[User]:
    people = User.objects.select_related("department").order_by("full_name", "pk")
    if department is not None:
        people = people.filter(department_id__in=department.descendant_ids())
    if not include_left:
        people = people.filter(is_active=True)
    return list(people)


def compliance_rows(people: list[User], track: Track | None = None) -> Iterator[dict[str, Any]]:
    """One row per person and module assigned or completed, in batches of people."""
    today = timezone.localdate()
    for start in range(0, len(people), BATCH):
        batch = {u.pk: u for u in people[start : start + BATCH]}
        assignments = Assignment.objects.filter(user_id__in=batch).select_related("module__track")
        completions = ModuleCompletion.objects.filter(user_id__in=batch).select_related(
            "module__track"
        )
        if track is not None:
            assignments = assignments.filter(module__track=track)
            completions = completions.filter(module__track=track)
        done = {(c.user_id, c.module_id): c for c in completions}
        keyed: dict[tuple[int, int], tuple[Any, Assignment | None]] = {
            (a.user_id, a.module_id): (a.module, a) for a in assignments
        }
        for key, c in done.items():
            keyed.setdefault(key, (c.module, None))
        order = sorted(
            keyed.items(),
            key=lambda kv: (
                batch[kv[0][0]].full_name,
                kv[0][0],
                kv[1][0].track.order,
                kv[1][0].track.title,
                kv[1][0].order,
            ),
        )
        for (user_id, module_id), (module, a) in order:
            person = batch[user_id]
            completion = done.get((user_id, module_id))
            if completion is not None:
                status = "completed"
            elif a is not None and a.due_on is not None and a.due_on < today:
                status = "overdue"
            else:
                status = "not completed"
            yield {
                "person": person.full_name,
                "email": person.email,
                "department": person.department.name if person.department else "",
                "active": "yes" if person.is_active else "no",
                "track": module.track.title,
                "module": module.title,
                "mandatory": "yes" if a is not None and a.mandatory else "no",
                "assigned_on": timezone.localdate(a.assigned_at).isoformat() if a else "",
                "due_on": a.due_on.isoformat() if a and a.due_on else "",
                "status": status,
                "completed_on": (
                    timezone.localdate(completion.completed_at).isoformat() if completion else ""
                ),
            }


def do_audit_export(actor: User, people: list[User], filters: str) -> None:
    """One entry per person whose completion the file discloses, and one for the export."""
    with transaction.atomic():
        for person in people:
            access_personal_data(
                actor,
                person,
                Purpose.COMPLIANCE,
                object_ref="learning:completion;compliance-export",
                action="learning.compliance_export",
            )
        record_event(
            actor=actor,
            action="learning.compliance_export",
            purpose=str(Purpose.COMPLIANCE),
            object_ref=f"compliance.csv;people={len(people)};{filters}"[:200],
        )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(people: list[User], track: Track | None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so spreadsheet programs read the names as UTF-8
    yield writer.writerow(COLUMNS)
    for row in compliance_rows(people, track):
        yield writer.writerow([_safe(row[c]) for c in COLUMNS])


def _safe(value: str) -> str:
    """Neutralise spreadsheet formulas in names (CSV injection): "=cmd…" → "'=cmd…"."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_GET
def compliance_page(request: HttpRequest) -> HttpResponse:
    if not may_export(request.user):
        raise Http404
    return render(
        request,
        "learning/compliance.html",
        {"form": ExportForm(), "columns": COLUMNS, "nav": "compliance"},
    )


@login_required
@require_POST
def compliance_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    if not may_export(request.user):
        raise Http404
    form = ExportForm(request.POST)
    if not form.is_valid():
        ctx = {"form": form, "columns": COLUMNS, "nav": "compliance"}
        return render(request, "learning/compliance.html", ctx, status=400)
    department, track = form.cleaned_data["department"], form.cleaned_data["track"]
    people = export_people(department, form.cleaned_data["include_left"])
    filters = (
        f"department={department.slug if department else '*'};"
        f"track={track.slug if track else '*'};left={form.cleaned_data['include_left']}"
    )
    do_audit_export(request.user, people, filters)  # type: ignore[arg-type]
    response = StreamingHttpResponse(
        _csv_stream(people, track), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="candor-compliance-{stamp}.csv"'
    return response
