"""Fixtures for the insights tests: the organisation switched on, consenting learners, a
history generator through the real paths, and helpers to post summaries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import Personas


@pytest.fixture(autouse=True)
def _fresh_vault_cache() -> Iterator[None]:
    """Data keys are cached in memory; each test's key-store rows are rolled back."""
    from candor.vault import api as vault

    vault.reset()
    yield
    vault.reset()


@pytest.fixture(autouse=True)
def _insights_settings(settings: Any) -> None:
    settings.CANDOR_INSIGHTS_INLINE = True
    settings.CANDOR_INSIGHTS_MIN_GROUP = 5


@pytest.fixture
def org_on(people: Personas) -> Personas:
    from candor.privacy.org import do_enable_signals

    do_enable_signals(people.adam, dpia_reference="DPIA-2026-01")
    return people


@pytest.fixture
def consenting(assigned: Personas, org_on: Personas) -> Personas:
    """lena and leo allow course improvement; otto collects signals for himself only."""
    from candor.privacy.consent import do_set_consent

    for person in (assigned.lena, assigned.leo):
        do_set_consent(person, learner_help=True, course_improvement=True)
    do_set_consent(assigned.otto, learner_help=True, course_improvement=False)
    return assigned


@pytest.fixture
def exercises(course: Any) -> dict[str, Any]:
    from candor.catalog.models import Exercise

    return {e.slug: e for e in Exercise.objects.filter(module__track=course)}


def make_summary(exercise: int, /, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "client_id": str(uuid.uuid4()), "exercise_id": exercise, "attempt_token": None,
        "schema": 1, "ended_by": "hide", "time_on_task_ms": 42_000, "active_ms": 12_000,
        "idle_ms": 30_000, "break_ms": 0, "hidden_ms": 3_000, "focus_losses": 1,
        "pauses": {"s2_15": 2, "s15_180": 1, "s180_600": 0, "s600_plus": 0},
        "keystrokes": 36, "insertions": 30, "deletions": 6, "typing_speed_cpm": 150,
        "correction_rate": 0.2, "undo_count": 0, "pastes": 0, "pasted_chars": 0, "runs": 0,
        "submissions": 0, "hints_shown": 0, "hints_used": 0,
    }  # fmt: skip
    base.update(overrides)
    return base


@pytest.fixture
def send() -> Callable[..., Any]:
    """send(user, [summary, ...]) → the signals ingestion entry point's result."""
    from candor.signals.ingestion import ingest
    from candor.signals.schemas import parse_batch

    def run(user: Any, summaries: list[dict[str, Any]], now: Any = None) -> Any:
        return ingest(user, parse_batch(json.dumps({"summaries": summaries}).encode()), now=now)

    return run


@pytest.fixture
def submit() -> Callable[..., Any]:
    """submit(user, exercise, right: bool) → the attempt's client token."""
    from candor.insights.demo.answers import answers_for
    from candor.learning.actions import do_submit_answer

    def run(user: Any, exercise: Any, right: bool) -> uuid.UUID:
        answers = answers_for(exercise.kind, exercise.spec)
        assert answers is not None and answers.right is not None
        token = uuid.uuid4()
        do_submit_answer(user, exercise, answers.right if right else answers.wrong, token)
        return token

    return run


@pytest.fixture
def history(course: Any, org_on: Personas) -> Callable[..., Any]:
    """history(learners=40, ...) → synthetic learners on the fixture course, real paths."""
    from candor.insights.demo.history import generate

    def run(**kwargs: Any) -> Any:
        kwargs.setdefault("learners", 40)
        kwargs.setdefault("days", 20)
        kwargs.setdefault("hard_per_track", 1)
        kwargs.setdefault("consent_share", 1.0)
        return generate([course], **kwargs)

    return run
