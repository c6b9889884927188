"""Completing a track's last mandatory piece issues its certificate — once, whatever happens next
(answering again, another completion path, the lazy issuers, a concurrent insert); the learner's
dashboard and module page link to the PDF, which only its owner can download."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from candor.catalog.models import Exercise, Lesson, Module
from candor.learning import certificates
from candor.learning.actions import do_record_lesson_view, do_submit_answer
from candor.learning.certificates import issue_certificate_for, issue_certificates
from candor.learning.models import Certificate, ModuleCompletion
from candor.learning.tests.test_certificates import RIGHT, complete_course

pytestmark = pytest.mark.django_db

MODULE_URL = ("learning:module", ["test-track", "how-candor-works"])


def test_completing_the_last_piece_issues_exactly_one_certificate(assigned: Any) -> None:
    lena = assigned.lena
    for lesson in Lesson.objects.all():
        do_record_lesson_view(lena, lesson)
    slugs = list(RIGHT)
    for slug in slugs[:-1]:
        do_submit_answer(lena, Exercise.objects.get(slug=slug), RIGHT[slug], uuid.uuid4())
    assert not Certificate.objects.exists()  # one exercise to go
    last = slugs[-1]
    do_submit_answer(lena, Exercise.objects.get(slug=last), RIGHT[last], uuid.uuid4())
    [cert] = Certificate.objects.all()
    completion = ModuleCompletion.objects.get(user=lena)
    assert (cert.user, cert.track.slug) == (lena, "test-track")
    assert cert.completed_on == completion.completed_at.date()
    assert cert.holder_name == "Lena Learner"
    assert not Certificate.objects.exclude(user=lena).exists()


def test_no_second_certificate_from_any_other_path(assigned: Any, client_for: Any) -> None:
    lena = assigned.lena
    complete_course(lena)
    [cert] = Certificate.objects.filter(user=lena)
    # Answering again (right and wrong), reading again: completion is not recorded twice.
    complete_course(lena)
    do_submit_answer(lena, Exercise.objects.get(slug="numeric"), "7", uuid.uuid4())
    # A second module of the track completed later (a new, optional one).
    track = cert.track
    extra = Module.objects.create(track=track, slug="extra", title="Extra", summary="", order=9)
    lesson = Lesson.objects.create(module=extra, slug="l", title="L", body_html="x", order=1)
    do_record_lesson_view(lena, lesson)
    assert ModuleCompletion.objects.filter(user=lena).count() == 2
    # The lazy issuers (certificates page, reminders run) find nothing left to issue.
    assert issue_certificates() == []
    assert issue_certificate_for(lena, track.pk) is None
    assert client_for(lena).get(reverse("learning:certificates")).status_code == 200
    assert list(Certificate.objects.filter(user=lena)) == [cert]


def test_a_concurrent_insert_wins_and_completion_still_commits(
    assigned: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the existence check and the insert another request issues the certificate:
    the unique constraint refuses ours inside a savepoint, and the completion is kept."""
    lena = assigned.lena
    real_earned = certificates.earned

    def racing_earned(user_ids: Any = None) -> Any:
        found = real_earned(user_ids)
        for (user_id, track_id), day in found.items():
            certificates._create(user_id, track_id, "Lena Learner", day)  # the other request
        return found

    monkeypatch.setattr(certificates, "earned", racing_earned)
    complete_course(lena)
    assert Certificate.objects.filter(user=lena).count() == 1
    assert ModuleCompletion.objects.filter(user=lena).count() == 1


def test_a_refused_duplicate_does_not_spoil_the_surrounding_transaction(assigned: Any) -> None:
    lena = assigned.lena
    track = Module.objects.get(slug="how-candor-works").track
    with transaction.atomic():
        first = certificates._create(lena.pk, track.pk, "Lena Learner", dt.date(2026, 5, 6))
        second = certificates._create(lena.pk, track.pk, "Lena Learner", dt.date(2026, 5, 6))
        Certificate.objects.filter(pk=first.pk if first else 0).update(holder_name="Lena L.")
    assert first is not None and second is None
    assert Certificate.objects.get(user=lena).holder_name == "Lena L."


def test_dashboard_and_module_page_link_to_the_pdf_once_issued(
    assigned: Any, client_for: Any
) -> None:
    lena = client_for(assigned.lena)
    for url in (reverse("learning:dashboard"), reverse(MODULE_URL[0], args=MODULE_URL[1])):
        assert "Certificate ready" not in lena.get(url).content.decode()
    complete_course(assigned.lena)
    cert = Certificate.objects.get(user=assigned.lena)
    link = reverse("learning:certificate_pdf", args=[cert.pk])
    for url in (reverse("learning:dashboard"), reverse(MODULE_URL[0], args=MODULE_URL[1])):
        body = lena.get(url).content.decode()
        assert "Certificate ready" in body and "download (PDF)" in body, url
        assert f'href="{link}"' in body, url
    # Nobody else's dashboard mentions it.
    leo = client_for(assigned.leo).get(reverse("learning:dashboard")).content.decode()
    assert "Certificate ready" not in leo and link not in leo


def test_only_the_owner_can_download_the_certificate(
    assigned: Any, client_for: Any, client: Any
) -> None:
    complete_course(assigned.lena)
    cert = Certificate.objects.get(user=assigned.lena)
    url = reverse("learning:certificate_pdf", args=[cert.pk])
    for name, persona in assigned.all().items():
        response = client_for(persona).get(url)
        if name == "lena":
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        else:  # another learner, her manager, the admin, …: as if it did not exist
            assert response.status_code == 404, name
    missing = reverse("learning:certificate_pdf", args=[cert.pk + 1000])
    assert client_for(assigned.lena).get(missing).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
