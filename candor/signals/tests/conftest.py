"""Fixtures for the signals tests: the organisation switched on, consenting learners, and a
factory for valid wire-format summaries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from conftest import Personas


@pytest.fixture(autouse=True)
def _fresh_vault_cache() -> Any:
    """The vault caches data keys in memory; each test's key-store rows are rolled back, so
    a key cached by an earlier test must not be used by the next one."""
    from candor.vault import api as vault

    vault.reset()
    yield
    vault.reset()


def make_summary(exercise: int, /, **overrides: Any) -> dict[str, Any]:
    """A valid v1 summary: 42 s on task, 30 typed characters, 6 deleted."""
    base: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "exercise_id": exercise,
        "attempt_token": None,
        "schema": 1,
        "ended_by": "hide",
        "time_on_task_ms": 42_000,
        "active_ms": 12_000,
        "idle_ms": 30_000,
        "break_ms": 0,
        "hidden_ms": 3_000,
        "focus_losses": 1,
        "pauses": {"s2_15": 2, "s15_180": 1, "s180_600": 0, "s600_plus": 0},
        "keystrokes": 36,
        "insertions": 30,
        "deletions": 6,
        "typing_speed_cpm": 150,
        "correction_rate": 0.2,
        "undo_count": 0,
        "pastes": 0,
        "pasted_chars": 0,
        "runs": 0,
        "submissions": 0,
        "hints_shown": 0,
        "hints_used": 0,
    }
    base.update(overrides)
    return base


@pytest.fixture
def summary() -> Callable[..., dict[str, Any]]:
    return make_summary


@pytest.fixture
def org_on(people: Personas) -> Personas:
    from candor.privacy.org import do_enable_signals

    do_enable_signals(people.adam, dpia_reference="DPIA-2026-01")
    return people


@pytest.fixture
def consenting(assigned: Personas, org_on: Personas) -> Personas:
    """lena and leo collect signals; otto has not consented; everyone else has no choice."""
    from candor.privacy.consent import do_set_consent

    for person in (assigned.lena, assigned.leo):
        do_set_consent(person, learner_help=True, course_improvement=True)
    return assigned


@pytest.fixture
def exercises(course: Any) -> dict[str, Any]:
    from candor.catalog.models import Exercise

    return {e.slug: e for e in Exercise.objects.filter(module__track=course)}


@pytest.fixture
def post(client_for: Any) -> Callable[..., Any]:
    """post(user, summaries | raw bytes) → response of POST /api/v1/signals (CSRF on)."""
    from django.test import Client

    clients: dict[int, Client] = {}

    def send(user: Any, body: Any, content_type: str = "application/json") -> Any:
        c = clients.get(user.pk)
        if c is None:
            c = Client(enforce_csrf_checks=True)
            c.force_login(user)
            c.get("/")  # sets the CSRF cookie
            clients[user.pk] = c
        token = c.cookies["csrftoken"].value if "csrftoken" in c.cookies else ""
        data = body if isinstance(body, bytes | str) else json.dumps({"summaries": body})
        return c.post(
            "/api/v1/signals", data=data, content_type=content_type, HTTP_X_CSRFTOKEN=token
        )

    return send


def attempt_for(user: Any, exercise: Any, **fields: Any) -> Any:
    """An attempt row as the learning app records it (graded unless told otherwise)."""
    from django.db.models import Max

    from candor.learning.models import Attempt

    number = (
        Attempt.objects.filter(user=user, exercise=exercise).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    values = {
        "mode": "submit",
        "status": "graded",
        "answer": "x",
        "correct": False,
        "score": 0.0,
        "result": {"error_signature": "", "error_kind": ""},
    }
    values.update(fields)
    return Attempt.objects.create(user=user, exercise=exercise, number=number, **values)
