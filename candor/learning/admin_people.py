"""Admin pages for people: list and search, add, edit (moves, roles, leaving), CSV import.

Admins only (404 for anyone else). Every change goes through ``learning.people``, which syncs
the person's assignments and audits the change in the same transaction; every person shown (in
the list or on their page) is audited as a read of their directory record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from candor.accounts.models import ROLE_FIELDS, Department, Role, User
from candor.accounts.orgcsv import MAX_BYTES
from candor.accounts.second_factor import confirmed_device
from candor.learning.admin_forms import PersonForm
from candor.learning.admin_rules import require_admin
from candor.learning.people import (
    PersonData,
    PersonRefused,
    do_create_person,
    do_org_import,
    do_update_person,
)
from candor.privacy.access import access_personal_data
from candor.privacy.purposes import Purpose

PAGE_SIZE = 50


@dataclass(frozen=True)
class PersonRow:
    """One line of the people list: what the template shows of a person, roles spelled out."""

    pk: int
    full_name: str
    email: str
    department: Department | None
    manager: User | None
    is_active: bool
    role_labels: str

    @classmethod
    def of(cls, person: User) -> PersonRow:
        return cls(
            pk=person.pk,
            full_name=person.full_name,
            email=person.email,
            department=person.department,
            manager=person.manager,
            is_active=person.is_active,
            role_labels=", ".join(Role(r).label for r in ROLE_FIELDS if r in person.roles),
        )


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    admin = require_admin(request)
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "active")
    dept = request.GET.get("department", "")
    people = User.objects.select_related("department", "manager").order_by("full_name", "pk")
    if q:
        people = people.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "left":
        people = people.filter(is_active=False)
    department = Department.objects.filter(slug=dept).first() if dept else None
    if department is not None:
        people = people.filter(department_id__in=department.descendant_ids())
    found = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    # The template's page shows rows built from the people on this page; its paginator (count,
    # page numbers) stays the people query's, hence Page[Any] rather than Page[PersonRow].
    rows = [PersonRow.of(person) for person in found]
    for person in found:  # each person shown is a read of their directory record
        _audit_read(admin, person)
    page: Page[Any] = Page(rows, found.number, found.paginator)
    return render(
        request,
        "learning/admin/people.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "department": department,
            "departments": Department.objects.all(),
            "nav": "admin",
            "section": "people",
        },
    )


def _audit_read(admin: User, person: User) -> None:
    """An admin reading someone's directory record (name, e-mail, department, manager, roles)
    reads personal data: audited per person, so each can see it in their access history. The
    people pages exist to run mandatory training (departments and managers decide what is
    assigned and who sees completion), hence the purpose."""
    access_personal_data(
        admin, person, Purpose.COMPLIANCE, object_ref="accounts:directory", action="read"
    )


def _data(form: PersonForm) -> PersonData:
    d = form.cleaned_data
    return PersonData(
        full_name=d["full_name"].strip(),
        department=d.get("department"),
        manager=d.get("manager_email"),
        roles=frozenset(d.get("roles") or []),
        joined_on=d["joined_on"],
        is_active=bool(d.get("is_active")),
    )


def _assignment_note(counts: dict[str, int]) -> str:
    if not counts or not any(counts.values()):
        return "Assignments unchanged."
    return (
        f"Assignments: {counts.get('created', 0)} added, {counts.get('updated', 0)} updated, "
        f"{counts.get('removed', 0)} removed."
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    admin = require_admin(request)
    ctx = {"person": None, "nav": "admin", "section": "people"}
    if request.method == "GET":
        return render(request, "learning/admin/person_form.html", {**ctx, "form": PersonForm()})
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            person, counts = do_create_person(admin, form.cleaned_data["email"], _data(form))
        except PersonRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{person.full_name} added. {_assignment_note(counts)}")
            return redirect("learning:admin_person", person.pk)
    return render(request, "learning/admin/person_form.html", {**ctx, "form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    admin = require_admin(request)
    person = User.objects.select_related("department", "manager").filter(pk=person_id).first()
    if person is None:
        raise Http404
    _audit_read(admin, person)
    ctx = {
        "person": person,
        "nav": "admin",
        "section": "people",
        "second_factor": confirmed_device(person),
    }
    if request.method == "GET":
        form = PersonForm(initial=PersonForm.initial_for(person), person=person)
        return render(request, "learning/admin/person_form.html", {**ctx, "form": form})
    form = PersonForm(request.POST, initial=PersonForm.initial_for(person), person=person)
    if form.is_valid():
        try:
            changed, counts = do_update_person(admin, person, _data(form))
        except PersonRefused as exc:
            form.add_error(None, str(exc))
        else:
            if changed:
                what = ", ".join(c.replace("_", " ") for c in changed)
                messages.success(request, f"Saved ({what}). {_assignment_note(counts)}")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("learning:admin_person", person.pk)
    return render(request, "learning/admin/person_form.html", {**ctx, "form": form}, status=400)


def _upload(request: HttpRequest, name: str) -> tuple[bytes | None, str, str]:
    """(content, file name, problem) of an uploaded file, bounded before it is read."""
    upload = request.FILES.get(name)
    if upload is None:
        return None, "", ""
    if upload.size is not None and upload.size > MAX_BYTES:
        return None, upload.name or name, f"{upload.name} is larger than 5 MB; split it."
    return upload.read(MAX_BYTES + 1), (upload.name or name)[:100], ""


@login_required
@require_http_methods(["GET", "POST"])
def org_import(request: HttpRequest) -> HttpResponse:
    admin = require_admin(request)
    ctx: dict[str, object] = {"nav": "admin", "section": "import"}
    if request.method == "GET":
        return render(request, "learning/admin/import.html", ctx)
    people, people_name, problem = _upload(request, "people")
    departments, departments_name, problem2 = _upload(request, "departments")
    if people is None or problem or problem2:
        ctx["error"] = problem or problem2 or "Choose the people file (CSV) to import."
        return render(request, "learning/admin/import.html", ctx, status=400)
    dry_run = request.POST.get("action") != "import"
    result = do_org_import(
        admin,
        people,
        departments,
        dry_run=dry_run,
        keep_missing=request.POST.get("keep_missing") == "on",
        people_name=people_name,
        departments_name=departments_name or "departments.csv",
    )
    ctx.update({"result": result, "plan": result.plan, "dry_run": dry_run})
    return render(request, "learning/admin/import.html", ctx, status=200 if result.plan.ok else 400)
