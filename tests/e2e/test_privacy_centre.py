"""Lena turns signals on, does an exercise, sees the summary under "My data", exports it,
erases it and sees it gone; Priya finds the export and the erasure in the audit log."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXERCISE = "/tracks/test-track/how-candor-works/exercises/short-text/"


@pytest.fixture(autouse=True)
def _audit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server runs in this process: the checkpoint key and directory go to tmp."""
    monkeypatch.setenv("CANDOR_AUDIT_KEY_FILE", str(tmp_path / "keys" / "audit.key"))
    monkeypatch.setenv("CANDOR_AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))


@pytest.fixture
def ingested(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Wait for the collector's upload to commit on the live server (a hook in the ingestion
    transaction; polling the test's in-memory database would lock the server out)."""
    from django.db import transaction

    from candor.signals import ingestion

    committed = threading.Semaphore(0)

    def hook(user: Any, stored: list[Any], consent: Any) -> None:
        if stored:
            transaction.on_commit(committed.release)

    monkeypatch.setattr(ingestion, "AFTER_INGEST", [*ingestion.AFTER_INGEST, hook])

    def wait() -> None:
        assert committed.acquire(timeout=20), "no summary was stored in time"

    return wait


@pytest.fixture(autouse=True)
def _settle(page: Page, live_server: Any) -> Iterator[None]:
    """Leave the page before the database goes (the collector sends on page hide)."""
    yield
    page.goto("about:blank")
    page.wait_for_timeout(500)


def test_lena_sees_exports_and_erases_her_signals_and_priya_finds_it_in_the_log(
    live_server: Any,
    page: Page,
    assigned: Any,
    login: Any,
    shoot: Any,
    axe_check: Any,
    ingested: Any,
) -> None:
    from candor.privacy.org import do_enable_signals

    do_enable_signals(assigned.adam, dpia_reference="DPIA-2026-01")
    base = live_server.url

    # First visit: the consent choice, off unless she turns it on.
    login(page, base, "lena@example.test", PASSWORD)
    expect(page.get_by_role("heading", name="Interaction signals: your choice")).to_be_visible()
    axe_check(page)
    shoot(page, "privacy-consent-prompt")
    page.get_by_label("Collect signals, for me", exact=False).check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_text("Signals are on, for you")).to_be_visible()
    expect(page.get_by_role("heading", name="Interaction signals: your choice")).to_have_count(0)

    # An exercise, typed like a person; the collector sends its summary on submit.
    page.goto(f"{base}{EXERCISE}")
    page.wait_for_function("() => document.getElementById('signals-config') !== null")
    page.locator("#answer").click()
    page.keyboard.type("offf", delay=120)
    page.keyboard.press("Backspace")
    page.wait_for_timeout(2_300)
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator("#result")).to_be_visible()
    ingested()

    # My data: the summary in plain words, the chart, the table. (Leaving the result page
    # may send a second, near-empty summary for that page view: counts are not pinned.)
    page.get_by_role("link", name="My data").click()
    page.wait_for_timeout(1_000)
    page.reload()
    expect(page.get_by_role("heading", name="My data", exact=True)).to_be_visible()
    expect(page.get_by_text("of how you worked on exercises")).to_be_visible()
    expect(page.get_by_text("You typed 4 characters and deleted 1")).to_be_visible()
    assert page.locator("#trend-table tbody tr").count() >= 1
    page.wait_for_function("() => document.documentElement.classList.contains('has-trend-charts')")
    axe_check(page)
    shoot(page, "privacy-my-data")

    # Export: everything, as one JSON file, with the summary and its xAPI statement.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download everything (JSON)").click()
    archive = json.loads(Path(download.value.path()).read_text())
    rows = archive["data"]["signals.SignalSummary"]["rows"]
    assert any(r["summary"]["insertions"] == 4 for r in rows)
    verbs = {s["verb"]["display"]["en-US"] for s in archive["xapi"]["statements"]}
    assert {"answered", "interacted"} <= verbs

    # Erase: confirmed, immediate; the page shows nothing left.
    page.get_by_label("I understand this cannot be undone.").check()
    page.get_by_role("button", name="Erase my signals now").click()
    expect(
        page.get_by_role("status").get_by_text(re.compile(r"Erased: \d+ signal summar"))
    ).to_be_visible()
    expect(page.get_by_text("No interaction signal is stored about you.")).to_be_visible()
    expect(page.locator("#trend-table")).to_have_count(0)
    axe_check(page)
    shoot(page, "privacy-my-data-erased")
    page.get_by_role("button", name="Sign out").click()

    # Priya: the audit log, verified, with lena's export and erasure in it.
    login(page, base, "priya@example.test", PASSWORD)
    page.get_by_role("link", name="Privacy", exact=True).click()
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_text("Audit log intact")).to_be_visible()
    page.get_by_label("Person (email; logged as a security audit)").fill("lena@example.test")
    page.get_by_label("Show names", exact=False).check()
    page.get_by_role("button", name="Filter").click()
    table = page.locator("table.audit-table")
    expect(table.get_by_text("data.export")).to_be_visible()
    expect(table.get_by_text("signals.erase")).to_be_visible()
    expect(table.get_by_text("consent.change")).to_be_visible()
    expect(table.get_by_text("Lena Learner").first).to_be_visible()
    axe_check(page)
    shoot(page, "privacy-audit-log")
    page.get_by_role("link", name="DPIA report").click()
    expect(page.get_by_role("heading", name="1. Processing and purposes")).to_be_visible()
    axe_check(page)
    for link, heading in [
        ("Overview", "Privacy"),
        ("Data inventory", "Data inventory"),
        ("Consent coverage", "Consent coverage"),
        ("Requests", "Data-subject requests"),
        ("Retention", "Retention"),
    ]:
        page.get_by_role("navigation", name="Privacy officer").get_by_role(
            "link", name=link
        ).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        axe_check(page)
    shoot(page, "privacy-retention")
