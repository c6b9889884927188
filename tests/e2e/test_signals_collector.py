# Fixtures are imported from other modules (unused names to ruff) and named as test parameters
# (redefinitions to ruff): both are how pytest finds them.
# ruff: noqa: F401, F811
"""The collector in real Chromium: what is stored matches what the script did.

Each test types with scripted gaps (``keyboard.type`` delays and explicit waits) and compares
the stored summary with the ground truth computed from the script: counts exactly, times
within 100 ms per gap (plus the browser's coarsening to whole seconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from candor.signals.tests.conftest import (  # noqa: F401 - fixtures
    _fresh_vault_cache,
    consenting,
    exercises,
    org_on,
)
from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MODULE = "/tracks/test-track/how-candor-works/exercises/"
TYPE_DELAY = 80  # ms between key presses: active typing
PER_GAP_MS = 100  # the tolerance the issue sets per scripted gap
COARSE_MS = 500  # whole seconds: each time field is within ±0.5 s of the exact value


@pytest.fixture(autouse=True)
def _settle(page: Page, live_server: Any) -> Any:
    """Leave the page before the database is torn down (this fixture depends on the live
    server, so it is torn down first): leaving sends the page's last summary with keepalive,
    which the live server must handle while the test database still exists."""
    yield
    page.goto("about:blank")
    page.wait_for_timeout(1_000)


@pytest.fixture
def ingested(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """ingested(n): wait until n uploads have committed new rows on the live server.

    The live server runs in this process, so a hook in the ingestion transaction can tell the
    test. (Polling the database instead would take table locks on the test's shared-cache
    in-memory SQLite and make the server's write fail; uploads sent with keepalive while a
    page unloads are not reported to the Playwright page either.)
    """
    from django.db import transaction

    from candor.signals import ingestion

    committed = threading.Semaphore(0)

    def hook(user: Any, stored: list[Any], consent: Any) -> None:
        if stored:
            transaction.on_commit(committed.release)

    monkeypatch.setattr(ingestion, "AFTER_INGEST", [hook])

    def wait(n: int = 1, timeout: float = 20.0) -> None:
        for _ in range(n):
            assert committed.acquire(timeout=timeout), "no summary was stored in time"

    return wait


@dataclass
class Script:
    """The ground truth, accumulated while the script drives the browser."""

    active_gaps: list[int] = field(default_factory=list)
    idle_gaps: list[int] = field(default_factory=list)
    pauses: dict[str, int] = field(
        default_factory=lambda: {"s2_15": 0, "s15_180": 0, "s180_600": 0, "s600_plus": 0}
    )
    keystrokes: int = 0
    insertions: int = 0
    deletions: int = 0

    def typed(self, page: Page, text: str) -> None:
        page.keyboard.type(text, delay=TYPE_DELAY)
        self.keystrokes += len(text)
        self.insertions += len(text)
        self.active_gaps += [TYPE_DELAY] * (len(text) - 1)

    def backspaces(self, page: Page, n: int) -> None:
        for i in range(n):
            if i:
                page.wait_for_timeout(TYPE_DELAY)
                self.active_gaps.append(TYPE_DELAY)
            page.keyboard.press("Backspace")
        self.keystrokes += n
        self.deletions += n

    def quick(self) -> None:
        """The next edit follows the previous one after one typing delay."""
        self.active_gaps.append(TYPE_DELAY)

    def wait(self, page: Page, ms: int, *, pause: bool = True) -> None:
        page.wait_for_timeout(ms)
        self.idle_gaps.append(ms)
        if pause:
            self.pauses["s2_15" if ms < 15_000 else "s15_180"] += 1


def stored_summaries(user: Any) -> list[dict[str, Any]]:
    from candor.signals.access import my_signal_summaries

    return my_signal_summaries(user)


def within(actual: int, expected: float, gaps: int) -> bool:
    return abs(actual - expected) <= PER_GAP_MS * max(1, gaps) + COARSE_MS


def check_times(summary: dict[str, Any], script: Script, lead_ms: float, trail_ms: float) -> None:
    active = sum(script.active_gaps)
    idle = sum(script.idle_gaps) + lead_ms + trail_ms
    assert within(summary["active_ms"], active, len(script.active_gaps)), (summary, active)
    assert within(summary["idle_ms"], idle, len(script.idle_gaps) + 2), (summary, idle)
    assert summary["time_on_task_ms"] == summary["active_ms"] + summary["idle_ms"]
    assert summary["break_ms"] == 0 and summary["hidden_ms"] == 0


def open_exercise(page: Page, base: str, slug: str) -> None:
    page.goto(f"{base}{MODULE}{slug}/")
    page.wait_for_function("() => document.getElementById('signals-config') !== null")


def since_collector_started(page: Page) -> float:
    """Milliseconds since the collector started: module scripts run just before
    DOMContentLoaded, so the page's own navigation timing says when, to a few ms."""
    return page.evaluate(
        "() => performance.now()"
        " - performance.getEntriesByType('navigation')[0].domContentLoadedEventStart"
    )


