"""The compliance export: completion facts only, every disclosed person audited first."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from candor.learning.compliance import COLUMNS
from candor.learning.models import Assignment, ModuleCompletion
from candor.privacy.audit import subject_pseudonym, verify
from candor.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def export(client: Any, **data: Any) -> list[dict[str, str]]:
    response = client.post(reverse("learning:compliance_export"), data)
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="candor-compliance-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_columns_are_completion_facts_only() -> None:
    assert COLUMNS == (
        "person", "email", "department", "active", "track", "module", "mandatory",
        "assigned_on", "due_on", "status", "completed_on",
    )  # fmt: skip
    for banned in ("score", "attempt", "time", "signal", "speed", "correct"):
        assert not any(banned in c for c in COLUMNS)


def test_rows_per_person_and_module_with_status_and_dates(assigned: Any, client_for: Any) -> None:
    first = Assignment.objects.first()
    assert first is not None
    module = first.module
    ModuleCompletion.objects.create(user=assigned.lena, module=module)
    Assignment.objects.filter(user=assigned.leo).update(due_on="2020-01-01")
    assigned.otto.is_active = False
    assigned.otto.save()
    rows = export(client_for(assigned.priya), include_left="on")
    by_person = {r["email"]: r for r in rows}
    assert len(rows) == 8 and list(rows[0]) == list(COLUMNS)
    assert by_person["lena@example.test"]["status"] == "completed"
    assert by_person["lena@example.test"]["completed_on"] != ""
    assert by_person["leo@example.test"]["status"] == "overdue"
    assert by_person["maya@example.test"]["status"] == "not completed"
    assert by_person["otto@example.test"]["active"] == "no"
    assert by_person["lena@example.test"]["mandatory"] == "yes"
    assert by_person["lena@example.test"]["department"] == "Marketing"

    marketing = export(client_for(assigned.adam), department=assigned.departments["marketing"].pk)
    assert {r["email"] for r in marketing} == {
        "maya@example.test", "lena@example.test", "leo@example.test",
    }  # fmt: skip


def test_every_person_in_the_file_is_audited_before_it_is_sent(
    assigned: Any, client_for: Any
) -> None:
    export(client_for(assigned.adam), department=assigned.departments["marketing"].pk)
    summary = AuditEntry.objects.get(action="learning.compliance_export", subject="")
    assert summary.purpose == "compliance" and "people=3" in summary.object_ref
    per_person = AuditEntry.objects.filter(action="learning.compliance_export").exclude(subject="")
    assert {e.subject for e in per_person} == {
        subject_pseudonym(assigned.maya),
        subject_pseudonym(assigned.lena),
        subject_pseudonym(assigned.leo),
    }
    assert all(e.purpose == "compliance" and e.actor_role == "admin" for e in per_person)
    assert verify().ok


def test_names_cannot_smuggle_spreadsheet_formulas(assigned: Any, client_for: Any) -> None:
    assigned.leo.full_name = '=HYPERLINK("http://evil")'
    assigned.leo.save()
    rows = export(client_for(assigned.adam))
    assert '\'=HYPERLINK("http://evil")' in {r["person"] for r in rows}


def test_a_bad_filter_is_a_400_and_nothing_is_audited(assigned: Any, client_for: Any) -> None:
    response = client_for(assigned.adam).post(
        reverse("learning:compliance_export"), {"department": "999999"}
    )
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="learning.compliance_export").exists()
