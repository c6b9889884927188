"""The learner journey through the pages: answer wrongly, then rightly; progress; completion."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from candor.catalog.models import Exercise, Lesson, Module
from candor.learning.manager_views import MANAGER_FIELDS, team_rows
from candor.learning.models import Attempt, ExerciseProgress, ModuleCompletion
from candor.learning.progress import progress_for

pytestmark = pytest.mark.django_db

WRONG_RIGHT: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "single-choice": ({"answer": "0"}, {"answer": "1"}),
    "multiple-choice": ({"answer": ["0", "2"]}, {"answer": ["0", "1"]}),
    "numeric": ({"answer": "7"}, {"answer": "6"}),
    "short-text": ({"answer": "on"}, {"answer": "  OFF "}),
    "rubric": (
        {"answer": "Help please, this is hard and I need an answer quickly from you."},
        {
            "answer": "I tried the hint and re-read the lesson, but I am stuck on what the "
            "tolerance means for the numeric answer."
        },
    ),
}


def _post(client: Any, ex: Exercise, data: dict[str, Any]) -> Any:
    url = reverse("learning:exercise", args=[ex.module.track.slug, ex.module.slug, ex.slug])
    return client.post(url, {**data, "token": str(uuid.uuid4())})


def test_each_kind_wrong_then_right_moves_progress_to_completion(
    assigned: Any, client_for: Any
) -> None:
    lena = assigned.lena
    client = client_for(lena)
    module = Module.objects.get(slug="how-candor-works")
    assert progress_for([lena.pk], [module.pk])[(lena.pk, module.pk)].percent == 0

    lesson = Lesson.objects.get(module=module)
    page = client.get(reverse("learning:lesson", args=["test-track", module.slug, lesson.slug]))
    assert page.status_code == 200 and "What your manager sees" in page.content.decode()
    before = progress_for([lena.pk], [module.pk])[(lena.pk, module.pk)].percent
    assert before > 0

    for slug, (wrong, right) in WRONG_RIGHT.items():
        ex = Exercise.objects.select_related("module__track").get(slug=slug)
        response = _post(client, ex, wrong)
        assert response.status_code == 302, (slug, response.content[:500])
        page = client.get(response["Location"])
        body = page.content.decode()
        assert "Not quite" in body, slug
        response = _post(client, ex, right)
        page = client.get(response["Location"])
        assert "Correct" in page.content.decode(), slug
        assert ExerciseProgress.objects.get(user=lena, exercise=ex).passed_at is not None

    p = progress_for([lena.pk], [module.pk])[(lena.pk, module.pk)]
    assert p.percent == 100 and p.completed_at is not None
    assert ModuleCompletion.objects.filter(user=lena, module=module).count() == 1
    # The manager sees lena's completion — and only the pinned fields.
    rows = [r for r in team_rows(assigned.maya) if r["person"] == lena.full_name]
    assert rows and all(tuple(r) == MANAGER_FIELDS for r in rows)
    assert rows[0]["status"] == "completed" and rows[0]["completed_on"] is not None


def test_feedback_is_shown_per_option(assigned: Any, client_for: Any) -> None:
    client = client_for(assigned.lena)
    ex = Exercise.objects.select_related("module__track").get(slug="multiple-choice")
    page = client.get(_post(client, ex, {"answer": ["2"]})["Location"]).content.decode()
    assert "Never. Candor has no code path for evaluating people." in page
    assert "You missed" in page


def test_double_submit_with_the_same_token_counts_once(assigned: Any, client_for: Any) -> None:
    client = client_for(assigned.lena)
    ex = Exercise.objects.select_related("module__track").get(slug="numeric")
    url = reverse("learning:exercise", args=["test-track", ex.module.slug, ex.slug])
    token = str(uuid.uuid4())
    first = client.post(url, {"answer": "5", "token": token})
    second = client.post(url, {"answer": "5", "token": token})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Attempt.objects.filter(user=assigned.lena, exercise=ex).count() == 1
    assert ExerciseProgress.objects.get(user=assigned.lena, exercise=ex).submissions == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"token": "not-a-uuid", "answer": "6"}, "form has expired"),
        ({"answer": "6"}, "form has expired"),
        ({"token": "00000000-0000-4000-8000-000000000001"}, "Choose or enter an answer"),
        ({"token": "00000000-0000-4000-8000-000000000002", "answer": "x" * 200_000}, "too long"),
        ({"token": "00000000-0000-4000-8000-000000000003", "answer": "six"}, "number"),
        ({"token": "00000000-0000-4000-8000-000000000004", "answer": "nan"}, "number"),
    ],
)
def test_bad_form_input_is_a_clear_400(
    assigned: Any, client_for: Any, data: dict[str, str], message: str
) -> None:
    client = client_for(assigned.lena)
    ex = Exercise.objects.select_related("module__track").get(slug="numeric")
    url = reverse("learning:exercise", args=["test-track", ex.module.slug, ex.slug])
    response = client.post(url, data)
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert Attempt.objects.count() == 0


def test_limited_attempts_reveal_the_answer_and_count_as_done(
    assigned: Any, client_for: Any
) -> None:
    ex = Exercise.objects.select_related("module__track").get(slug="short-text")
    Exercise.objects.filter(pk=ex.pk).update(max_attempts=2)
    client = client_for(assigned.lena)
    for _ in range(2):
        _post(client, ex, {"answer": "on"})
    progress = ExerciseProgress.objects.get(user=assigned.lena, exercise=ex)
    assert progress.revealed_at is not None and progress.done
    response = _post(client, ex, {"answer": "off"})
    assert response.status_code == 400
    assert "used all 2 attempts" in response.content.decode()
    assert Attempt.objects.filter(user=assigned.lena, exercise=ex).count() == 2


def test_dashboard_shows_assigned_modules_with_due_dates(assigned: Any, client_for: Any) -> None:
    body = client_for(assigned.lena).get(reverse("learning:dashboard")).content.decode()
    assert "How Candor works" in body
    assert "Mandatory" in body and "Due " in body
    assert 'max="100" value="0"' in body


def test_api_submit_is_idempotent_and_validated(assigned: Any, client_for: Any) -> None:
    client = client_for(assigned.lena)
    ex = Exercise.objects.get(slug="single-choice")
    url = f"/api/v1/exercises/{ex.pk}/attempts"
    token = str(uuid.uuid4())
    first = client.post(url, {"answer": 1, "token": token}, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["correct"] is True
    again = client.post(url, {"answer": 1, "token": token}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    bad = client.post(url, {"answer": 1}, content_type="application/json")
    assert bad.status_code == 422 and "token" in str(bad.json()["detail"])
    broken = client.post(url, "{not json", content_type="application/json")
    assert 400 <= broken.status_code < 500
    out_of_range = client.post(
        url, {"answer": 42, "token": str(uuid.uuid4())}, content_type="application/json"
    )
    assert out_of_range.status_code == 400
    assert (
        client.post(
            "/api/v1/exercises/999999/attempts",
            {"answer": 1, "token": token},
            content_type="application/json",
        ).status_code
        == 404
    )
    progress = client.get("/api/v1/me/progress").json()
    assert {row["module"] for row in progress} == {"how-candor-works"}


def test_attempts_left_behind_by_a_restart_are_graded_again(assigned: Any, client_for: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    ex = Exercise.objects.get(slug="average")
    old = timezone.now() - dt.timedelta(minutes=10)
    waiting = Attempt.objects.create(
        user=assigned.lena,
        exercise=ex,
        number=1,
        mode="run",
        status=Attempt.Status.QUEUED,
        answer={"code": "def average(v):\n    return 2.0\n", "mode": "run"},
        created_at=old,
    )
    stuck = Attempt.objects.create(
        user=assigned.lena,
        exercise=ex,
        number=2,
        mode="run",
        status=Attempt.Status.RUNNING,
        answer={"code": "def average(v):\n    return 2.0\n", "mode": "run"},
        created_at=old,
    )
    client = client_for(assigned.lena)
    for attempt in (waiting, stuck):
        body = client.get(reverse("learning:attempt_status", args=[attempt.pk])).json()
        attempt.refresh_from_db()
        # Inline grading in the test suite: the requeued attempt is graded at once.
        assert attempt.status in {Attempt.Status.GRADED, Attempt.Status.ERROR}, body
        assert attempt.result is not None
