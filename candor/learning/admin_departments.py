"""Admin pages for departments: the tree with head counts, add, rename, move, delete.

Admins only: anyone else gets the same 404 as for a page that does not exist (``require_admin``,
as on every admin page). Every change goes through ``learning.departments``, audited in the
same transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import validate_slug
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from candor.accounts.models import Department
from candor.learning.admin_rules import require_admin
from candor.learning.departments import (
    DepartmentRefused,
    department_rows,
    do_create_department,
    do_delete_department,
    do_update_department,
    why_not_deletable,
)

NAME_MAX = Department._meta.get_field("name").max_length or 120
SLUG_MAX = Department._meta.get_field("slug").max_length or 80


class DepartmentForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    slug = forms.CharField(
        max_length=SLUG_MAX,
        required=False,
        help_text="The short name the organisation import uses (letters, digits, - and _). "
        "Leave empty to make one from the name.",
    )
    parent = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Part of")

    def __init__(self, *args: Any, department: Department | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.department = department
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ChoiceField)
        parent.choices = [("", "Nothing: a top-level department")] + [
            (row.department.pk, row.path) for row in department_rows()
        ]
        if department is not None:
            # The slug is the organisation import's key for the department: it stays.
            self.fields["slug"].disabled = True
            self.fields["slug"].required = False
            self.fields[
                "slug"
            ].help_text = "The organisation import's key for this department; it does not change."

    @classmethod
    def initial_for(cls, dept: Department) -> dict[str, Any]:
        return {"name": dept.name, "slug": dept.slug, "parent": dept.parent_id}

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError("Give the department a name.")
        others = Department.objects.filter(name__iexact=name)
        if self.department is not None:
            others = others.exclude(pk=self.department.pk)
        if others.exists():
            # The import finds a person's department by name or slug: names must be unique.
            raise forms.ValidationError(f"Another department is already called “{name}”.")
        return name

    def clean_slug(self) -> str:
        if self.department is not None:
            return self.department.slug
        slug = str(self.cleaned_data.get("slug") or "").strip().lower()
        if not slug:
            return ""  # made from the name in clean(), once the name is known
        try:
            validate_slug(slug)
        except forms.ValidationError:
            raise forms.ValidationError(
                "Use only letters, digits, - and _ (no spaces or accents)."
            ) from None
        return slug

    def clean_parent(self) -> Department | None:
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        parent = Department.objects.filter(pk=pk).first()
        if parent is None:
            raise forms.ValidationError("That department no longer exists; choose another.")
        return parent

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.department is None and "slug" in data and data.get("name"):
            slug = data["slug"] or slugify(data["name"])[:SLUG_MAX].strip("-")
            if not slug:
                self.add_error("slug", "The name has no letters or digits to make one from.")
            elif Department.objects.filter(slug=slug).exists():
                self.add_error("slug", f"Another department already uses “{slug}”.")
            data["slug"] = slug
        return data


def _department(dept_id: int) -> Department:
    dept = Department.objects.select_related("parent").filter(pk=dept_id).first()
    if dept is None:
        raise Http404
    return dept


def _sync_note(people: int, sync: dict[str, int]) -> str:
    if not people:
        return ""
    return (
        f" Assignments of the {people} people in it and below it were updated: "
        f"{sync.get('created', 0)} added, {sync.get('updated', 0)} changed, "
        f"{sync.get('removed', 0)} removed."
    )


CTX = {"nav": "admin", "section": "departments"}


@login_required
@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    return render(request, "learning/admin/departments.html", {**CTX, "rows": department_rows()})


@login_required
@require_http_methods(["GET", "POST"])
def department_new(request: HttpRequest) -> HttpResponse:
    admin = require_admin(request)
    ctx: dict[str, Any] = {**CTX, "department": None}
    if request.method == "GET":
        form = DepartmentForm(initial={"parent": request.GET.get("parent", "")[:12]})
        return render(request, "learning/admin/department_form.html", {**ctx, "form": form})
    form = DepartmentForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            dept = do_create_department(admin, d["name"], d["slug"], d["parent"])
        except DepartmentRefused as exc:
            form.add_error("parent", str(exc))
        else:
            messages.success(request, f"Department {dept.name} added.")
            return redirect("learning:admin_departments")
    return render(request, "learning/admin/department_form.html", {**ctx, "form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, dept_id: int) -> HttpResponse:
    admin = require_admin(request)
    dept = _department(dept_id)
    ctx: dict[str, Any] = {**CTX, "department": dept, "blocked": why_not_deletable(dept)}
    initial = DepartmentForm.initial_for(dept)
    if request.method == "GET":
        form = DepartmentForm(initial=initial, department=dept)
        return render(request, "learning/admin/department_form.html", {**ctx, "form": form})
    form = DepartmentForm(request.POST, initial=initial, department=dept)
    if form.is_valid():
        d = form.cleaned_data
        try:
            change = do_update_department(admin, dept, d["name"], d["parent"])
        except DepartmentRefused as exc:
            form.add_error("parent", str(exc))
        else:
            if not change.changed:
                messages.info(request, "Nothing changed.")
            else:
                what = " and ".join("renamed" if c == "name" else "moved" for c in change.changed)
                note = _sync_note(change.people, change.sync)
                messages.success(request, f"{dept.name} {what}.{note}")
            return redirect("learning:admin_departments")
    return render(request, "learning/admin/department_form.html", {**ctx, "form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def department_delete(request: HttpRequest, dept_id: int) -> HttpResponse:
    admin = require_admin(request)
    dept = _department(dept_id)
    ctx: dict[str, Any] = {**CTX, "department": dept, "blocked": why_not_deletable(dept)}
    if request.method == "GET":
        return render(request, "learning/admin/department_delete.html", ctx)
    try:
        do_delete_department(admin, dept)
    except DepartmentRefused as exc:
        ctx["blocked"] = str(exc)
        return render(request, "learning/admin/department_delete.html", ctx, status=409)
    messages.success(request, f"Department {dept.name} deleted.")
    return redirect("learning:admin_departments")
