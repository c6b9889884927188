"""The consent gate in the page: no consent, no collector script — not even its tag."""

from __future__ import annotations

from typing import Any

import pytest

EXERCISE = "/tracks/test-track/how-candor-works/exercises/{}/"


def _page(client_for: Any, user: Any, slug: str = "rubric") -> str:
    response = client_for(user).get(EXERCISE.format(slug))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("slug", ["rubric", "short-text", "numeric", "single-choice"])
def test_a_consenting_learner_gets_the_collector(
    consenting: Any, client_for: Any, slug: str
) -> None:
    html = _page(client_for, consenting.lena, slug)
    assert 'src="/static/dist/collector.js"' in html
    assert 'id="signals-config"' in html and 'data-endpoint="/api/v1/signals"' in html
    # The outbox key is a pseudonym, never the user id.
    assert f'data-outbox-key="{consenting.lena.pk}"' not in html
    assert 'data-outbox-key="' in html


def test_without_consent_nothing_is_delivered(consenting: Any, client_for: Any) -> None:
    html = _page(client_for, consenting.otto)  # org on, otto never consented
    assert "collector.js" not in html and "signals-config" not in html


def test_without_the_org_switch_nothing_is_delivered(assigned: Any, client_for: Any) -> None:
    from candor.privacy.consent import do_set_consent

    do_set_consent(assigned.lena, learner_help=True, course_improvement=False)
    html = _page(client_for, assigned.lena)  # consented, but no DPIA recorded: off
    assert "collector.js" not in html


def test_withdrawing_removes_the_collector_on_the_next_page(
    consenting: Any, client_for: Any
) -> None:
    from candor.privacy.consent import do_set_consent

    do_set_consent(consenting.lena, learner_help=False, course_improvement=False)
    assert "collector.js" not in _page(client_for, consenting.lena)


def test_the_page_tells_the_collector_about_failed_submissions(
    consenting: Any, client_for: Any, exercises: Any
) -> None:
    from candor.learning.models import ExerciseProgress

    ExerciseProgress.objects.create(
        user=consenting.lena, exercise=exercises["rubric"], submissions=3
    )
    assert 'data-failed="3" data-passed="0"' in _page(client_for, consenting.lena)
