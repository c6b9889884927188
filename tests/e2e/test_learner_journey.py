"""Lena signs in, reads a lesson, answers each exercise kind wrongly then rightly, and sees her
progress bar move; then Maya sees Lena's progress on her team page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MODULE = "/tracks/test-track/how-candor-works/"


def _progress(page: Page) -> int:
    page.goto(page.url.split("/tracks/")[0] + MODULE)
    return int(page.locator("#module-progress").get_attribute("value") or 0)


def _answer(page: Page, base: str, slug: str, fill: Any) -> None:
    page.goto(f"{base}{MODULE}exercises/{slug}/")
    fill(page)
    page.get_by_role("button", name="Check answer").or_(
        page.get_by_role("button", name="Try again")
    ).click()
    page.wait_for_load_state()


def test_lena_learns_and_maya_sees_completion(
    live_server: Any, page: Page, assigned: Any, login: Any, shoot: Any, axe_check: Any
) -> None:
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Lena")).to_be_visible()
    expect(page.get_by_text("How Candor works").first).to_be_visible()
    axe_check(page)
    shoot(page, "dashboard")

    assert _progress(page) == 0
    page.get_by_role("link", name="Lessons, exercises and feedback").click()
    expect(page.get_by_role("heading", name="What your manager sees")).to_be_visible()
    axe_check(page)
    shoot(page, "lesson")
    after_lesson = _progress(page)
    assert after_lesson > 0

    steps = [
        (
            "single-choice",
            lambda p: p.get_by_label("Your manager, so they can help you improve.").check(),
            lambda p: p.get_by_label(
                "Nobody but you; your manager sees only which modules you completed."
            ).check(),
        ),
        (
            "multiple-choice",
            lambda p: p.get_by_label("Ranking learners by typing speed.").check(),
            lambda p: (
                p.get_by_label("Offering you a hint when you seem stuck.").check(),
                p.get_by_label(
                    "Showing authors which exercises are too hard, in anonymous statistics."
                ).check(),
            ),
        ),
        (
            "numeric",
            lambda p: p.get_by_label("Your answer").fill("7"),
            lambda p: p.get_by_label("Your answer").fill("6"),
        ),
        (
            "short-text",
            lambda p: p.get_by_label("Your answer").fill("on"),
            lambda p: p.get_by_label("Your answer").fill("Off"),
        ),
        (
            "rubric",
            lambda p: p.get_by_label("Your answer").fill(
                "Please help me with this exercise, I need the answer."
            ),
            lambda p: p.get_by_label("Your answer").fill(
                "I tried the hint and re-read the lesson twice, "
                "but I am stuck on what the question means."
            ),
        ),
    ]
    previous = after_lesson
    for slug, wrong, right in steps:
        _answer(page, base, slug, wrong)
        expect(page.get_by_role("heading", name="Not quite")).to_be_visible()
        if slug == "multiple-choice":
            expect(page.get_by_text("Never. Nobody but you sees your own numbers.")).to_be_visible()
            axe_check(page)
            shoot(page, "exercise-feedback-wrong")
        _answer(page, base, slug, right)
        expect(page.get_by_role("heading", name="Correct")).to_be_visible()
        if slug == "rubric":
            shoot(page, "exercise-feedback-right")
        now = _progress(page)
        assert now > previous, slug
        previous = now
    assert previous == 100
    expect(page.get_by_text("Completed", exact=False).first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    login(page, base, "maya@example.test", PASSWORD)
    page.get_by_role("link", name="My team").click()
    lena = page.locator("section.person", has_text="Lena Learner")
    expect(lena.get_by_text("Completed", exact=False)).to_be_visible()
    leo = page.locator("section.person", has_text="Leo Learner")
    expect(leo.get_by_text("Not started")).to_be_visible()
    axe_check(page)
    shoot(page, "manager-team")
