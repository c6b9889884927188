"""Retention: purge with a frozen clock removes exactly the expired periods."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

import candor.vault as vault
from candor.vault.errors import DataKeyShredded, PeriodExpired
from candor.vault.models import DataKey, ErasureLog, VaultSelfTestRow
from candor.vault.retention import is_expired, period_for

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
PERIODS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:18]  # 2025-01…2026-06


def _fill(moment: datetime) -> dict[str, list[VaultSelfTestRow]]:
    rows: dict[str, list[VaultSelfTestRow]] = {}
    with time_machine.travel(moment, tick=False):
        for period in PERIODS:
            rows[period] = [
                VaultSelfTestRow.sealed(owner, period, f"{owner}@{period}".encode())
                for owner in ("p-a", "p-b")
            ]
            VaultSelfTestRow.objects.bulk_create(rows[period])
    return rows


def _purge(*args: str) -> str:
    out = StringIO()
    call_command("purge", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_purge_removes_exactly_the_expired_periods() -> None:
    rows = _fill(datetime(2025, 1, 2, tzinfo=UTC))  # keys made when every period was current
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    # 180 days before 2026-06-15 12:00 is 2025-12-17 12:00: periods starting before expire.
    expected = [p for p in PERIODS if p <= "2025-12"]
    assert [p for p in PERIODS if is_expired(p, now, 180)] == expected
    with time_machine.travel(now, tick=False):
        out = _purge()
        assert (
            f"Removed {len(expected)} expired period(s): {2 * len(expected)} data keys "
            f"destroyed, {2 * len(expected)} signal rows deleted" in out
        )
        assert (
            sorted(set(VaultSelfTestRow.objects.values_list("period", flat=True)))
            == PERIODS[len(expected) :]
        )
        assert (
            sorted(set(DataKey.objects.values_list("period", flat=True)))
            == PERIODS[len(expected) :]
        )
        # What is kept still opens.
        kept = [r for p in PERIODS[len(expected) :] for r in rows[p]]
        assert all(r.ok for r in VaultSelfTestRow.open_rows(kept))
        # Idempotent.
        assert "Nothing to purge" in _purge()
        # A row of a purged period that comes back from a backup says why it cannot open.
        old = rows["2025-03"][0]
        with pytest.raises(DataKeyShredded, match="2025-03 passed its retention"):
            old.open_payload()
        with pytest.raises(PeriodExpired):
            vault.seal("p-a", "2025-03", "t", 1, b"late")


def test_dry_run_changes_nothing_and_retention_is_configurable(monkeypatch) -> None:
    _fill(datetime(2025, 1, 2, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 6, 15, tzinfo=UTC), tick=False):
        out = _purge("--dry-run")
        assert "Would remove 12 expired period(s)" in out
        assert VaultSelfTestRow.objects.count() == 2 * len(PERIODS)
        monkeypatch.setenv("CANDOR_SIGNAL_RETENTION_DAYS", "365")
        vault.reset()
        assert "Would remove 6 expired period(s)" in _purge("--dry-run")
        report = vault.purge_expired()
        assert [p.period for p in report.periods] == [
            "2025-01",
            "2025-02",
            "2025-03",
            "2025-04",
            "2025-05",
            "2025-06",
        ]


def test_the_boundary_is_the_first_day_of_the_period() -> None:
    boundary = datetime(2026, 5, 1, tzinfo=UTC)  # + 180 days = 2026-10-28
    assert not is_expired("2026-05", datetime(2026, 10, 27, 23, 59, 59, tzinfo=UTC), 180)
    assert is_expired("2026-05", datetime(2026, 10, 28, tzinfo=UTC), 180)
    assert period_for(boundary) == "2026-05"


def test_purge_ages_out_old_erasure_log_lines() -> None:
    ErasureLog.objects.create(owner="p-old", erased_at=datetime(2025, 1, 1, tzinfo=UTC))
    ErasureLog.objects.create(owner="p-new", erased_at=datetime(2026, 6, 1, tzinfo=UTC))
    out = _purge("--now", "2026-06-15T00:00:00")
    assert "1 erasure-log line(s) aged out" in out
    assert list(ErasureLog.objects.values_list("owner", flat=True)) == ["p-new"]
