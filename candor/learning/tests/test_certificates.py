"""Certificates: issued once all mandatory modules of a track are completed (by the completion
itself, see test_certificate_on_completion.py, or lazily for completions recorded otherwise);
the PDF's text (read back with pypdf); the public verification page shows validity, track and
date only, is rate-limited, and answers a malformed code exactly like an unknown one."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from candor.catalog.models import Exercise, Lesson, Module
from candor.learning.actions import do_record_lesson_view, do_submit_answer
from candor.learning.certificates import CODE_RE, issue_certificates, lookup
from candor.learning.models import Certificate, ModuleCompletion

pytestmark = pytest.mark.django_db

RIGHT = {
    "single-choice": "1",
    "multiple-choice": ["0", "1"],
    "numeric": "6",
    "short-text": "Off",
    "rubric": "I tried the hint and re-read the lesson, but I am stuck on what the tolerance "
    "means for the numeric answer.",
}


def complete_course(user: Any) -> None:
    """The learner's own way through the module: read the lesson, answer every exercise."""
    for lesson in Lesson.objects.all():
        do_record_lesson_view(user, lesson)
    for slug, answer in RIGHT.items():
        do_submit_answer(user, Exercise.objects.get(slug=slug), answer, uuid.uuid4())


def test_no_certificate_until_every_mandatory_module_is_completed(assigned: Any) -> None:
    assert issue_certificates() == []
    with time_machine.travel(dt.datetime(2026, 5, 6, 10, tzinfo=dt.UTC), tick=False):
        complete_course(assigned.lena)
    assert ModuleCompletion.objects.filter(user=assigned.lena).count() == 1
    [cert] = Certificate.objects.all()  # issued by the completion itself
    assert cert.user == assigned.lena and cert.track.slug == "test-track"
    assert cert.completed_on == dt.date(2026, 5, 6)
    assert cert.holder_name == "Lena Learner" and CODE_RE.fullmatch(cert.code)
    assert issue_certificates() == [] and Certificate.objects.count() == 1  # once


def test_a_second_mandatory_module_must_be_completed_too(assigned: Any) -> None:
    from candor.learning.assignments import sync_assignments

    first = Module.objects.get(slug="how-candor-works")
    Module.objects.create(track=first.track, slug="second", title="Second", summary="s", order=2)
    sync_assignments()
    ModuleCompletion.objects.create(user=assigned.lena, module=first)
    assert issue_certificates([assigned.lena]) == []


def test_the_pdf_says_who_what_when_and_the_code(assigned: Any, client_for: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 5, 6, 10, tzinfo=dt.UTC), tick=False):
        complete_course(assigned.lena)
    lena = client_for(assigned.lena)
    page = lena.get(reverse("learning:certificates"))  # issues it on the way
    cert = Certificate.objects.get(user=assigned.lena)
    assert cert.code in page.content.decode()
    response = lena.get(reverse("learning:certificate_pdf", args=[cert.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in [
        "Certificate of completion",
        "Lena Learner",
        "Test track",
        "Completion date: 6 May 2026",
        f"Verification code: {cert.code}",
        f"/verify/{cert.code}/",
    ]:
        assert expected in text, (expected, text)


def test_verification_shows_validity_track_and_date_only(assigned: Any, client: Any) -> None:
    ModuleCompletion.objects.create(
        user=assigned.lena,
        module=Module.objects.get(slug="how-candor-works"),
        completed_at=dt.datetime(2026, 5, 6, 10, tzinfo=dt.UTC),
    )
    [cert] = issue_certificates()
    response = client.get(reverse("learning:verify", args=[cert.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Valid certificate" in body and "Test track" in body and "6 May 2026" in body
    for personal in ["Lena", "lena@example.test", "Marketing", "Maya"]:
        assert personal not in body
    by_form = client.get(reverse("learning:verify_form"), {"code": cert.code})
    assert "Valid certificate" in by_form.content.decode()


def test_malformed_and_unknown_codes_get_the_same_answer(assigned: Any, client: Any) -> None:
    unknown = client.get(reverse("learning:verify", args=["A" * 22]))
    answers = [unknown]
    for bad in ["short", "A" * 23, "with space!!!!!!!!!!!!", "../../etc", "'; DROP TABLE--"]:
        answers.append(client.get(reverse("learning:verify_form"), {"code": bad}))
    for response in answers:
        assert response.status_code == 404
        body = response.content.decode()
        assert "No valid certificate has this code" in body
    strip = [r.content.decode().split("<main")[1].split("</main>")[0] for r in answers]
    # Besides the echoed code (there is none: the form stays empty), the pages are identical.
    assert len(set(strip)) == 1
    assert lookup("x" * 22) is None and lookup("") is None


def test_verification_is_rate_limited_per_address(
    assigned: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANDOR_VERIFY_LIMIT", "5")
    url = reverse("learning:verify", args=["B" * 22])
    statuses = [client.get(url).status_code for _ in range(7)]
    assert statuses == [404] * 5 + [429] * 2
    other = client.get(url, REMOTE_ADDR="10.0.0.9")  # another address has its own budget
    assert other.status_code == 404
    assert "Too many checks" in client.get(url).content.decode()


def test_codes_are_unguessable(assigned: Any) -> None:
    from candor.learning.certificates import new_code

    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(CODE_RE.fullmatch(c) for c in codes)


def test_reminders_and_certificates_are_in_the_learners_export(assigned: Any) -> None:
    """The data inventory declares both tables; their rows carry every declared field."""
    from candor.learning.models import Reminder
    from candor.privacy import inventory

    lena = assigned.lena
    ModuleCompletion.objects.create(user=lena, module=Module.objects.get(slug="how-candor-works"))
    issue_certificates([lena])
    Reminder.objects.create(
        recipient=lena,
        assignment=lena.assignments.first(),
        kind=Reminder.Kind.BEFORE_DUE,
        scheduled_on=dt.date(2026, 5, 1),
        status=Reminder.Status.SENT,
        email_subject="Reminder",
        body="Hello Lena",
    )
    for model in ("learning.Reminder", "learning.Certificate"):
        decl = inventory.load().get(model)
        assert decl is not None, model
        rows = decl.rows_for(lena)
        assert len(rows) == 1 and set(decl.fields) <= set(rows[0]), (model, rows)
    assert inventory.undeclared_models() == {}


def test_the_verification_limit_is_shared_by_the_worker_processes(tmp_path: Any) -> None:
    """Outside tests the cache is a directory under VAR_DIR, so the gunicorn workers of one
    machine count together: 3 lookups in one process and 3 in another reach a limit of 5."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    script = (
        "import django; django.setup()\n"
        "from candor.learning.certificates import rate_limited\n"
        "print(','.join(str(rate_limited('203.0.113.9')) for _ in range(3)))\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CANDOR_")},
        "CANDOR_ENV": "demo",
        "CANDOR_VAR_DIR": str(tmp_path),
        "CANDOR_VERIFY_LIMIT": "5",
        "DJANGO_SETTINGS_MODULE": "candor.settings",
    }
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["False,False,False", "False,False,True"], [
        r.stderr[-2000:] for r in runs
    ]
    assert (tmp_path / "cache").is_dir()
