"""Assignment rules from the admin pages: preview first, then save, sync and audit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from candor.catalog.models import Track
from candor.learning.assignments import sync_assignments
from candor.learning.models import Assignment, AssignmentRule
from candor.learning.people import PersonData, PersonRefused, do_update_person
from candor.learning.rules import do_save_rule, preview_rule
from candor.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_rules(course: Any, people: Any) -> Any:
    """The fixture track with no rule yet: nobody has anything assigned."""
    AssignmentRule.objects.all().delete()
    sync_assignments()
    return people


def _form(track: Track, **extra: Any) -> dict[str, Any]:
    return {
        "track": track.pk,
        "module": "",
        "audience": "department",
        "department": "",
        "include_subdepartments": "on",
        "role": "",
        "person_email": "",
        "requirement": "mandatory",
        "due_kind": "relative",
        "due_days": "14",
        "relative_to": "assigned",
        "due_date": "",
        **extra,
    }


def _digest(html: str) -> str:
    match = re.search(r'name="digest" value="([0-9a-f]+)"', html)
    assert match, "no preview digest on the page"
    return match.group(1)


def test_a_rule_is_previewed_then_saved_synced_and_audited(no_rules: Any, client_for: Any) -> None:
    people = no_rules
    track = Track.objects.get(slug="test-track")
    marketing = people.departments["marketing"]
    adam = client_for(people.adam)
    url = reverse("learning:admin_rule_new")
    data = _form(track, department=marketing.pk)

    page = adam.post(url, {**data, "action": "preview"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Preview: who gains and loses what" in html
    preview = html.split('id="preview"')[1]
    for name in ("Maya Manager", "Lena Learner", "Leo Learner"):
        assert name in preview
    assert "Otto Outsider" not in preview and "Adam Admin" not in preview
    assert AssignmentRule.objects.count() == 0 and Assignment.objects.count() == 0

    saved = adam.post(url, {**data, "action": "save", "digest": _digest(html)})
    assert saved.status_code == 302
    rule = AssignmentRule.objects.get()
    assert {a.user.email for a in Assignment.objects.select_related("user")} == {
        "maya@example.test",
        "lena@example.test",
        "leo@example.test",
    }
    due = timezone.localdate() + dt.timedelta(days=14)
    assert set(Assignment.objects.values_list("due_on", flat=True)) == {due}
    entry = AuditEntry.objects.get(action="rule.create")
    assert entry.object_ref.startswith(f"rule:{rule.pk};gains=3")
    assert entry.purpose == "" and entry.subject == ""


def test_saving_without_a_preview_shows_the_preview_instead(no_rules: Any, client_for: Any) -> None:
    track = Track.objects.get(slug="test-track")
    response = client_for(no_rules.adam).post(
        reverse("learning:admin_rule_new"),
        {**_form(track, audience="everyone"), "action": "save", "digest": "forged"},
    )
    assert response.status_code == 409
    assert "People or rules changed since your last preview" in response.content.decode()
    assert not AssignmentRule.objects.exists()


def test_a_change_between_preview_and_save_is_caught(no_rules: Any) -> None:
    people = no_rules
    track = Track.objects.get(slug="test-track")
    rule = AssignmentRule(
        track=track,
        audience="department",
        department=people.departments["marketing"],
        mandatory=True,
        due_days=14,
    )
    digest = preview_rule(rule).digest
    people.otto.department = people.departments["marketing"]  # moved meanwhile
    people.otto.save()
    from candor.learning.rules import StalePreview

    with pytest.raises(StalePreview) as caught:
        do_save_rule(people.adam, rule, digest)
    assert caught.value.preview.gains == 4
    assert not AssignmentRule.objects.exists()


def test_editing_previews_losses_and_retiring_removes_open_assignments(
    assigned: Any, client_for: Any
) -> None:
    rule = AssignmentRule.objects.get()
    url = reverse("learning:admin_rule", args=[rule.pk])
    adam = client_for(assigned.adam)
    data = _form(rule.track, audience="department", department=assigned.departments["sales"].pk)
    data["is_active"] = "on"
    page = adam.post(url, {**data, "action": "preview"}).content.decode()
    assert page.count(">loses</span>") == 6  # everyone outside sales
    assert page.count(">gains</span>") == 0
    retire = {**data, "is_active": ""}
    preview = adam.post(url, {**retire, "action": "preview"}).content.decode()
    assert preview.count(">loses</span>") == 8
    response = adam.post(url, {**retire, "action": "save", "digest": _digest(preview)})
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    assert AuditEntry.objects.filter(action="rule.deactivate").count() == 1


def test_a_past_due_date_is_accepted_with_a_warning_and_overdue_at_once(
    no_rules: Any, client_for: Any
) -> None:
    track = Track.objects.get(slug="test-track")
    past = timezone.localdate() - dt.timedelta(days=3)
    data = _form(track, audience="person", person_email="lena@example.test")
    data.update({"due_kind": "date", "due_date": past.isoformat(), "due_days": ""})
    adam = client_for(no_rules.adam)
    url = reverse("learning:admin_rule_new")
    page = adam.post(url, {**data, "action": "preview"}).content.decode()
    assert "is in the past" in page and "will be overdue as soon as the rule is saved" in page
    adam.post(url, {**data, "action": "save", "digest": _digest(page)})
    [assignment] = Assignment.objects.filter(user=no_rules.lena)
    assert assignment.due_on == past
    dashboard = client_for(no_rules.lena).get(reverse("learning:dashboard")).content.decode()
    assert "Overdue" in dashboard


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"audience": "department"}, "department"),
        ({"audience": "role"}, "role"),
        ({"audience": "person", "person_email": "nobody@example.test"}, "person_email"),
        ({"due_kind": "relative", "due_days": ""}, "due_days"),
        ({"due_kind": "date", "due_date": ""}, "due_date"),
        ({"due_days": "-3"}, "due_days"),
        ({"track": "999999"}, "track"),
    ],
)
def test_bad_rule_input_is_a_clear_400(
    no_rules: Any, client_for: Any, extra: dict[str, str], field: str
) -> None:
    track = Track.objects.get(slug="test-track")
    response = client_for(no_rules.adam).post(
        reverse("learning:admin_rule_new"), {**_form(track), **extra, "action": "preview"}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not AssignmentRule.objects.exists()


def test_a_module_of_another_track_is_refused(no_rules: Any, client_for: Any) -> None:
    from candor.catalog.models import Module

    other = Track.objects.create(slug="other", title="Other", summary="s")
    module = Module.objects.get(slug="how-candor-works")
    response = client_for(no_rules.adam).post(
        reverse("learning:admin_rule_new"),
        {**_form(other, audience="everyone", module=module.pk), "action": "preview"},
    )
    assert response.status_code == 400 and "module" in response.context["form"].errors


def test_moving_department_and_new_hires_get_assignments_at_once(
    no_rules: Any, client_for: Any
) -> None:
    people = no_rules
    track = Track.objects.get(slug="test-track")
    rule = AssignmentRule(
        track=track, audience="department", department=people.departments["sales"], due_days=30
    )
    do_save_rule(people.adam, rule, preview_rule(rule).digest)
    assert not Assignment.objects.filter(user=people.lena).exists()
    adam = client_for(people.adam)
    form = {
        "full_name": "Lena Learner",
        "department": people.departments["sales"].pk,
        "manager_email": "sam@example.test",
        "roles": ["learner"],
        "joined_on": people.lena.joined_on.isoformat(),
        "is_active": "on",
    }
    response = adam.post(reverse("learning:admin_person", args=[people.lena.pk]), form)
    assert response.status_code == 302
    assert Assignment.objects.filter(user=people.lena).count() == 1
    entry = AuditEntry.objects.filter(action="person.update").last()
    assert entry is not None
    assert "department" in entry.object_ref and entry.subject != ""

    new = {**form, "email": "Nina.New@Example.test", "full_name": "Nina New"}
    response = adam.post(reverse("learning:admin_person_new"), new)
    assert response.status_code == 302
    from candor.accounts.models import User

    nina = User.objects.get(email="nina.new@example.test")
    assert not nina.has_usable_password()
    assert Assignment.objects.filter(user=nina).count() == 1
    assert AuditEntry.objects.filter(action="person.create").count() == 1


def test_person_form_refuses_circles_and_self_lockout(people: Any) -> None:
    def data(**extra: Any) -> PersonData:
        base = {
            "full_name": people.maya.full_name,
            "department": people.maya.department,
            "manager": None,
            "roles": frozenset({"learner", "manager"}),
            "joined_on": people.maya.joined_on,
            "is_active": True,
        }
        return PersonData(**{**base, **extra})

    with pytest.raises(PersonRefused, match="circle"):
        do_update_person(people.adam, people.maya, data(manager=people.lena))
    with pytest.raises(PersonRefused, match="own manager"):
        do_update_person(people.adam, people.maya, data(manager=people.maya))
    own = {"full_name": "Adam Admin", "department": people.adam.department}
    with pytest.raises(PersonRefused, match="deactivate your own"):
        do_update_person(people.adam, people.adam, data(**own, is_active=False))
    with pytest.raises(PersonRefused, match="own admin role"):
        do_update_person(people.adam, people.adam, data(**own, roles=frozenset({"learner"})))


def test_deactivating_a_person_ends_their_sessions(assigned: Any, client_for: Any) -> None:
    from django.contrib.sessions.models import Session

    leo = client_for(assigned.leo)
    assert leo.get(reverse("learning:dashboard")).status_code == 200
    assert Session.objects.count() == 1
    response = client_for(assigned.adam).post(
        reverse("learning:admin_person", args=[assigned.leo.pk]),
        {
            "full_name": "Leo Learner",
            "department": assigned.departments["marketing"].pk,
            "manager_email": "maya@example.test",
            "roles": ["learner"],
            "joined_on": assigned.leo.joined_on.isoformat(),
        },
    )
    assert response.status_code == 302
    assert leo.get(reverse("learning:dashboard")).status_code == 302  # signed out
    assigned.leo.refresh_from_db()
    assert not assigned.leo.is_active
    assert not Assignment.objects.filter(user=assigned.leo).exists()
    assert AuditEntry.objects.filter(action="person.deactivate").count() == 1
