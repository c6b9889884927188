"""Organisation import: validate a people CSV (and optionally a departments CSV) completely,
then apply it — all or nothing.

``plan_import`` reads the files and today's database and returns every problem with its line,
or, when there is none, exactly what would change. ``apply_plan`` performs it; the caller
(``candor.learning.people.do_org_import``) runs both in one transaction together with the
assignment sync and the audit entries, so a file is never half-imported.

The people file is the whole organisation: someone active in Candor but absent from the file
has left and is deactivated (never deleted: completion records point to them) — unless
``keep_missing`` is set. Only ``accounts`` is imported here (see accounts/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug

from candor.accounts.models import ROLE_FIELDS, Department, User
from candor.accounts.orgcsv import Problem, Row, cycles, decode, read_rows

PEOPLE_REQUIRED = ("email", "full_name", "department")
PEOPLE_OPTIONAL = ("manager_email", "roles", "joined_on")
DEPT_REQUIRED = ("slug", "name")
DEPT_OPTIONAL = ("parent",)
ROLE_ALIASES = {"privacy officer": "privacy_officer", "privacy-officer": "privacy_officer"}


@dataclass
class PersonRow:
    line: int
    email: str
    full_name: str
    department: str  # slug of an existing or imported department
    manager_email: str
    roles: frozenset[str]
    joined_on: dt.date | None


@dataclass
class DeptRow:
    line: int
    slug: str
    name: str
    parent: str


@dataclass
class PersonChange:
    row: PersonRow
    user: User | None  # None: a new person
    changes: dict[str, tuple[Any, Any]]  # field → (before, after)
    reactivate: bool = False


@dataclass
class OrgPlan:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    departments_new: list[DeptRow] = field(default_factory=list)
    departments_changed: list[tuple[DeptRow, dict[str, tuple[Any, Any]]]] = field(
        default_factory=list
    )
    people: list[PersonChange] = field(default_factory=list)  # new or changed only
    deactivate: list[User] = field(default_factory=list)
    unchanged: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def created(self) -> list[PersonChange]:
        return [p for p in self.people if p.user is None]

    @property
    def updated(self) -> list[PersonChange]:
        return [p for p in self.people if p.user is not None]

    def summary(self) -> str:
        return (
            f"{len(self.created)} new, {len(self.updated)} changed, "
            f"{len(self.deactivate)} deactivated, {self.unchanged} unchanged; "
            f"{len(self.departments_new)} new and {len(self.departments_changed)} changed "
            "department(s)"
        )

    def lines(self) -> list[str]:
        """The report, in plain words: what the command prints and the page shows."""
        if self.problems:
            return [
                f"{len(self.problems)} problem(s) — nothing was imported:",
                *(f"  {p}" for p in self.problems),
            ]
        out = [f"{self.rows} people in the file: {self.summary()}."]
        out += [f"  warning: {w}" for w in self.warnings]
        out += [f"  new department: {d.slug} ({d.name})" for d in self.departments_new]
        for d, changes in self.departments_changed:
            out.append(f"  department {d.slug}: {_describe(changes)}")
        for p in self.created:
            out.append(f"  new: {p.row.email} ({p.row.full_name}, {p.row.department})")
        for p in self.updated:
            again = "reactivated; " if p.reactivate else ""
            out.append(f"  changed: {p.row.email}: {again}{_describe(p.changes)}")
        out += [f"  deactivated (not in the file): {u.email}" for u in self.deactivate]
        return out


def _describe(changes: dict[str, tuple[Any, Any]]) -> str:
    def show(value: Any) -> str:
        if isinstance(value, frozenset | set):
            return ";".join(sorted(value)) or "—"
        return "—" if value in (None, "") else str(value)

    return ", ".join(f"{k} {show(a)} → {show(b)}" for k, (a, b) in changes.items())


def roles_of(user: User) -> frozenset[str]:
    return frozenset(role for role, f in ROLE_FIELDS.items() if getattr(user, f))


def plan_import(
    people_data: bytes,
    departments_data: bytes | None = None,
    *,
    people_name: str = "people.csv",
    departments_name: str = "departments.csv",
    keep_missing: bool = False,
    actor: User | None = None,
) -> OrgPlan:
    plan = OrgPlan()
    dept_rows = _read_departments(departments_data, departments_name, plan)
    departments = _plan_departments(dept_rows, departments_name, plan)
    text, problems = decode(people_data, people_name)
    plan.problems += problems
    if text is None:
        return plan
    rows, problems = read_rows(text, people_name, PEOPLE_REQUIRED, PEOPLE_OPTIONAL)
    plan.problems += problems
    people = [p for p in (_person(r, people_name, departments, plan) for r in rows) if p]
    plan.rows = len(people)
    _check_duplicates(people, people_name, plan)
    existing = {u.email: u for u in User.objects.select_related("manager", "department")}
    in_file = {p.email for p in people}
    _check_managers(people, people_name, existing, keep_missing, plan)
    if plan.problems:
        return plan
    for person in people:
        user = existing.get(person.email)
        if user is None:
            plan.people.append(PersonChange(person, None, {}))
            continue
        changes = _changes(user, person)
        if changes or not user.is_active:
            plan.people.append(PersonChange(person, user, changes, reactivate=not user.is_active))
        else:
            plan.unchanged += 1
    if not keep_missing:
        plan.deactivate = sorted(
            (u for e, u in existing.items() if u.is_active and e not in in_file),
            key=lambda u: u.email,
        )
    _check_safety(plan, actor, existing, people, people_name)
    return plan


def _read_departments(data: bytes | None, name: str, plan: OrgPlan) -> list[DeptRow]:
    if data is None:
        return []
    text, problems = decode(data, name)
    plan.problems += problems
    if text is None:
        return []
    rows, problems = read_rows(text, name, DEPT_REQUIRED, DEPT_OPTIONAL)
    plan.problems += problems
    out = []
    for row in rows:
        slug, title = row.values["slug"].lower(), row.values["name"]
        parent = row.values.get("parent", "").lower()
        try:
            validate_slug(slug)
        except ValidationError:
            plan.problems.append(
                Problem(name, row.line, f"slug “{slug}” may use only letters, digits, - and _.")
            )
            continue
        if not title or len(title) > 120:
            plan.problems.append(Problem(name, row.line, "name is empty or over 120 characters."))
            continue
        if len(slug) > 80:
            plan.problems.append(Problem(name, row.line, "slug is longer than 80 characters."))
            continue
        out.append(DeptRow(row.line, slug, title, parent))
    return out


def _plan_departments(rows: list[DeptRow], name: str, plan: OrgPlan) -> dict[str, str]:
    """Validate the departments file against the database; return every department name and
    slug (lower-cased) → slug, as the people file may refer to either."""
    current = {d.slug: d for d in Department.objects.select_related("parent")}
    parents = {slug: (d.parent.slug if d.parent else "") for slug, d in current.items()}
    seen: dict[str, int] = {}
    for row in rows:
        if row.slug in seen:
            plan.problems.append(
                Problem(
                    name, row.line, f"department {row.slug} is already on line {seen[row.slug]}."
                )
            )
            continue
        seen[row.slug] = row.line
        parents[row.slug] = row.parent
    by_line = {r.slug: r for r in rows}
    for row in rows:
        if row.parent and row.parent not in parents:
            plan.problems.append(
                Problem(name, row.line, f"parent department “{row.parent}” does not exist.")
            )
        elif row.parent == row.slug:
            plan.problems.append(Problem(name, row.line, "a department cannot be its own parent."))
    for cycle in cycles(parents):
        lines = sorted(by_line[s].line for s in cycle if s in by_line)
        plan.problems.append(
            Problem(
                name,
                lines[0] if lines else 0,
                "departments form a circle: " + " → ".join([*cycle, cycle[0]]) + ".",
            )
        )
    for row in rows:
        dept = current.get(row.slug)
        if dept is None:
            plan.departments_new.append(row)
            continue
        changes: dict[str, tuple[Any, Any]] = {}
        if dept.name != row.name:
            changes["name"] = (dept.name, row.name)
        if parents.get(row.slug) != (dept.parent.slug if dept.parent else ""):
            changes["parent"] = (dept.parent.slug if dept.parent else "", row.parent)
        if changes:
            plan.departments_changed.append((row, changes))
    names: dict[str, str] = {}
    for slug, dept in current.items():
        names[dept.name.lower()] = slug
    for row in rows:
        names[row.name.lower()] = row.slug
    names.update({slug.lower(): slug for slug in parents})
    return names


def _person(row: Row, name: str, departments: dict[str, str], plan: OrgPlan) -> PersonRow | None:
    v = row.values
    bad = len(plan.problems)
    email = v["email"].lower()
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("too long")
    except ValidationError:
        plan.problems.append(Problem(name, row.line, f"“{v['email']}” is not an email address."))
    if not v["full_name"] or len(v["full_name"]) > 150:
        plan.problems.append(Problem(name, row.line, "full_name is empty or over 150 characters."))
    dept = departments.get(v["department"].lower())
    if dept is None:
        plan.problems.append(
            Problem(
                name,
                row.line,
                f"department “{v['department']}” does not exist. Create it first (admin page, "
                "or a departments file) or fix the spelling.",
            )
        )
    manager = v.get("manager_email", "").lower()
    if manager and manager == email:
        plan.problems.append(Problem(name, row.line, "a person cannot be their own manager."))
    roles = set()
    for raw in (v.get("roles") or "learner").replace(",", ";").split(";"):
        role = ROLE_ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if not role:
            continue
        if role not in ROLE_FIELDS:
            plan.problems.append(
                Problem(
                    name,
                    row.line,
                    f"unknown role “{raw.strip()}” (roles: {', '.join(ROLE_FIELDS)}; "
                    "separate several with ;).",
                )
            )
        roles.add(role)
    joined = None
    if v.get("joined_on"):
        try:
            joined = dt.date.fromisoformat(v["joined_on"])
        except ValueError:
            plan.problems.append(
                Problem(
                    name, row.line, f"joined_on “{v['joined_on']}” is not a date like 2025-03-01."
                )
            )
    if len(plan.problems) > bad:
        return PersonRow(row.line, email, v["full_name"], dept or "", manager, frozenset(), None)
    return PersonRow(row.line, email, v["full_name"], dept or "", manager, frozenset(roles), joined)


def _check_duplicates(people: list[PersonRow], name: str, plan: OrgPlan) -> None:
    first: dict[str, int] = {}
    for p in people:
        if p.email in first:
            plan.problems.append(
                Problem(name, p.line, f"{p.email} is already on line {first[p.email]}.")
            )
        else:
            first[p.email] = p.line


def _check_managers(
    people: list[PersonRow],
    name: str,
    existing: dict[str, User],
    keep_missing: bool,
    plan: OrgPlan,
) -> None:
    line_of = {p.email: p.line for p in people}
    chain = {p.email: p.manager_email for p in people}
    for p in people:
        if not p.manager_email or p.manager_email in line_of:
            continue
        outside = existing.get(p.manager_email)
        if outside is not None and outside.is_active and keep_missing:
            chain[p.manager_email] = outside.manager.email if outside.manager else ""
            continue
        why = (
            "is not in the file (people missing from the file are deactivated)"
            if outside is not None and not keep_missing
            else "is not a person in the file"
        )
        plan.problems.append(Problem(name, p.line, f"manager {p.manager_email} {why}."))
    for cycle in cycles(chain):
        lines = sorted(line_of[e] for e in cycle if e in line_of)
        plan.problems.append(
            Problem(
                name,
                lines[0] if lines else 0,
                "the manager chain goes in a circle: "
                + " → ".join([*cycle, cycle[0]])
                + f" (lines {', '.join(map(str, lines))}).",
            )
        )


def _changes(user: User, p: PersonRow) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    if user.full_name != p.full_name:
        changes["full_name"] = (user.full_name, p.full_name)
    current_dept = user.department.slug if user.department else ""
    if current_dept != p.department:
        changes["department"] = (current_dept, p.department)
    current_manager = user.manager.email if user.manager else ""
    if current_manager != p.manager_email:
        changes["manager"] = (current_manager, p.manager_email)
    if roles_of(user) != p.roles:
        changes["roles"] = (roles_of(user), p.roles)
    if p.joined_on is not None and user.joined_on != p.joined_on:
        changes["joined_on"] = (user.joined_on, p.joined_on)
    return changes


def _check_safety(
    plan: OrgPlan,
    actor: User | None,
    existing: dict[str, User],
    people: list[PersonRow],
    name: str,
) -> None:
    """An import must not lock out whoever runs it, nor leave the organisation without an
    administrator: both would need database surgery to undo."""
    leaving = {u.email for u in plan.deactivate}
    if actor is not None:
        mine = next((p for p in people if p.email == actor.email), None)
        if actor.email in leaving:
            plan.problems.append(
                Problem(
                    name,
                    0,
                    f"your own account ({actor.email}) is not in the file, so importing it "
                    "would deactivate you. Add yourself, or keep people missing from the file.",
                )
            )
        elif mine is not None and "admin" not in mine.roles and actor.has_role("admin"):
            plan.problems.append(
                Problem(
                    name,
                    mine.line,
                    "this would remove your own admin role; another administrator must do that.",
                )
            )
    in_file = {p.email: p for p in people}
    admins = [p for p in people if "admin" in p.roles]
    kept = [
        u
        for e, u in existing.items()
        if e not in in_file and e not in leaving and u.is_active and u.is_admin
    ]
    if not admins and not kept:
        plan.problems.append(
            Problem(name, 0, "after this import no one would be an administrator.")
        )


@dataclass
class Applied:
    created: list[User] = field(default_factory=list)
    updated: list[tuple[User, list[str]]] = field(default_factory=list)
    deactivated: list[User] = field(default_factory=list)
    departments: list[tuple[Department, bool]] = field(default_factory=list)  # (dept, created)

    @property
    def touched(self) -> list[User]:
        return [*self.created, *(u for u, _ in self.updated), *self.deactivated]


def apply_plan(plan: OrgPlan, progress: Callable[[int], None] | None = None) -> Applied:
    """Perform a problem-free plan. Call inside a transaction (the caller's). ``progress``
    is told the number of people to go, then called once per person (for a progress bar)."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be applied")
    tick = progress or (lambda _total: None)
    tick(len(plan.people) + len(plan.deactivate))
    done = Applied()
    for row in plan.departments_new:
        dept = Department.objects.create(slug=row.slug, name=row.name)
        done.departments.append((dept, True))
    for row, _changes in plan.departments_changed:
        dept = Department.objects.get(slug=row.slug)
        dept.name = row.name
        dept.save(update_fields=["name"])
        done.departments.append((dept, False))
    depts = {d.slug: d for d in Department.objects.all()}
    for row in [*plan.departments_new, *(r for r, _ in plan.departments_changed)]:
        depts[row.slug].parent = depts.get(row.parent) if row.parent else None
        depts[row.slug].save(update_fields=["parent"])
    users: dict[str, User] = {}
    for change in plan.people:
        p = change.row
        flags = {f: role in p.roles for role, f in ROLE_FIELDS.items()}
        if change.user is None:
            extra: dict[str, Any] = {"joined_on": p.joined_on} if p.joined_on else {}
            # No password: people sign in through the company's SSO or a reset link.
            user = User.objects.create_user(
                p.email, None, full_name=p.full_name, department=depts[p.department],
                **flags, **extra,
            )  # fmt: skip
            done.created.append(user)
        else:
            user = change.user
            user.full_name = p.full_name
            user.department = depts[p.department]
            for f, value in flags.items():
                setattr(user, f, value)
            if p.joined_on:
                user.joined_on = p.joined_on
            user.is_active = True
            user.save()
            fields = list(change.changes) + (["is_active"] if change.reactivate else [])
            done.updated.append((user, fields))
        users[p.email] = user
        tick(-1)
    by_email = {u.email: u for u in User.objects.all()}
    for change in plan.people:
        if change.user is None or "manager" in change.changes:
            user = users[change.row.email]
            user.manager = by_email.get(change.row.manager_email)
            user.save(update_fields=["manager"])
    for user in plan.deactivate:
        user.is_active = False
        user.save(update_fields=["is_active"])
        done.deactivated.append(user)
        tick(-1)
    return done
