"""The ledger and the budget: one charge per canonical query, refusals that spend nothing,
an exhausted budget that says when it renews, and concurrent requests charged once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.http import QueryDict

from candor.insights.models import Budget, Release
from candor.insights.quarters import Quarter
from candor.insights.queries import QueryError, parse_query
from candor.insights.releases import BudgetExhausted, budget_status, do_request_release


def q(track: Any, text: str = "") -> Any:
    return parse_query(track, QueryDict(text))


def spent(track: Any) -> Decimal:
    row = Budget.objects.filter(track=track, quarter=str(Quarter.of())).first()
    return row.spent_epsilon if row else Decimal(0)


@pytest.fixture
def released_course(history: Any, course: Any) -> Any:
    history(learners=30)
    return course


def test_a_release_is_charged_once_and_shown_again_from_the_ledger(
    released_course: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    track = released_course
    with django_capture_on_commit_callbacks(execute=True):
        first = do_request_release(people.ari, q(track))
    assert first.created
    release = Release.objects.get(pk=first.release.pk)
    assert release.status == "done", release.message
    assert release.result is not None and release.result["exercises"]
    assert spent(track) == Decimal("2")
    again = do_request_release(people.ari, q(track))
    assert not again.created and again.release.pk == release.pk
    assert spent(track) == Decimal("2")


def test_rewording_a_query_finds_the_same_release(released_course: Any, people: Any) -> None:
    track = released_course
    quarter = Quarter.of()
    first = do_request_release(people.ari, q(track, "metrics=pass_rate,median_time"))
    for text in (
        "metrics=median_time,pass_rate",
        "metrics=Pass Rate&metrics=time",
        f"metrics=pass%2Bmedian-time&quarter=Q{quarter.q}%20{quarter.year}",
        f"quarter={quarter.year}q{quarter.q}&metrics=PASS_RATE;median_time_on_task&module=all",
    ):
        again = do_request_release(people.ari, q(track, text))
        assert again.release.pk == first.release.pk and not again.created, text
    assert spent(track) == Decimal("2")
    other = do_request_release(people.ari, q(track, "metrics=pass_rate"))
    assert other.created and spent(track) == Decimal("4")


def test_an_exhausted_budget_refuses_and_says_when_it_renews(
    released_course: Any, people: Any
) -> None:
    track = released_course
    do_request_release(people.ari, q(track, "metrics=pass_rate"))
    do_request_release(people.ari, q(track, "metrics=hint_uptake"))
    with pytest.raises(BudgetExhausted) as caught:
        do_request_release(people.ari, q(track, "metrics=idle_share"))
    renews = Quarter.of().renews_on
    assert caught.value.renews_on == renews
    assert f"renews on {renews.day} {renews:%B %Y}" in str(caught.value)
    assert spent(track) == Decimal("4")
    # What was released stays available without spending.
    assert not do_request_release(people.ari, q(track, "metrics=pass_rate")).created
    assert budget_status(track, Quarter.of()).remaining == 0


def test_a_course_without_consenting_learners_spends_nothing(
    course: Any, org_on: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = do_request_release(people.ari, q(course))
    release = Release.objects.get(pk=result.release.pk)
    assert release.status == "refused"
    assert "agreed to contribute" in release.message
    assert release.epsilon == 0 and spent(course) == 0
    # The refusal frees the query: once there is data it can be released.
    assert do_request_release(people.ari, q(course)).created


def test_refresh_buys_a_new_edition_only_when_asked(
    released_course: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    track = released_course
    with django_capture_on_commit_callbacks(execute=True):
        first = do_request_release(people.ari, q(track, "metrics=pass_rate"))
    # While the first is still being built, "refresh" finds it instead of buying another.
    second = do_request_release(people.ari, q(track, "metrics=pass_rate&refresh=1"))
    assert second.created and second.release.edition == 2
    latest = do_request_release(people.ari, q(track, "metrics=pass_rate"))
    assert latest.release.pk == second.release.pk != first.release.pk


@pytest.mark.parametrize(
    "text, message",
    [
        ("quarter=2026-Q5", "not a quarter"),
        ("quarter=next", "not a quarter"),
        ("quarter=2099-Q1", "has not started"),
        ("metrics=speed", "Unknown metric"),
        ("learner=lena", "Unknown parameter"),
        ("refresh=maybe", "refresh must be"),
        ("module=../../etc", "module must be"),
        ("metrics=" + "x" * 400, "too long"),
    ],
)
def test_malformed_parameters_are_refused_with_a_message(
    course: Any, text: str, message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        q(course, text)


@pytest.mark.parametrize(
    "name, value",
    [
        ("CANDOR_INSIGHTS_MIN_GROUP", 4),
        ("CANDOR_INSIGHTS_MIN_GROUP", "ten"),
        ("CANDOR_INSIGHTS_EPSILON_PER_QUARTER", "-1"),
        ("CANDOR_INSIGHTS_DELTA_PER_RELEASE", "0.5"),
    ],
)
def test_bad_settings_fail_the_system_check(settings: Any, name: str, value: Any) -> None:
    from candor.insights.apps import check_settings

    setattr(settings, name, value)
    (error,) = check_settings()
    assert error.id == "insights.E001" and name in error.msg
