"""Privacy tests sign checkpoints with a throw-away key into a throw-away directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def audit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CANDOR_AUDIT_KEY_FILE", str(tmp_path / "audit-keys" / "checkpoint.key"))
    monkeypatch.setenv("CANDOR_AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    yield tmp_path / "checkpoints"


def signal_summary(exercise_id: int, **overrides: object) -> dict[str, object]:
    """A valid wire-format v1 summary (PRODUCT.md §4): 42 s on task, 30 typed, 6 deleted."""
    import uuid

    base: dict[str, object] = {
        "client_id": str(uuid.uuid4()),
        "exercise_id": exercise_id,
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


def store_signals(user: object, exercise_ids: list[int]) -> int:
    """Store summaries the way the upload does (signals' own parser and action)."""
    import json

    from candor.signals.actions import do_ingest_signals
    from candor.signals.schemas import parse_batch

    body = json.dumps({"summaries": [signal_summary(e) for e in exercise_ids]}).encode()
    return do_ingest_signals(user, parse_batch(body)).stored


@pytest.fixture
def signals_on(assigned: object) -> object:
    """The organisation switched on (DPIA recorded); lena and leo consented to both."""
    from candor.privacy.consent import do_set_consent
    from candor.privacy.org import do_enable_signals

    people = assigned
    do_enable_signals(people.adam, dpia_reference="DPIA-2026-01")  # type: ignore[attr-defined]
    for person in (people.lena, people.leo):  # type: ignore[attr-defined]
        do_set_consent(person, learner_help=True, course_improvement=True)
    return people


@pytest.fixture
def rich_lena(signals_on: Any, client_for: Any) -> Any:
    """lena with a row in every table that can hold something about a learner."""
    import uuid

    from django.test import Client
    from django.utils import timezone

    from candor.catalog.models import Exercise, Lesson
    from candor.learning.actions import do_record_lesson_view, do_submit_answer
    from candor.learning.models import AssignmentRule, ModuleCompletion
    from candor.privacy.dsr import do_ask_question
    from candor.signals import ratelimit

    people = signals_on
    lena = people.lena  # type: ignore[attr-defined]
    numeric = Exercise.objects.get(slug="numeric")
    do_submit_answer(lena, numeric, "7", uuid.uuid4())
    do_submit_answer(lena, numeric, "6", uuid.uuid4())
    do_record_lesson_view(lena, Lesson.objects.get(module=numeric.module))
    ModuleCompletion.objects.get_or_create(
        user=lena, module=numeric.module, defaults={"completed_at": timezone.now()}
    )
    AssignmentRule.objects.create(
        track=numeric.module.track, audience="person", person=lena, mandatory=False
    )
    store_signals(lena, [numeric.pk])
    from candor.privacy.dsr import do_erase_signals

    do_erase_signals(lena)  # an erasure in her past: the erasure log and a destroyed key
    store_signals(lena, [numeric.pk, numeric.pk])
    ratelimit.hit(lena)
    do_ask_question(lena, "Which data do you keep about me?")
    # A sign-in (logged, with a session), then a failed one (a throttling record).
    Client().post("/login/", {"username": lena.email, "password": PASSWORD})
    Client().post("/login/", {"username": lena.email, "password": "wrong password"})
    client_for(people.maya).get("/team/")  # an access by someone else, audited
    return people


from conftest import PASSWORD  # noqa: E402
