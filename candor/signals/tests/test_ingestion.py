"""Ingestion: sealed storage, idempotency by client id, ownership, grader indicators."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.signals import ingestion
from candor.signals.access import my_signal_summaries, owner_for
from candor.signals.models import SignalSummary

from .conftest import attempt_for, make_summary


def _rows() -> list[SignalSummary]:
    return list(SignalSummary.objects.all())


def test_a_summary_is_stored_sealed_under_the_learners_pseudonym(
    consenting: Any, exercises: Any, post: Any
) -> None:
    lena = consenting.lena
    sent = make_summary(exercises["rubric"].pk)
    response = post(lena, [sent])
    assert response.status_code == 201, response.content
    assert response.json() == {"accepted": 1, "stored": 1, "duplicates": 0}
    (row,) = _rows()
    assert row.owner == owner_for(lena) != str(lena.pk)
    # Nothing of the summary is readable in the row: not the exercise, not a field name.
    raw = bytes(row.blob)
    assert b"keystrokes" not in raw and str(sent["client_id"]).encode() not in raw
    assert {f.name for f in SignalSummary._meta.concrete_fields} <= {
        "id",
        "owner",
        "period",
        "key_version",
        "blob",
    }
    (mine,) = my_signal_summaries(lena)
    assert mine["ok"] and mine["summary"] == sent
    assert mine["server"] is None  # no attempt: no grader indicators


def test_the_same_summary_twice_is_accepted_and_stored_once(
    consenting: Any, exercises: Any, post: Any
) -> None:
    sent = make_summary(exercises["rubric"].pk)
    assert post(consenting.lena, [sent]).status_code == 201
    again = post(consenting.lena, [sent])
    assert again.status_code == 200
    assert again.json() == {"accepted": 1, "stored": 0, "duplicates": 1}
    # Twice in one batch is the same summary too.
    other = make_summary(exercises["rubric"].pk)
    both = post(consenting.lena, [other, other, sent])
    assert both.json() == {"accepted": 2, "stored": 1, "duplicates": 1}
    assert SignalSummary.objects.count() == 2


def test_the_same_client_id_with_other_content_is_a_conflict(
    consenting: Any, exercises: Any, post: Any
) -> None:
    sent = make_summary(exercises["rubric"].pk)
    assert post(consenting.lena, [sent]).status_code == 201
    changed = {**sent, "hints_used": 1}
    fresh = make_summary(exercises["rubric"].pk)
    response = post(consenting.lena, [fresh, changed])
    assert response.status_code == 409
    assert response.json()["client_ids"] == [sent["client_id"]]
    assert SignalSummary.objects.count() == 1  # the batch is all or nothing
    inside = post(consenting.lena, [fresh, {**fresh, "undo_count": 2}])
    assert inside.status_code == 409


def test_client_ids_of_two_learners_never_collide(
    consenting: Any, exercises: Any, post: Any
) -> None:
    sent = make_summary(exercises["rubric"].pk)
    assert post(consenting.lena, [sent]).status_code == 201
    # leo sending lena's client id (with other content) learns nothing and stores his own.
    assert post(consenting.leo, [{**sent, "hints_used": 1}]).status_code == 201
    assert SignalSummary.objects.count() == 2
    assert len({r.pk for r in _rows()}) == 2


def test_the_attempt_must_be_the_callers_on_that_exercise(
    consenting: Any, exercises: Any, post: Any
) -> None:
    lena, leo = consenting.lena, consenting.leo
    rubric, numeric = exercises["rubric"], exercises["numeric"]
    hers = attempt_for(lena, rubric)
    his = attempt_for(leo, rubric)
    ok = make_summary(rubric.pk, attempt_token=str(hers.client_token), ended_by="submit")
    assert post(lena, [ok]).status_code == 201
    cases = [
        make_summary(rubric.pk, attempt_token=str(his.client_token)),  # someone else's
        make_summary(rubric.pk, attempt_token=str(uuid.uuid4())),  # missing
        make_summary(numeric.pk, attempt_token=str(hers.client_token)),  # other exercise
        make_summary(999_999),  # no such exercise
    ]
    bodies = set()
    for case in cases:
        response = post(lena, [make_summary(rubric.pk), case])
        assert response.status_code == 404, response.content
        bodies.add(response.json()["detail"].split(":")[0])
    assert bodies == {"summaries.1"}
    assert SignalSummary.objects.count() == 1


def test_a_retired_exercise_is_as_missing_as_one_that_never_existed(
    consenting: Any, exercises: Any, post: Any
) -> None:
    rubric = exercises["rubric"]
    rubric.is_retired = True
    rubric.save()
    assert post(consenting.lena, [make_summary(rubric.pk)]).status_code == 404


def test_grader_indicators_are_sealed_with_the_summary(
    consenting: Any, exercises: Any, post: Any
) -> None:
    lena, rubric = consenting.lena, exercises["rubric"]
    attempt_for(lena, rubric, mode="run", result={"error_signature": "NameError:x"})
    attempt_for(lena, rubric, result={"error_signature": "NameError:x"})
    attempt_for(lena, rubric, result={"error_signature": "NameError:x"})
    last = attempt_for(lena, rubric, correct=True, result={"error_signature": ""})
    summary = make_summary(rubric.pk, attempt_token=str(last.client_token), ended_by="submit")
    assert post(lena, [summary]).status_code == 201
    (mine,) = my_signal_summaries(lena)
    # rubric is not a code exercise: attempts to pass, but no error density.
    assert mine["server"] == {
        "attempt_number": 4,
        "attempt_graded": True,
        "attempt_correct": True,
        "submissions_so_far": 3,
        "attempts_to_pass": 3,
    }


def test_repeated_error_density_for_code_exercises(
    consenting: Any, exercises: Any, post: Any
) -> None:
    lena, ex = consenting.lena, exercises["rubric"]
    type(ex).objects.filter(pk=ex.pk).update(kind="code")
    for sig in ["SyntaxError:1", "SyntaxError:1", "SyntaxError:1", "", "TypeError:2"]:
        last = attempt_for(lena, ex, result={"error_signature": sig, "error_kind": ""})
    queued = attempt_for(lena, ex, status="queued", correct=None, result=None)
    post(lena, [make_summary(ex.pk, attempt_token=str(last.client_token), ended_by="submit")])
    post(lena, [make_summary(ex.pk, attempt_token=str(queued.client_token), ended_by="submit")])
    by_number = {d["server"]["attempt_number"]: d["server"] for d in my_signal_summaries(lena)}
    assert by_number[5]["repeated_error_density"] == pytest.approx(4 / 3, abs=1e-3)
    assert by_number[5]["errors_so_far"] == 4
    assert by_number[6]["attempt_graded"] is False  # still in the grading queue
    assert by_number[6]["attempts_to_pass"] is None


def test_ingestion_does_a_fixed_number_of_queries_whatever_the_batch_size(
    consenting: Any, exercises: Any, post: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the signals app's own queries: hooks (the insights accumulators) count their own.
    monkeypatch.setattr(ingestion, "AFTER_INGEST", [])
    lena = consenting.lena
    ids = [e.pk for e in exercises.values()]
    post(lena, [make_summary(ids[0])])  # sign-in, CSRF cookie and the data key come first
    counts = []
    for n in (1, 50):
        attempts = [attempt_for(lena, exercises["rubric"]) for _ in range(n)]
        batch = [
            make_summary(ids[i % len(ids)])
            if i % 2
            else make_summary(exercises["rubric"].pk, attempt_token=str(attempts[i].client_token))
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as ctx:
            assert post(lena, batch).status_code == 201
        counts.append([q["sql"][:90] for q in ctx.captured_queries])
    assert len(counts[0]) == len(counts[1]), "\n".join(
        f"{a!s:90} | {b}" for a, b in zip(counts[0] + [""], counts[1], strict=False)
    )


def test_an_after_ingest_hook_runs_in_the_same_transaction(
    consenting: Any, exercises: Any, post: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    def hook(user: Any, stored: list[Any], consent: Any) -> None:
        seen.append(len(stored))
        raise RuntimeError("the accumulator failed")

    monkeypatch.setattr(ingestion, "AFTER_INGEST", [hook])
    with pytest.raises(RuntimeError):
        ingestion.ingest(
            consenting.lena,
            ingestion.SignalBatch.model_validate_json(
                json.dumps({"summaries": [make_summary(exercises["rubric"].pk)]})
            ),
        )
    assert seen == [1]
    assert SignalSummary.objects.count() == 0


@pytest.mark.parametrize("retire", [None, "exercise", "module", "track"])
def test_the_batch_exercise_check_agrees_with_learnings_access_helper(
    consenting: Any, exercises: Any, retire: str | None
) -> None:
    """signals.access.exercises_for_batch is the batched form of
    learning.access.access_exercise_by_id_for: the same exercises, for every persona."""
    from django.http import Http404

    from candor.learning.access import access_exercise_by_id_for
    from candor.signals.access import exercises_for_batch

    ex = exercises["rubric"]
    target = {"exercise": ex, "module": ex.module, "track": ex.module.track}.get(retire or "")
    if target is not None:
        target.is_retired = True
        target.save()
    ids = [e.pk for e in exercises.values()] + [999_999]
    consenting.ari.is_learner = False  # someone without the learner role sees none
    consenting.ari.save()
    for name, person in consenting.all().items():
        batch = set(exercises_for_batch(person, ids))
        single = set()
        for pk in ids:
            with contextlib.suppress(Http404):
                single.add(access_exercise_by_id_for(person, pk).pk)
        assert batch == single, name
