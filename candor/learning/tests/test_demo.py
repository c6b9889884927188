"""The demo company: big enough, the named personas with their roles, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from candor.accounts.models import Department, User
from candor.learning.models import Assignment
from candor.privacy.org import signals_enabled
from conftest import FIXTURE_CONTENT

pytestmark = pytest.mark.django_db


def test_demo_company_is_complete_and_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("content_import", str(FIXTURE_CONTENT), "--no-run", "--quiet")
    call_command("demo_load")
    out = capsys.readouterr().out
    assert "lena@demo.candor" in out and "password: candor-demo" in out
    assert User.objects.count() >= 40
    assert Department.objects.count() >= 4
    roles = {
        u.email.split("@")[0]: u.roles for u in User.objects.filter(email__endswith="@demo.candor")
    }
    assert "manager" in roles["maya"] and "author" in roles["ari"]
    assert "privacy_officer" in roles["priya"] and "admin" in roles["adam"]
    lena, leo, maya = (User.objects.get(email=f"{n}@demo.candor") for n in ("lena", "leo", "maya"))
    assert lena.manager == maya and leo.manager == maya and lena.department == leo.department
    assert lena.check_password("candor-demo")
    assert signals_enabled()  # the demo records a (clearly fake) DPIA; learners still opt in
    people, assignments = User.objects.count(), Assignment.objects.count()
    call_command("demo_load", "--quiet")
    assert (User.objects.count(), Assignment.objects.count()) == (people, assignments)
