"""Access to every page of mandatory-training operations, for every persona.

Admin pages: admins only; everyone else gets the same 404 as for a page that does not exist.
The compliance export: admins and privacy officers. Certificates and messages: your own only.
Anonymous visitors are sent to sign in — except for the public verification page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from candor.learning.certificates import issue_certificates
from candor.learning.models import AssignmentRule, Certificate, ModuleCompletion, Reminder

pytestmark = pytest.mark.django_db

PERSONAS = ["lena", "leo", "maya", "ari", "priya", "adam", "otto", "sam"]


def _admin_pages(people: Any) -> list[tuple[str, list[Any]]]:
    rule = AssignmentRule.objects.first()
    assert rule is not None
    return [
        ("learning:admin", []),
        ("learning:admin_rules", []),
        ("learning:admin_rule_new", []),
        ("learning:admin_rule", [rule.pk]),
        ("learning:admin_people", []),
        ("learning:admin_person_new", []),
        ("learning:admin_person", [people.lena.pk]),
        ("learning:admin_import", []),
    ]


def test_admin_pages_are_for_admins_only(assigned: Any, client_for: Any, client: Any) -> None:
    pages = _admin_pages(assigned)
    for name, persona in assigned.all().items():
        c = client_for(persona)
        for url_name, args in pages:
            url = reverse(url_name, args=args)
            expected = 200 if name == "adam" else 404
            assert c.get(url).status_code == expected, (name, url)
    for url_name, args in pages:
        response = client.get(reverse(url_name, args=args))
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "adam"])
def test_non_admins_cannot_change_anything(assigned: Any, client_for: Any, persona: str) -> None:
    from candor.privacy.models import AuditEntry

    c = client_for(getattr(assigned, persona))
    rule = AssignmentRule.objects.first()
    assert rule is not None
    before = (AssignmentRule.objects.count(), AuditEntry.objects.count())
    posts = [
        (reverse("learning:admin_rule_new"), {"action": "save", "track": rule.track_id}),
        (reverse("learning:admin_rule", args=[rule.pk]), {"action": "save", "is_active": ""}),
        (reverse("learning:admin_person", args=[assigned.leo.pk]), {"full_name": "X"}),
        (reverse("learning:admin_person_new"), {"email": "new@example.test"}),
        (reverse("learning:admin_import"), {"action": "import"}),
    ]
    for url, data in posts:
        assert c.post(url, data).status_code == 404, url
    assert (AssignmentRule.objects.count(), AuditEntry.objects.count()) == before
    assert AssignmentRule.objects.get(pk=rule.pk).is_active
    assigned.leo.refresh_from_db()
    assert assigned.leo.full_name == "Leo Learner"


def test_compliance_export_is_for_admins_and_privacy_officers(
    assigned: Any, client_for: Any, client: Any
) -> None:
    page, export = reverse("learning:compliance"), reverse("learning:compliance_export")
    for name, persona in assigned.all().items():
        c = client_for(persona)
        allowed = name in {"adam", "priya"}
        assert c.get(page).status_code == (200 if allowed else 404), name
        response = c.post(export, {"include_left": "on"})
        assert response.status_code == (200 if allowed else 404), name
    assert client.get(page).status_code == 302
    assert client.post(export).status_code == 302


def test_certificates_are_only_their_holders(assigned: Any, client_for: Any, client: Any) -> None:
    module = assigned.lena.assignments.first().module
    ModuleCompletion.objects.create(user=assigned.lena, module=module)
    [cert] = issue_certificates([assigned.lena])
    url = reverse("learning:certificate_pdf", args=[cert.pk])
    for name, persona in assigned.all().items():
        c = client_for(persona)
        page = c.get(reverse("learning:certificates"))
        assert page.status_code == 200
        assert (cert.code in page.content.decode()) == (name == "lena"), name
        assert c.get(url).status_code == (200 if name == "lena" else 404), name
    assert c.get(reverse("learning:certificate_pdf", args=[cert.pk + 999])).status_code == 404
    assert client.get(url).status_code == 302
    assert client.get(reverse("learning:certificates")).status_code == 302
    assert Certificate.objects.count() == 1


def test_people_without_the_learner_role_have_no_certificates_page(
    people: Any, client_for: Any
) -> None:
    people.adam.is_learner = False
    people.adam.save()
    assert client_for(people.adam).get(reverse("learning:certificates")).status_code == 404


def test_messages_show_only_your_own(assigned: Any, client_for: Any, client: Any) -> None:
    a = assigned.lena.assignments.first()
    Reminder.objects.create(
        recipient=assigned.lena,
        assignment=a,
        kind=Reminder.Kind.BEFORE_DUE,
        scheduled_on=a.due_on,
        status=Reminder.Status.SENT,
        email_subject="Reminder for lena only",
        body="Hello Lena",
    )
    url = reverse("learning:messages")
    for name, persona in assigned.all().items():
        body = client_for(persona).get(url).content.decode()
        assert ("Reminder for lena only" in body) == (name == "lena"), name
    assert client.get(url).status_code == 302


def test_verification_needs_no_sign_in(client: Any) -> None:
    assert client.get(reverse("learning:verify_form")).status_code == 200
    assert client.get(reverse("learning:verify", args=["x" * 22])).status_code == 404
