"""Writes that change people: organisation import and the admin's person form.

Each runs in one transaction that also re-syncs the changed people's assignments (new hires
and people who move department get theirs at once; people who leave lose open ones — their
completion records stay) and writes an audit entry per change, so a change without its entry
cannot happen. Deactivated people's sessions end in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from candor.accounts.models import ROLE_FIELDS, Department, User
from candor.accounts.orgimport import Applied, OrgPlan, apply_plan, plan_import, roles_of
from candor.accounts.sessions import end_sessions
from candor.learning.assignments import sync_assignments
from candor.privacy.audit import record_event


@dataclass
class ImportResult:
    plan: OrgPlan
    dry_run: bool
    applied: Applied | None = None
    sync: dict[str, int] = field(default_factory=dict)
    sessions_ended: int = 0

    def lines(self) -> list[str]:
        out = self.plan.lines()
        if self.applied is None:
            if self.plan.ok:
                out.append("Dry run: nothing was changed.")
            return out
        out.append(
            f"Imported. Assignments: {self.sync.get('created', 0)} added, "
            f"{self.sync.get('updated', 0)} updated, {self.sync.get('removed', 0)} removed; "
            f"{self.sessions_ended} session(s) of deactivated people ended."
        )
        return out


def do_org_import(
    actor: User | None,
    people_data: bytes,
    departments_data: bytes | None = None,
    *,
    dry_run: bool = False,
    keep_missing: bool = False,
    people_name: str = "people.csv",
    departments_name: str = "departments.csv",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate everything, then apply everything — or nothing. ``actor`` None: the command
    line (the audit log records the system as the actor)."""
    with transaction.atomic():
        plan = plan_import(
            people_data,
            departments_data,
            people_name=people_name,
            departments_name=departments_name,
            keep_missing=keep_missing,
            actor=actor,
        )
        result = ImportResult(plan, dry_run)
        if dry_run or not plan.ok:
            return result
        applied = apply_plan(plan, progress)
        result.applied = applied
        result.sync = sync_assignments(applied.touched)
        for dept, created in applied.departments:
            record_event(
                actor=actor,
                action="department.create" if created else "department.update",
                object_ref=f"department:{dept.pk};via=import",
            )
        for user in applied.created:
            _audit(actor, "person.create", user, ["import"])
        for user, fields in applied.updated:
            _audit(actor, "person.update", user, ["import", *fields])
        for user in applied.deactivated:
            _audit(actor, "person.deactivate", user, ["import"])
        record_event(
            actor=actor,
            action="org.import",
            object_ref=(
                f"org-import;new={len(applied.created)};changed={len(applied.updated)};"
                f"deactivated={len(applied.deactivated)};departments={len(applied.departments)}"
            ),
        )
        result.sessions_ended = end_sessions(u.pk for u in applied.deactivated)
    return result


def _audit(actor: User | None, action: str, subject: User, fields: list[str]) -> None:
    record_event(
        actor=actor,
        action=action,
        subject=subject,
        object_ref=f"person:{subject.pk};" + ",".join(fields),
    )


class PersonRefused(Exception):
    """The change would break something (a manager circle, locking yourself out)."""


@dataclass(frozen=True)
class PersonData:
    full_name: str
    department: Department | None
    manager: User | None
    roles: frozenset[str]
    joined_on: dt.date
    is_active: bool


def manager_circle(person: User | None, manager: User | None) -> bool:
    """Would making ``manager`` the manager of ``person`` close a circle?"""
    if person is None or person.pk is None or manager is None:
        return False
    seen: set[int] = set()
    current: User | None = manager
    while current is not None and current.pk not in seen:
        if current.pk == person.pk:
            return True
        seen.add(current.pk)
        current = current.manager
    return False


def _check(actor: User, person: User | None, data: PersonData) -> None:
    if data.manager is not None and person is not None and data.manager.pk == person.pk:
        raise PersonRefused("A person cannot be their own manager.")
    if manager_circle(person, data.manager):
        raise PersonRefused(
            f"{data.manager} already reports (directly or not) to {person}: "
            "that would make the manager chain a circle."
        )
    if person is not None and person.pk == actor.pk:
        if not data.is_active:
            raise PersonRefused("You cannot deactivate your own account.")
        if "admin" not in data.roles:
            raise PersonRefused("You cannot remove your own admin role; ask another admin.")


def _set(user: User, data: PersonData) -> None:
    user.full_name = data.full_name
    user.department = data.department
    user.manager = data.manager
    user.joined_on = data.joined_on
    user.is_active = data.is_active
    for role, f in ROLE_FIELDS.items():
        setattr(user, f, role in data.roles)


def do_create_person(actor: User, email: str, data: PersonData) -> tuple[User, dict[str, int]]:
    """A new hire: created without a password (SSO or a reset link) and assigned at once."""
    _check(actor, None, data)
    with transaction.atomic():
        user = User.objects.create_user(email, None, full_name=data.full_name)
        _set(user, data)
        user.save()
        counts = sync_assignments([user])
        _audit(actor, "person.create", user, ["admin"])
    return user, counts


def do_update_person(
    actor: User, person: User, data: PersonData
) -> tuple[list[str], dict[str, int]]:
    """Change a person; returns the changed fields and the assignment changes."""
    _check(actor, person, data)
    before: dict[str, Any] = {
        "full_name": person.full_name,
        "department": person.department_id,
        "manager": person.manager_id,
        "roles": roles_of(person),
        "joined_on": person.joined_on,
        "is_active": person.is_active,
    }
    after: dict[str, Any] = {
        "full_name": data.full_name,
        "department": data.department.pk if data.department else None,
        "manager": data.manager.pk if data.manager else None,
        "roles": data.roles,
        "joined_on": data.joined_on,
        "is_active": data.is_active,
    }
    changed = [k for k in before if before[k] != after[k]]
    if not changed:
        return [], {}
    counts: dict[str, int] = {}
    with transaction.atomic():
        _set(person, data)
        person.save()
        # Department, roles, joining date and activity decide which rules apply.
        if set(changed) & {"department", "roles", "joined_on", "is_active"}:
            counts = sync_assignments([person])
        action = "person.update"
        if "is_active" in changed:
            action = "person.reactivate" if data.is_active else "person.deactivate"
        _audit(actor, action, person, ["admin", *changed])
        if not data.is_active:
            end_sessions([person.pk])
    return changed, counts