@pytest.mark.parametrize(
    ("slug", "first", "second", "third"),
    [
        ("rubric", "I tried th", "e h", "int"),  # textarea
        ("short-text", "offf", "of", "f"),  # text input
        ("numeric", "61", "77", "6"),  # text input (decimal)
    ],
)
def test_typing_into_each_text_field_matches_the_script(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
    slug: str,
    first: str,
    second: str,
    third: str,
) -> None:
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    script = Script()
    open_exercise(page, base, slug)
    field = page.locator("#answer")
    page.wait_for_timeout(2_500)  # reading the prompt: an idle lead, not a pause
    field.click()
    lead = since_collector_started(page)
    script.typed(page, first)
    script.wait(page, 3_000)
    script.typed(page, second)
    script.quick()
    page.wait_for_timeout(TYPE_DELAY)
    script.backspaces(page, 3)
    script.wait(page, 2_200)
    script.typed(page, third)
    trail_start = time.monotonic()
    page.wait_for_timeout(2_300)  # re-reading before submitting: idle, not a pause
    page.get_by_role("button", name="Check answer").click()
    trail = (time.monotonic() - trail_start) * 1000
    expect(page.locator("#result")).to_be_visible()
    ingested()

    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert s["ended_by"] == "submit" and s["submissions"] == 1 and s["runs"] == 0
    from candor.learning.models import Attempt

    attempt = Attempt.objects.get(user=consenting.lena, exercise__slug=slug)
    assert s["attempt_token"] == str(attempt.client_token)
    assert row["server"]["attempt_number"] == 1
    assert (s["keystrokes"], s["insertions"], s["deletions"]) == (
        script.keystrokes,
        script.insertions,
        script.deletions,
    )
    assert s["pauses"] == script.pauses
    assert (s["pastes"], s["undo_count"], s["hints_used"], s["hints_shown"]) == (0, 0, 0, 0)
    check_times(s, script, lead, trail)
    # Speed and corrections are derived from the counts as the spec says.
    assert s["correction_rate"] == round(script.deletions / script.insertions, 2)
    # cpm = insertions per minute of exact active time, which is within the gap tolerance.
    active, slack = sum(script.active_gaps), PER_GAP_MS * len(script.active_gaps)
    assert script.insertions * 60_000 / (active + slack) <= s["typing_speed_cpm"]
    assert s["typing_speed_cpm"] <= script.insertions * 60_000 / max(1, active - slack) or (
        active <= slack
    )


def test_a_choice_exercise_counts_time_and_focus_only(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
) -> None:
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    open_exercise(page, base, "single-choice")
    page.wait_for_timeout(2_200)
    lead = since_collector_started(page)
    page.get_by_label("Your manager, so they can help you improve.").check()
    page.wait_for_timeout(3_000)  # a pause between two choices
    page.get_by_label("Nobody but you; your manager sees only which modules you completed.").check()
    # The learner switches to another window while the option has focus.
    page.evaluate("window.dispatchEvent(new Event('blur'))")
    trail_start = time.monotonic()
    page.wait_for_timeout(2_100)
    page.get_by_role("button", name="Check answer").click()
    trail = (time.monotonic() - trail_start) * 1000
    ingested()
    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert (s["keystrokes"], s["insertions"], s["deletions"], s["typing_speed_cpm"]) == (0, 0, 0, 0)
    assert s["focus_losses"] == 1
    assert s["pauses"] == {"s2_15": 1, "s15_180": 0, "s180_600": 0, "s600_plus": 0}
    assert within(s["idle_ms"], lead + 3_000 + trail, 3), (s, lead, trail)
    assert row["server"]["attempt_correct"] is True
