"""Consent coverage for the privacy officer: counts only, and no count under k.

Learners are counted per department and consent state. A cell under ``k`` (default 10) is
shown as "fewer than k"; a department with fewer than ``k`` learners shows nothing but that.
Hiding a small cell is not enough when totals are shown: with a row total (the department's
headcount) or a column total (the organisation's row) published, a single hidden cell is
its total minus the others. So hiding continues — the next smallest cell of that row or
column — until no row or column has exactly one hidden cell (complementary suppression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery

from candor.privacy import conf
from candor.privacy.models import ConsentRecord

STATES = ("undecided", "off", "learner_help", "both")
STATE_LABELS = {
    "undecided": "Not chosen yet",
    "off": "Signals off",
    "learner_help": "On, for themselves only",
    "both": "On, and for course statistics",
}


@dataclass
class Cell:
    value: int
    hidden: bool = False

    def shown(self, k: int) -> str:
        return f"fewer than {k}" if self.hidden else str(self.value)


@dataclass
class Row:
    label: str
    total: int
    cells: dict[str, Cell]
    total_hidden: bool = False


def _state(record: Any) -> str:
    if record is None:
        return "undecided"
    help_on, courses_on = record
    if not help_on:
        return "off"
    return "both" if courses_on else "learner_help"


def raw_counts() -> dict[str, dict[str, int]]:
    """department name → state → learners (active learners only)."""
    from candor.accounts.models import User

    latest = ConsentRecord.objects.filter(user=OuterRef("pk")).order_by("-decided_at", "-pk")
    people = User.objects.filter(is_active=True, is_learner=True).annotate(
        help_on=Subquery(latest.values("learner_help")[:1]),
        courses_on=Subquery(latest.values("course_improvement")[:1]),
    )
    counts: dict[str, dict[str, int]] = {}
    for dept, help_on, courses_on in people.values_list(
        "department__name", "help_on", "courses_on"
    ):
        state = _state(None if help_on is None else (help_on, courses_on))
        group = counts.setdefault(dept or "No department", dict.fromkeys(STATES, 0))
        group[state] += 1
    return counts


def _hide_one_more(cells: list[Cell]) -> bool:
    visible = [c for c in cells if not c.hidden]
    if not visible:
        return False
    min(visible, key=lambda c: c.value).hidden = True
    return True


def suppress(counts: dict[str, dict[str, int]], k: int = conf.K_MIN_GROUP) -> list[Row]:
    """Rows for every department plus "All learners" first, with small counts hidden."""
    rows = [
        Row(name, sum(c.values()), {s: Cell(c[s]) for s in STATES})
        for name, c in sorted(counts.items())
    ]
    overall = Row(
        "All learners",
        sum(r.total for r in rows),
        {s: Cell(sum(r.cells[s].value for r in rows)) for s in STATES},
    )
    for row in [overall, *rows]:
        if row.total < k:
            row.total_hidden = True
        for cell in row.cells.values():
            cell.hidden = row.total_hidden or cell.value < k
    changed = True
    while changed:
        changed = False
        for row in [overall, *rows]:
            cells = list(row.cells.values())
            if not row.total_hidden and sum(c.hidden for c in cells) == 1:
                changed |= _hide_one_more(cells)
        for state in STATES:
            column = [r.cells[state] for r in rows]
            if overall.cells[state].hidden or sum(c.hidden for c in column) != 1:
                continue
            if not _hide_one_more(column):
                overall.cells[state].hidden = True
            changed = True
    return [overall, *rows]


def coverage(k: int = conf.K_MIN_GROUP) -> dict[str, Any]:
    rows = suppress(raw_counts(), k)
    return {
        "k": k,
        "states": [(s, STATE_LABELS[s]) for s in STATES],
        "rows": [
            {
                "label": r.label,
                "total": f"fewer than {k}" if r.total_hidden else str(r.total),
                "cells": [r.cells[s].shown(k) for s in STATES],
            }
            for r in rows
        ],
    }
