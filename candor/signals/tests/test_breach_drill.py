"""A copy of the database with real signal rows: the breach drill reads no signal and finds
no link to a person — no plaintext column beyond id/owner/period/blob, no client id, no
exercise or time to join on (DESIGN-NOTES §1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from candor.signals.models import SignalSummary
from candor.vault.breach.drill import render_text, run_drill
from candor.vault.breach.source import open_source
from candor.vault.tests.conftest import database_copy

from .conftest import attempt_for, make_summary


# The copy is taken with SQLite's backup API, which waits for the test's open transaction:
# this test commits as it goes instead.
@pytest.mark.django_db(databases="__all__", transaction=True)
def test_the_breach_drill_finds_nothing_readable_and_no_link(
    consenting: Any, exercises: Any, post: Any, tmp_path: Path
) -> None:
    for person in (consenting.lena, consenting.leo):
        for ex in exercises.values():
            attempt = attempt_for(person, ex)
            post(
                person,
                [
                    make_summary(ex.pk, attempt_token=str(attempt.client_token), ended_by="submit"),
                    make_summary(ex.pk),
                ],
            )
    assert SignalSummary.objects.count() == 4 * len(exercises)
    source = open_source(database_copy(tmp_path))
    try:
        report = run_drill(source)
    finally:
        source.close()
    table = next(t for t in report.tables if t.table == "signals_summary")
    assert table.signal_bearing and table.sealed == {"blob": table.rows}
    assert not table.readable_signals and not table.links, render_text(report)
    rate = next(t for t in report.tables if t.table == "signals_ratewindow")
    assert not rate.readable_signals and not rate.links
    assert report.readable_signal_values == 0 and report.links == 0, render_text(report)
