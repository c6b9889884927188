# Fixtures are imported from other modules (unused names to ruff) and named as test parameters
# (redefinitions to ruff): both are how pytest finds them.
# ruff: noqa: F401, F811
"""Offline: the learner submits with no network, comes back, and the summary arrives once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from candor.signals.tests.conftest import _fresh_vault_cache, consenting, exercises, org_on
from conftest import PASSWORD
from tests.e2e.test_signals_collector import _settle, ingested, open_exercise, stored_summaries

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _outbox(page: Page) -> list[dict[str, Any]]:
    raw = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('candor.signals.outbox.'))"
        ".map(k => localStorage[k])"
    )
    return [entry["s"] for value in raw for entry in json.loads(value)]


def test_a_summary_queued_offline_arrives_exactly_once(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
    settings: Any,
) -> None:
    settings.CANDOR_SIGNALS_RETRY_BASE_MS = 200  # retries in tenths of seconds, not seconds
    uploads: list[tuple[str, list[dict[str, Any]]]] = []

    def watch(request: Any) -> None:
        if request.url.endswith("/api/v1/signals"):
            uploads.append((request.url, json.loads(request.post_data)["summaries"]))

    page.context.on("request", watch)
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    open_exercise(page, base, "short-text")
    page.locator("#answer").click()
    page.keyboard.type("of", delay=40)

    page.context.set_offline(True)
    page.keyboard.type("f")
    page.get_by_role("button", name="Check answer").click()  # the form post fails: no network
    page.wait_for_timeout(500)
    assert uploads == []  # offline, the collector does not even try: it queues

    page.context.set_offline(False)
    # What waits in browser storage: that one summary, nothing else (read from a page of the
    # same origin that runs no collector).
    other = page.context.new_page()
    other.goto(f"{base}/static/signals/collector.css")
    (queued,) = _outbox(other)
    other.close()
    client_id = queued["client_id"]
    assert queued["ended_by"] == "submit" and queued["insertions"] == 3
    # Back online, the learner returns to the exercise: the page sends what was queued.
    open_exercise(page, base, "short-text")
    ingested()
    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert s["client_id"] == client_id and s["insertions"] == 3
    # The offline form never reached the server, so its token names no attempt: after a few
    # 404s the summary is kept without it rather than lost.
    assert s["ended_by"] == "submit" and s["attempt_token"] is None

    # The learner sends the answer again; the old summary is not stored a second time.
    page.locator("#answer").fill("off")
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Correct")).to_be_visible()
    ingested()
    page.wait_for_timeout(1_500)  # any late retry of the old summary would arrive now
    rows = stored_summaries(consenting.lena)
    assert [r["summary"]["client_id"] for r in rows].count(client_id) == 1
    assert len(rows) == 2
    sent = [s["client_id"] for _, batch in uploads for s in batch]
    assert sent.count(client_id) >= 2  # sent more than once, stored once
