# Fixtures are imported from other modules (unused names to ruff) and named as test parameters
# (redefinitions to ruff): both are how pytest finds them.
# ruff: noqa: F401, F811
"""The collector's other duties in real Chromium: pastes, undo, hints, help when stuck, the
code editor's events, hidden time, long gaps and leaving without submitting."""

from __future__ import annotations

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
from tests.e2e.test_signals_collector import (  # noqa: F401 - fixture
    _settle,
    ingested,
    open_exercise,
    stored_summaries,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _leave(page: Page, ingested: Any) -> None:
    page.goto("about:blank")  # pagehide: the summary goes with keepalive
    ingested()


def test_paste_undo_cut_and_hints_are_counted_and_help_is_offered(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
    shoot: Any,
    axe_check: Any,
) -> None:
    base = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    login(page, base, "lena@example.test", PASSWORD)
    open_exercise(page, base, "rubric")
    page.locator("#answer").click()
    page.keyboard.type("I tried it twice", delay=20)  # 16 characters
    page.evaluate("navigator.clipboard.writeText('and re-read the lesson')")  # 22 characters
    page.keyboard.press("Control+V")
    page.keyboard.press("Control+Z")  # undoes the paste
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+X")  # cuts all 16 characters: not a keystroke
    expect(page.locator(".signals-offer")).to_have_count(0)
    for _ in range(4):
        page.keyboard.type("abcde", delay=10)
        for _ in range(5):
            page.keyboard.press("Backspace")  # heavy correction: 20 removed, 20 typed
    offer = page.locator(".signals-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Lots of rewriting")
    axe_check(page)
    shoot(page, "signals-help-offer")
    offer.get_by_role("button", name="Show hint 1").click()
    expect(page.locator('details.hint[data-hint-index="0"]')).to_have_attribute("open", "")
    _leave(page, ingested)
    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert s["ended_by"] == "hide" and s["attempt_token"] is None and s["submissions"] == 0
    assert (s["pastes"], s["pasted_chars"], s["undo_count"]) == (1, 22, 1)
    assert s["insertions"] == 16 + 20
    assert s["deletions"] == 16 + 20
    assert s["keystrokes"] == 16 + 20 + 20
    assert (s["hints_shown"], s["hints_used"]) == (1, 1)


def test_idle_without_progress_offers_a_hint_that_can_be_declined(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
    settings: Any,
) -> None:
    settings.CANDOR_SIGNALS_IDLE_HINT_SECONDS = 2
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    open_exercise(page, base, "short-text")
    page.locator("#answer").click()
    page.keyboard.type("o")
    offer = page.locator(".signals-offer")
    expect(offer).to_be_visible(timeout=10_000)
    expect(offer).to_contain_text("Taking a moment")
    offer.get_by_role("button", name="Not now").click()
    expect(offer).to_have_count(0)
    _leave(page, ingested)
    (row,) = stored_summaries(consenting.lena)
    assert (row["summary"]["hints_shown"], row["summary"]["hints_used"]) == (1, 0)


def test_repeated_failures_offer_a_hint_on_the_result_page(
    live_server: Any,
    page: Page,
    consenting: Any,
    exercises: Any,
    login: Any,
    ingested: Any,
) -> None:
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    for wrong in ("on", "maybe"):
        open_exercise(page, base, "short-text")
        page.locator("#answer").fill(wrong)
        page.get_by_role("button", name="Check answer").or_(
            page.get_by_role("button", name="Try again")
        ).click()
        expect(page.get_by_role("heading", name="Not quite")).to_be_visible()
    expect(page.locator(".signals-offer")).to_contain_text("taken a few tries")
    _leave(page, ingested)


def test_hidden_time_is_measured_and_left_out_of_time_on_task(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
) -> None:
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    open_exercise(page, base, "short-text")
    page.locator("#answer").click()
    page.keyboard.type("of", delay=50)
    # Headless Chromium never hides a page by itself: switch visibility as the browser would.
    page.evaluate(
        """() => {
          Object.defineProperty(
            document, 'visibilityState', {configurable: true, get: () => 'hidden'});
          document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    page.wait_for_timeout(4_000)
    page.evaluate(
        """() => {
          Object.defineProperty(
            document, 'visibilityState', {configurable: true, get: () => 'visible'});
          document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    page.keyboard.type("f")  # the gap spans the hidden time: only its visible part counts
    _leave(page, ingested)
    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert 3_000 <= s["hidden_ms"] <= 5_000
    assert s["pauses"]["s2_15"] == 0
    assert s["time_on_task_ms"] < 4_000


def test_long_gaps_use_the_page_clock(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
) -> None:
    """Breaks and minutes-long pauses, without waiting minutes: Playwright's clock drives
    performance.now() in the page."""
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    page.clock.install()
    open_exercise(page, base, "short-text")
    page.locator("#answer").click()
    page.keyboard.type("a")
    page.clock.fast_forward(20_000)  # 20 s: a pause of [15 s, 3 min)
    page.keyboard.type("b")
    page.clock.fast_forward(200_000)  # 3 min 20 s: [3 min, 10 min)
    page.keyboard.type("c")
    page.clock.fast_forward(700_000)  # 11 min 40 s: a break, not time on task
    page.keyboard.type("d")
    _leave(page, ingested)
    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert s["pauses"] == {"s2_15": 0, "s15_180": 1, "s180_600": 1, "s600_plus": 1}
    assert s["break_ms"] == 700_000
    assert 220_000 <= s["idle_ms"] <= 222_000
    assert s["time_on_task_ms"] == s["active_ms"] + s["idle_ms"]


def test_the_code_editor_reports_counts_and_its_textarea_is_not_counted_twice(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
) -> None:
    """The editor's contract: a `candor:editor-input` event per change on its textarea, with
    counts and a kind. (Played here on an editor textarea added to a text exercise.)"""
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    open_exercise(page, base, "rubric")
    page.evaluate(
        """() => {
          const t = document.createElement('textarea');
          t.dataset.editor = 'python';
          t.name = 'code';
          document.getElementById('answer-form').append(t);
          const send = (detail) => t.dispatchEvent(
            new CustomEvent('candor:editor-input', {detail, bubbles: true}));
          for (let i = 0; i < 12; i += 1) send({inserted: 1, deleted: 0, kind: 'type'});
          send({inserted: 0, deleted: 2, kind: 'delete'});
          send({inserted: 30, deleted: 0, kind: 'paste'});
          send({inserted: 0, deleted: 0, kind: 'undo'});
          send({inserted: 5, deleted: 0, kind: 'autocomplete'});
          t.focus();
        }"""
    )
    page.keyboard.type("xy")  # reaches the textarea as native input too: must not count again
    _leave(page, ingested)
    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert (s["keystrokes"], s["insertions"], s["deletions"]) == (13, 12, 2)
    assert (s["pastes"], s["pasted_chars"], s["undo_count"]) == (1, 30, 1)


def test_typing_in_the_real_code_editor_is_counted_once(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
) -> None:
    """frontend/editor.js (CodeMirror) reports each change as `candor:editor-input`; the
    textarea behind it is not counted again."""
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    page.goto(f"{base}/tracks/code-track/code-practice/exercises/average/")
    page.wait_for_function("() => document.getElementById('signals-config') !== null")
    editor = page.locator(".cm-content")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("x = 41 + 1", delay=30)  # no brackets or quotes: nothing auto-closed
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Control+z")
    _leave(page, ingested)
    (row,) = stored_summaries(consenting.lena)
    s = row["summary"]
    assert (s["keystrokes"], s["insertions"], s["deletions"]) == (12, 10, 2)
    assert s["undo_count"] == 1
