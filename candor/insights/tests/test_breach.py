"""A copy of the database after history and a release reveals no signal value and no link
from the insights tables to people (the vault's breach drill, on the real schema)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict


@pytest.mark.django_db(transaction=True)
def test_the_breach_drill_finds_nothing_in_running_totals_records_or_the_ledger(
    history: Any, course: Any, people: Any, tmp_path: Path
) -> None:
    from candor.insights.queries import parse_query
    from candor.insights.releases import do_request_release
    from candor.vault.breach.drill import run_drill
    from candor.vault.breach.source import open_source

    if connection.vendor != "sqlite":
        pytest.skip("copies the SQLite file; the vault's own tests cover PostgreSQL")
    history(learners=15)
    do_request_release(people.ari, parse_query(course, QueryDict("")))  # inline: built now
    copy = tmp_path / "copy.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    connection.connection.backup(target)
    target.close()
    report = run_drill(open_source(str(copy)))
    tables = {t.table: t for t in report.tables}
    for name in ("insights_accumulator", "insights_contribution", "insights_release"):
        assert not tables[name].readable_signals and not tables[name].links, name
    assert tables["insights_accumulator"].sealed and tables["insights_contribution"].sealed
    assert report.passed
