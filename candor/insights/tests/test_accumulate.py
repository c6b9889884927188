"""Running totals: consent-gated, one contribution per learner per exercise, sealed,
subtracted on withdrawal and deletion."""

from __future__ import annotations

from typing import Any

import pytest

from candor.insights import metrics as m
from candor.insights.accumulate import read_totals, withdraw
from candor.insights.models import Accumulator, Contribution
from candor.insights.quarters import Quarter

from .conftest import make_summary


def _totals(exercise: Any) -> list[int]:
    return read_totals([exercise.pk], Quarter.of()).get(exercise.pk, [0] * m.WIDTH)


def n(totals: list[int], slot: str) -> int:
    return totals[m.SLOT_INDEX[slot]]


def test_only_learners_who_allow_course_improvement_contribute(
    consenting: Any, exercises: Any, send: Any
) -> None:
    ex = exercises["short-text"]
    send(consenting.lena, [make_summary(ex.pk)])
    send(consenting.otto, [make_summary(ex.pk)])  # signals for himself only
    totals = _totals(ex)
    assert n(totals, "n") == 1
    assert Contribution.objects.count() == 1


def test_a_reattempt_replaces_the_earlier_contribution(
    consenting: Any, exercises: Any, send: Any, submit: Any
) -> None:
    ex = exercises["short-text"]
    lena = consenting.lena
    wrong = submit(lena, ex, right=False)
    send(lena, [make_summary(ex.pk, attempt_token=str(wrong), ended_by="submit", submissions=1)])
    first = _totals(ex)
    assert (n(first, "n"), n(first, "passed"), n(first, "attempts")) == (1, 0, 0)
    right = submit(lena, ex, right=True)
    send(lena, [make_summary(ex.pk, attempt_token=str(right), ended_by="submit", submissions=1)])
    second = _totals(ex)
    assert (n(second, "n"), n(second, "passed"), n(second, "attempts")) == (1, 1, 2)
    # Times add up over the attempts (42 s + 42 s = 84 s: one learner in one bin).
    hist = second[m.HIST_START :]
    assert sum(hist) == 1 and hist[m.time_bin(84)] == 1


def test_totals_are_sealed_and_sharded(consenting: Any, exercises: Any, send: Any) -> None:
    ex = exercises["short-text"]
    send(consenting.lena, [make_summary(ex.pk)])
    send(consenting.leo, [make_summary(ex.pk)])
    rows = list(Accumulator.objects.all())
    assert rows and all(b"sums" not in bytes(r.blob) for r in rows)
    assert {r.shard for r in rows} <= set(range(8))
    assert n(_totals(ex), "n") == 2


def test_withdrawing_consent_subtracts_everything(
    consenting: Any, exercises: Any, send: Any
) -> None:
    from candor.privacy.consent import do_set_consent

    a, b = exercises["short-text"], exercises["numeric"]
    send(consenting.lena, [make_summary(a.pk), make_summary(b.pk)])
    send(consenting.leo, [make_summary(a.pk)])
    do_set_consent(consenting.lena, learner_help=True, course_improvement=False)
    assert n(_totals(a), "n") == 1
    assert _totals(b) == [0] * m.WIDTH
    assert not Contribution.objects.filter(owner__in=[]).exists()
    assert Contribution.objects.count() == 1  # leo's
    # Later summaries of lena no longer count.
    send(consenting.lena, [make_summary(a.pk)])
    assert n(_totals(a), "n") == 1


def test_withdraw_then_erase_leaves_nothing_of_the_learner(
    consenting: Any, exercises: Any, send: Any
) -> None:
    from candor.signals.actions import do_erase_my_signals

    ex = exercises["numeric"]
    send(consenting.lena, [make_summary(ex.pk)])
    assert withdraw(consenting.lena) == 1
    do_erase_my_signals(consenting.lena)
    assert n(_totals(ex), "n") == 0
    assert Contribution.objects.count() == 0


@pytest.mark.parametrize("path", ["self_service", "account_deletion_eraser"])
def test_erasing_signals_subtracts_the_learners_part_first(
    consenting: Any, exercises: Any, send: Any, path: str
) -> None:
    from candor.signals.actions import do_erase_my_signals
    from candor.signals.data_inventory import DECLARATIONS

    ex = exercises["numeric"]
    send(consenting.lena, [make_summary(ex.pk)])
    send(consenting.leo, [make_summary(ex.pk)])
    if path == "self_service":
        do_erase_my_signals(consenting.lena)
    else:
        (summaries,) = [d for d in DECLARATIONS if d.model == "signals.SignalSummary"]
        assert summaries.erase is not None
        summaries.erase(consenting.lena)
    assert n(_totals(ex), "n") == 1  # leo's part only
    assert Contribution.objects.count() == 1


def test_deleting_a_person_subtracts_their_part(consenting: Any, exercises: Any, send: Any) -> None:
    ex = exercises["numeric"]
    send(consenting.lena, [make_summary(ex.pk)])
    send(consenting.leo, [make_summary(ex.pk)])
    consenting.leo.delete()
    assert n(_totals(ex), "n") == 1


def test_the_hook_does_a_fixed_number_of_queries_whatever_the_batch_size(
    consenting: Any, exercises: Any, send: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from candor.insights.accumulate import on_ingest
    from candor.signals import ingestion

    ids = [e.pk for e in exercises.values()]
    # The data keys, the record and every row of totals exist from here on.
    send(consenting.lena, [make_summary(i) for i in ids])
    captured: list[Any] = []
    original = list(ingestion.AFTER_INGEST)
    ingestion.AFTER_INGEST[:] = [lambda user, stored, consent: captured.append((user, stored))]
    try:
        for n in (1, 40):
            send(consenting.lena, [make_summary(ids[i % len(ids)]) for i in range(n)])
    finally:
        ingestion.AFTER_INGEST[:] = original
    counts = []
    for user, stored in captured:
        with CaptureQueriesContext(connection) as ctx:
            on_ingest(user, stored)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 12, counts
