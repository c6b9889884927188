"""Access tests: every learning page, every persona that must be refused is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from candor.catalog.models import Exercise
from candor.learning.actions import do_submit_answer
from candor.learning.models import Attempt

pytestmark = pytest.mark.django_db


def _exercise(slug: str) -> Exercise:
    return Exercise.objects.select_related("module__track").get(slug=slug)


def _url(ex: Exercise) -> str:
    return reverse("learning:exercise", args=[ex.module.track.slug, ex.module.slug, ex.slug])


PAGES = [
    ("learning:dashboard", []),
    ("learning:catalogue", []),
    ("learning:track", ["test-track"]),
    ("learning:module", ["test-track", "how-candor-works"]),
    ("learning:lesson", ["test-track", "how-candor-works", "lessons-and-exercises"]),
    ("learning:exercise", ["test-track", "how-candor-works", "single-choice"]),
    ("learning:team", []),
    ("accounts:account", []),
]


@pytest.mark.parametrize("name,args", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(
    client: Any, course: Any, name: str, args: list[str]
) -> None:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_learner_cannot_open_another_learners_attempt(assigned: Any, client_for: Any) -> None:
    import uuid

    ex = _exercise("single-choice")
    attempt = do_submit_answer(assigned.lena, ex, "0", uuid.uuid4()).attempt
    assert attempt.number == 1
    # leo has no attempt 1: the same 404 as for a number that does not exist at all.
    leo = client_for(assigned.leo)
    assert leo.get(_url(ex) + "?attempt=1").status_code == 404
    assert leo.get(_url(ex) + "?attempt=999").status_code == 404
    assert leo.get(reverse("learning:attempt_status", args=[attempt.pk])).status_code == 404
    assert leo.get(f"/api/v1/attempts/{attempt.pk}").status_code == 404
    # ...while lena sees her own.
    lena = client_for(assigned.lena)
    assert lena.get(_url(ex) + "?attempt=1").status_code == 200
    assert lena.get(reverse("learning:attempt_status", args=[attempt.pk])).status_code == 200


def test_bad_attempt_parameter_is_a_404_not_a_500(assigned: Any, client_for: Any) -> None:
    ex = _exercise("single-choice")
    lena = client_for(assigned.lena)
    for bad in ["abc", "-1", "1" * 40, "1.5", ""]:
        assert lena.get(_url(ex), {"attempt": bad}).status_code == 404


def test_retired_and_unknown_content_is_not_found(assigned: Any, client_for: Any) -> None:
    ex = _exercise("numeric")
    lena = client_for(assigned.lena)
    assert lena.get(_url(ex)).status_code == 200
    Exercise.objects.filter(pk=ex.pk).update(is_retired=True)
    assert lena.get(_url(ex)).status_code == 404
    assert lena.get(reverse("learning:track", args=["no-such-track"])).status_code == 404
    assert (
        lena.get(reverse("learning:module", args=["test-track", "no-such-module"])).status_code
        == 404
    )


def test_team_page_refuses_everyone_but_managers(assigned: Any, client_for: Any) -> None:
    for name in ("lena", "leo", "ari", "priya", "adam", "otto"):
        response = client_for(getattr(assigned, name)).get(reverse("learning:team"))
        assert response.status_code == 404, name
    assert client_for(assigned.maya).get(reverse("learning:team")).status_code == 200


def test_manager_sees_only_direct_reports(assigned: Any, client_for: Any) -> None:
    body = client_for(assigned.maya).get(reverse("learning:team")).content.decode()
    assert "Lena Learner" in body and "Leo Learner" in body
    assert "Otto Outsider" not in body  # sam's report, not maya's
    body = client_for(assigned.sam).get(reverse("learning:team")).content.decode()
    assert "Otto Outsider" in body and "Lena Learner" not in body


def test_people_without_learner_role_get_no_course_pages(assigned: Any, client_for: Any) -> None:
    assigned.adam.is_learner = False
    assigned.adam.save()
    c = client_for(assigned.adam)
    assert c.get(reverse("learning:dashboard")).status_code == 200  # a neutral welcome page
    assert c.get(reverse("learning:track", args=["test-track"])).status_code == 404
    ex = _exercise("single-choice")
    assert c.get(_url(ex)).status_code == 404
    assert Attempt.objects.count() == 0


def test_api_requires_sign_in(client: Any, course: Any) -> None:
    assert client.get("/api/v1/me/progress").status_code == 401
    ex = _exercise("single-choice")
    response = client.post(
        f"/api/v1/exercises/{ex.pk}/attempts",
        {"answer": "1", "token": "6f1c3f1e-2f7e-4a3b-9a55-4b9e3c2f8a10"},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_each_team_page_view_is_audited_per_report(assigned: Any, client_for: Any) -> None:
    from candor.privacy.audit import subject_pseudonym, verify
    from candor.privacy.models import AuditEntry

    client_for(assigned.maya).get(reverse("learning:team"))
    entries = AuditEntry.objects.filter(purpose="compliance", actor_role="manager")
    assert {e.subject for e in entries} == {
        subject_pseudonym(assigned.lena),
        subject_pseudonym(assigned.leo),
    }
    assert verify().ok


def test_each_person_an_admin_looks_at_is_audited(assigned: Any, client_for: Any) -> None:
    from candor.privacy.audit import subject_pseudonym, verify
    from candor.privacy.models import AuditEntry

    admin = client_for(assigned.adam)
    admin.get(reverse("learning:admin_person", args=[assigned.lena.pk]))
    read = AuditEntry.objects.filter(actor_role="admin", action="read")
    assert [(e.subject, e.purpose, e.object_ref) for e in read] == [
        (subject_pseudonym(assigned.lena), "compliance", "accounts:directory")
    ]
    page = admin.get(reverse("learning:admin_people"), {"q": "example"})
    assert page.status_code == 200
    listed = page.context["page"].object_list
    assert len(listed) >= 2
    subjects = [e.subject for e in read.all()[1:]]
    # Everyone listed but the admin themself (reading your own record is no access by another).
    others = [p for p in listed if p.pk != assigned.adam.pk]
    assert sorted(subjects) == sorted(subject_pseudonym(p) for p in others)
    assert verify().ok
