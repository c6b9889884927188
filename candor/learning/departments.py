"""Department changes by an admin: create, rename, move, delete — each audited.

Every change runs in one transaction with its audit entry. Moving a department re-syncs the
assignments of everyone in it and below it, because department rules that include
sub-departments follow the tree. A move that would put a department inside itself is refused
with a plain message; so is deleting a department that still has people (even people who
left: their records point at it), sub-departments or assignment rules. Both checks run on
rows locked for the transaction, so two admins acting at once cannot slip a circle or a new
member past them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError

from candor.accounts.models import Department, User, children_of, subtree
from candor.learning.assignments import sync_assignments
from candor.learning.models import AssignmentRule
from candor.privacy.audit import record_event


class DepartmentRefused(Exception):
    """The change would break the tree or orphan records; the message says why, plainly."""


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    path: str  # "Company › Marketing › Web"
    depth: int
    parent: Department | None
    people: int  # active people directly in it
    people_below: int  # active people in it and every sub-department
    children: int
    rules: int  # assignment rules (active or not) aimed at it


def department_rows() -> list[DepartmentRow]:
    """Every department in tree order (parents before children, names alphabetical)."""
    depts = {d.pk: d for d in Department.objects.all()}
    parents = {pk: d.parent_id for pk, d in depts.items()}
    people: Counter[int] = Counter(
        dict(
            User.objects.filter(is_active=True, department__isnull=False)
            .values("department_id")
            .annotate(n=Count("pk"))
            .values_list("department_id", "n")
        )
    )
    rules: Counter[int] = Counter(
        dict(
            AssignmentRule.objects.filter(department__isnull=False)
            .values("department_id")
            .annotate(n=Count("pk"))
            .values_list("department_id", "n")
        )
    )
    children = children_of(parents)
    # Walk from the top-level departments; a circle written straight into the database (the
    # admin pages and the import refuse one) would be unreachable from them, so anything left
    # unvisited is listed after them rather than hidden.
    rows: list[DepartmentRow] = []
    seen: set[int] = set()

    def walk(pk: int, trail: list[str]) -> int:
        """Append ``pk`` and its subtree; returns the active head count of the subtree."""
        seen.add(pk)
        dept = depts[pk]
        index = len(rows)
        below = people[pk]
        rows.append(DepartmentRow(dept, "", 0, None, 0, 0, 0, 0))  # placeholder, keeps order
        kids = sorted(
            (k for k in children.get(pk, []) if k not in seen), key=lambda k: depts[k].name
        )
        for kid in kids:
            below += walk(kid, [*trail, dept.name])
        rows[index] = DepartmentRow(
            department=dept,
            path=" › ".join([*trail, dept.name]),
            depth=len(trail),
            parent=depts.get(dept.parent_id) if dept.parent_id else None,
            people=people[pk],
            people_below=below,
            children=len(children.get(pk, [])),
            rules=rules[pk],
        )
        return below

    for pk in sorted(children.get(None, []), key=lambda k: depts[k].name):
        walk(pk, [])
    for pk in sorted(set(depts) - seen, key=lambda k: depts[k].name):
        walk(pk, [])
    return rows


def _audit(actor: User, action: str, dept_id: int, detail: Iterable[str]) -> None:
    record_event(
        actor=actor,
        action=action,
        object_ref=f"department:{dept_id};via=admin;" + ",".join(detail),
    )


def _locked_parents() -> dict[int, int | None]:
    # Locks every department row until the transaction ends (the tree is small: a few
    # hundred rows); SQLite serialises write transactions anyway (IMMEDIATE mode).
    return dict(Department.objects.select_for_update().values_list("pk", "parent_id"))


def _check_parent(dept_id: int | None, parent: Department | None, name: str) -> None:
    if parent is None:
        return
    if parent.pk == dept_id:
        raise DepartmentRefused(f"{name} cannot be its own parent department.")
    parents = _locked_parents()
    if parent.pk not in parents:
        raise DepartmentRefused(f"{parent.name} was deleted meanwhile; choose another.")
    if dept_id is not None and parent.pk in subtree(parents, dept_id):
        raise DepartmentRefused(
            f"{name} cannot move under {parent.name}: {parent.name} is itself inside {name}, "
            "so the departments would go round in a circle. Move "
            f"{parent.name} somewhere else first."
        )


def do_create_department(
    actor: User, name: str, slug: str, parent: Department | None
) -> Department:
    with transaction.atomic():
        _check_parent(None, parent, name)
        try:
            with transaction.atomic():
                dept = Department.objects.create(name=name, slug=slug, parent=parent)
        except IntegrityError as exc:  # the same slug, added a moment ago by someone else
            raise DepartmentRefused(f"Another department already uses “{slug}”.") from exc
        _audit(actor, "department.create", dept.pk, ["name", *(["parent"] if parent else [])])
    return dept


@dataclass(frozen=True)
class DepartmentChange:
    changed: list[str]  # "name", "parent"
    sync: dict[str, int]  # assignment changes after a move
    people: int  # active people whose assignments were re-synced


def do_update_department(
    actor: User, dept: Department, name: str, parent: Department | None
) -> DepartmentChange:
    """Rename and/or move a department; a move re-syncs the assignments below it."""
    with transaction.atomic():
        _check_parent(dept.pk, parent, name)
        current = Department.objects.select_for_update().filter(pk=dept.pk).first()
        if current is None:
            raise DepartmentRefused(f"{dept.name} was deleted meanwhile.")
        changed = []
        if current.name != name:
            changed.append("name")
        if current.parent_id != (parent.pk if parent else None):
            changed.append("parent")
        if not changed:
            return DepartmentChange([], {}, 0)
        current.name = name
        current.parent = parent
        current.save(update_fields=["name", "parent"])
        dept.name, dept.parent = current.name, current.parent
        sync: dict[str, int] = {}
        people: list[User] = []
        if "parent" in changed:
            below = dept.descendant_ids()
            people = list(User.objects.filter(department_id__in=below, is_active=True))
            sync = sync_assignments(people)
        _audit(actor, "department.update", dept.pk, changed)
    return DepartmentChange(changed, sync, len(people))


def why_not_deletable(dept: Department) -> str:
    """A plain sentence saying what still hangs on the department; empty if nothing does."""
    members = User.objects.filter(department=dept)
    active = members.filter(is_active=True).count()
    left = members.filter(is_active=False).count()
    children = Department.objects.filter(parent=dept).count()
    rules = AssignmentRule.objects.filter(department=dept).count()
    blockers = []
    if active:
        blockers.append(f"{active} {'person works' if active == 1 else 'people work'} there")
    if left:
        blockers.append(
            f"{left} {'person who has left is' if left == 1 else 'people who have left are'} "
            "still recorded there"
        )
    if children:
        blockers.append(f"it has {children} sub-department{'s' if children != 1 else ''}")
    if rules:
        blockers.append(
            f"{rules} assignment rule{'s are' if rules != 1 else ' is'} aimed at it "
            "(retired rules count too)"
        )
    if not blockers:
        return ""
    what = "; ".join(blockers)
    return (
        f"{dept.name} cannot be deleted while {what}. Move the people and sub-departments "
        "to another department and change the rules' audience first."
    )


def do_delete_department(actor: User, dept: Department) -> None:
    with transaction.atomic():
        locked = Department.objects.select_for_update().filter(pk=dept.pk).first()
        if locked is None:
            return  # deleted meanwhile by someone else: nothing left to do
        reason = why_not_deletable(locked)
        if reason:
            raise DepartmentRefused(reason)
        pk, slug = locked.pk, locked.slug
        try:
            with transaction.atomic():
                locked.delete()
        except ProtectedError as exc:  # someone joined it between the check and the delete
            raise DepartmentRefused(
                f"{locked.name} was just given people, sub-departments or rules; "
                "it was not deleted."
            ) from exc
        _audit(actor, "department.delete", pk, [f"slug={slug}"])
