"""Lena types a solution with a mistake into the code editor (real key presses), runs it,
sees the failing test's message, fixes it, submits and passes — graded in the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]
URL = "/tracks/code-track/code-practice/exercises/average/"


def test_run_fail_fix_submit_pass(
    live_server: Any, page: Page, assigned: Any, login: Any, shoot: Any, axe_check: Any
) -> None:
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    page.goto(base + URL)
    editor = page.locator(".cm-content")
    expect(editor).to_be_visible()  # CodeMirror mounted under the strict CSP
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    # A mistake: off by one in the divisor. Auto-indent supplies the body's indentation.
    page.keyboard.type("def average(values):\nreturn sum(values) / (len(values) + 1)", delay=15)
    page.get_by_role("button", name="Run visible tests").click()
    result = page.locator("#result")
    expect(result.get_by_text("expected 2, got 1.5")).to_be_visible(timeout=60_000)
    expect(result.get_by_role("heading", name="Run of the visible tests")).to_be_visible()
    shoot(page, "code-run-failing")
    axe_check(page)

    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("def average(values):\nif not values:\nreturn 0.0\n", delay=10)
    page.keyboard.press("Shift+Tab")  # dedent back to the function body
    page.keyboard.type("return sum(values) / len(values)", delay=10)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#result").get_by_role("heading", name="Correct")).to_be_visible(
        timeout=60_000
    )
    shoot(page, "code-submit-passed")
