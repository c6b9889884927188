"""The admin's department editor: the tree with head counts; add, rename, move (never into a
circle; assignments follow), delete (only when empty) — each audited, validated, bounded and
CSRF-protected; every non-admin persona gets the 404 of the other admin pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from candor.accounts.models import Department
from candor.learning.models import Assignment, AssignmentRule
from candor.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

PERSONAS = ["lena", "leo", "maya", "ari", "priya", "adam", "otto", "sam"]


def _pages(people: Any) -> list[str]:
    marketing = people.departments["marketing"]
    return [
        reverse("learning:admin_departments"),
        reverse("learning:admin_department_new"),
        reverse("learning:admin_department", args=[marketing.pk]),
        reverse("learning:admin_department_delete", args=[marketing.pk]),
    ]


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_department_pages_are_for_admins_only(people: Any, client_for: Any, client: Any) -> None:
    for name, persona in people.all().items():
        c = client_for(persona)
        for url in _pages(people):
            assert c.get(url).status_code == (200 if name == "adam" else 404), (name, url)
    for url in _pages(people):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    gone = reverse("learning:admin_department", args=[99999])
    assert client_for(people.adam).get(gone).status_code == 404


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "adam"])
def test_non_admins_cannot_change_departments(people: Any, client_for: Any, persona: str) -> None:
    c = client_for(getattr(people, persona))
    sales = people.departments["sales"]
    empty = Department.objects.create(name="Empty", slug="empty")
    before = (list(Department.objects.values_list("pk", "name", "parent_id")),
              AuditEntry.objects.count())  # fmt: skip
    posts = [
        (reverse("learning:admin_department_new"), {"name": "Intruders"}),
        (reverse("learning:admin_department", args=[sales.pk]), {"name": "X", "parent": ""}),
        (reverse("learning:admin_department_delete", args=[empty.pk]), {}),
    ]
    for url, data in posts:
        assert c.post(url, data).status_code == 404, url
    after = (list(Department.objects.values_list("pk", "name", "parent_id")),
             AuditEntry.objects.count())  # fmt: skip
    assert after == before


def test_the_list_shows_tree_parent_and_head_counts(people: Any, client_for: Any) -> None:
    from candor.learning.departments import department_rows

    web = Department.objects.create(name="Web", slug="web", parent=people.departments["marketing"])
    people.leo.department = web
    people.leo.save()
    people.lena.is_active = False  # left: not counted, still recorded
    people.lena.save()
    rows = {r.department.slug: r for r in department_rows()}
    assert [r.department.slug for r in department_rows()] == [
        "company", "marketing", "web", "sales"
    ]  # fmt: skip
    assert (rows["company"].people, rows["company"].people_below) == (3, 7)
    assert (rows["marketing"].people, rows["marketing"].people_below) == (1, 2)
    assert rows["web"].path == "Company › Marketing › Web" and rows["web"].parent == web.parent
    body = client_for(people.adam).get(reverse("learning:admin_departments")).content.decode()
    assert "Web" in body and "<code>web</code>" in body


def test_admin_creates_a_department_audited(people: Any, client_for: Any) -> None:
    adam = client_for(people.adam)
    company = people.departments["company"]
    response = adam.post(
        reverse("learning:admin_department_new"),
        {"name": "  Data   Platform ", "parent": company.pk},
    )
    assert response.status_code == 302
    dept = Department.objects.get(slug="data-platform")
    assert (dept.name, dept.parent) == ("Data Platform", company)
    [entry] = _entries("department.create")
    assert entry.object_ref.startswith(f"department:{dept.pk};via=admin")
    assert entry.actor and entry.actor_role  # who did it, as a pseudonym
    # An explicit slug is kept as given (lower-cased).
    adam.post(reverse("learning:admin_department_new"), {"name": "Legal", "slug": "LEGAL_EU"})
    assert Department.objects.get(slug="legal_eu").parent is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 121}, "at most 120 characters"),
        ({"name": "Marketing"}, "Another department is already called “Marketing”."),
        ({"name": "marketing "}, "Another department is already called “marketing”."),
        ({"name": "New", "slug": "sales"}, "Another department already uses “sales”."),
        ({"name": "Sales"}, "already called"),
        ({"name": "New", "slug": "with space"}, "Use only letters, digits, - and _"),
        ({"name": "New", "slug": "s" * 81}, "at most 80 characters"),
        ({"name": "!!!"}, "The name has no letters or digits to make one from."),
        ({"name": "New", "parent": "99999"}, "Select a valid choice."),
        ({"name": "New", "parent": "abc"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_plainly(
    people: Any, client_for: Any, data: dict[str, str], problem: str
) -> None:
    before = Department.objects.count()
    response = client_for(people.adam).post(reverse("learning:admin_department_new"), data)
    assert response.status_code == 400
    assert problem in response.content.decode().replace("&#x27;", "'")
    assert Department.objects.count() == before and not _entries("department.create")


def test_posts_need_the_csrf_token(people: Any) -> None:
    c = Client(enforce_csrf_checks=True)
    c.force_login(people.adam)
    assert c.post(reverse("learning:admin_department_new"), {"name": "No token"}).status_code == 403
    sales = people.departments["sales"]
    url = reverse("learning:admin_department_delete", args=[sales.pk])
    assert c.post(url).status_code == 403
    assert not Department.objects.filter(name="No token").exists()


def test_rename_keeps_the_import_key(people: Any, client_for: Any) -> None:
    sales = people.departments["sales"]
    url = reverse("learning:admin_department", args=[sales.pk])
    response = client_for(people.adam).post(
        url, {"name": "Sales & Partnerships", "slug": "hijack", "parent": sales.parent_id}
    )
    assert response.status_code == 302
    sales.refresh_from_db()
    assert (sales.name, sales.slug) == ("Sales & Partnerships", "sales")
    [entry] = _entries("department.update")
    assert entry.object_ref == f"department:{sales.pk};via=admin;name"
    # Saving unchanged writes nothing.
    client_for(people.adam).post(url, {"name": sales.name, "parent": sales.parent_id})
    assert len(_entries("department.update")) == 1


def test_a_move_into_its_own_subtree_is_refused(people: Any, client_for: Any) -> None:
    company, marketing = people.departments["company"], people.departments["marketing"]
    web = Department.objects.create(name="Web", slug="web", parent=marketing)
    adam = client_for(people.adam)
    url = reverse("learning:admin_department", args=[company.pk])
    for target in (web, marketing):
        response = adam.post(url, {"name": "Company", "parent": target.pk})
        assert response.status_code == 400
        body = response.content.decode()
        assert f"Company cannot move under {target.name}" in body
        assert "would go round in a circle" in body
    own = adam.post(url, {"name": "Company", "parent": company.pk})
    assert "Company cannot be its own parent department." in own.content.decode()
    company.refresh_from_db()
    assert company.parent is None and not _entries("department.update")


def test_a_move_resyncs_assignments_below_it(course: Any, people: Any, client_for: Any) -> None:
    from candor.learning.assignments import sync_assignments

    AssignmentRule.objects.all().delete()
    marketing, sales = people.departments["marketing"], people.departments["sales"]
    AssignmentRule.objects.create(
        track=course,
        audience=AssignmentRule.Audience.DEPARTMENT,
        department=marketing,
        include_subdepartments=True,
        mandatory=True,
    )
    sync_assignments()
    assert not Assignment.objects.filter(user__in=[people.otto, people.sam]).exists()
    url = reverse("learning:admin_department", args=[sales.pk])
    adam = client_for(people.adam)
    response = adam.post(url, {"name": "Sales", "parent": marketing.pk})
    assert response.status_code == 302
    assert Assignment.objects.filter(user__in=[people.otto, people.sam]).count() == 2
    [entry] = _entries("department.update")
    assert entry.object_ref.endswith(";parent")
    page = adam.get(reverse("learning:admin_departments")).content.decode()
    assert "Sales moved. Assignments of the 2 people in it and below it were updated" in page


def test_delete_only_when_empty(course: Any, people: Any, client_for: Any) -> None:
    adam = client_for(people.adam)
    marketing, sales = people.departments["marketing"], people.departments["sales"]

    def delete(dept: Department) -> Any:
        return adam.post(reverse("learning:admin_department_delete", args=[dept.pk]))

    refused = delete(marketing)
    assert refused.status_code == 409
    assert "Marketing cannot be deleted while 3 people work there" in refused.content.decode()
    assert "it has 2 sub-departments" in delete(people.departments["company"]).content.decode()
    # Someone who left still counts: their records point at the department.
    people.otto.is_active = False
    people.otto.save()
    people.sam.department = marketing
    people.sam.save()
    assert "1 person who has left is still recorded there" in delete(sales).content.decode()
    people.otto.department = marketing
    people.otto.save()
    AssignmentRule.objects.create(
        track=course, audience=AssignmentRule.Audience.DEPARTMENT, department=sales,
        is_active=False,
    )  # fmt: skip
    assert "1 assignment rule is aimed at it" in delete(sales).content.decode()
    assert Department.objects.filter(pk=sales.pk).exists() and not _entries("department.delete")
    AssignmentRule.objects.filter(department=sales).delete()
    confirm = adam.get(reverse("learning:admin_department_delete", args=[sales.pk]))
    assert "Delete department" in confirm.content.decode()
    assert delete(sales).status_code == 302
    assert not Department.objects.filter(pk=sales.pk).exists()
    [entry] = _entries("department.delete")
    assert entry.object_ref == f"department:{sales.pk};via=admin;slug=sales"
    assert delete(sales).status_code == 404  # gone


def test_the_tree_lock_refuses_a_circle_made_by_two_moves(people: Any) -> None:
    """Each move checks the tree as it is in its own transaction: the second of two crossing
    moves (A under B, then B under A) sees the first and is refused."""
    from candor.learning.departments import DepartmentRefused, do_update_department

    marketing, sales = people.departments["marketing"], people.departments["sales"]
    do_update_department(people.adam, marketing, "Marketing", sales)
    with pytest.raises(DepartmentRefused, match="circle"):
        do_update_department(people.adam, sales, "Sales", marketing)


def test_changes_racing_a_deletion_are_refused_plainly(people: Any) -> None:
    from candor.learning.departments import (
        DepartmentRefused,
        do_create_department,
        do_update_department,
    )

    gone = Department.objects.create(name="Gone", slug="gone")
    stale = Department.objects.get(pk=gone.pk)
    gone.delete()
    with pytest.raises(DepartmentRefused, match="Gone was deleted meanwhile"):
        do_create_department(people.adam, "New", "new", stale)
    with pytest.raises(DepartmentRefused, match="Gone was deleted meanwhile"):
        do_update_department(people.adam, stale, "Gone again", None)
    with pytest.raises(DepartmentRefused, match="already uses “sales”"):
        do_create_department(people.adam, "Sales 2", "sales", None)
    assert not Department.objects.filter(slug="new").exists()
