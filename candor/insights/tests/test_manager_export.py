"""Manager compliance: roll-up, overdue list and CSV — completion fields only, by construction."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from candor.learning.manager_views import MANAGER_FIELDS

FORBIDDEN = ("score", "attempt", "signal", "time_on_task", "minutes", "keystroke", "correct")


@pytest.fixture
def team(assigned: Any) -> Any:
    from candor.learning.models import Assignment

    # One of leo's modules is overdue.
    Assignment.objects.filter(user=assigned.leo).update(
        due_on=dt.date.today() - dt.timedelta(days=3)
    )
    return assigned


def test_the_csv_has_exactly_the_manager_fields(team: Any, client_for: Any) -> None:
    response = client_for(team.maya).get("/team/compliance.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(response.content.decode()))
    header, *rows = list(reader)
    assert tuple(header) == MANAGER_FIELDS == (
        "person", "track", "module", "due_on", "status", "completed_on",
    )  # fmt: skip
    assert {r[0] for r in rows} == {"Lena Learner", "Leo Learner"}
    assert all(len(r) == len(MANAGER_FIELDS) for r in rows)
    assert {r[4] for r in rows if r[0] == "Leo Learner"} == {"overdue"}
    text = response.content.decode().lower()
    assert not any(word in text for word in FORBIDDEN)


def test_the_rollup_and_overdue_list(team: Any, client_for: Any) -> None:
    page = client_for(team.maya).get("/team/compliance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Completion per mandatory module" in html and "Leo Learner" in html
    ctx = page.context
    assert {m["assigned"] for m in ctx["modules"]} == {2}
    assert [r["person"] for r in ctx["overdue"]] == ["Leo Learner"]
    # Everything the page received is derived from team_rows' fields.
    for row in ctx["overdue"]:
        assert set(row) == set(MANAGER_FIELDS)
    for module in ctx["modules"]:
        assert set(module) == {"track", "module", "assigned", "percent", "not_started",
                               "in_progress", "completed", "overdue"}  # fmt: skip


@pytest.mark.parametrize("name", ["lena", "leo", "ari", "priya", "adam", "otto"])
def test_only_managers_get_compliance(team: Any, client_for: Any, name: str) -> None:
    c = client_for(getattr(team, name))
    assert c.get("/team/compliance/").status_code == 404
    assert c.get("/team/compliance.csv").status_code == 404


def test_a_manager_sees_only_direct_reports(team: Any, client_for: Any) -> None:
    text = client_for(team.sam).get("/team/compliance.csv").content.decode()
    assert "Otto Outsider" in text and "Lena" not in text


def test_the_export_is_audited(team: Any, client_for: Any) -> None:
    from candor.privacy.models import AuditEntry

    client_for(team.maya).get("/team/compliance.csv")
    entry = AuditEntry.objects.filter(action="learning.team_export").get()
    assert entry.purpose == "compliance" and "rows=" in entry.object_ref
    # Each report's read is audited too (by team_rows), so Lena can see her manager looked.
    assert AuditEntry.objects.filter(action="read", purpose="compliance").count() == 2
