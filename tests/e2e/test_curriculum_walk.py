"""Walk one lesson and one exercise of every shipped track in Chromium, with screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CONTENT = Path(__file__).resolve().parents[2] / "content"


def _answer(page: Page, kind: str) -> None:
    form = page.locator("#answer-form")
    if kind in {"single_choice", "multiple_choice"}:
        form.locator("input[name=answer]").first.check()
    elif kind == "numeric":
        page.get_by_label("Your answer", exact=False).fill("1")
    elif kind == "short_text":
        page.get_by_label("Your answer").fill("not sure")
    elif kind == "rubric":
        page.get_by_label("Your answer").fill("A first draft answer that is probably too short.")
    if kind == "code":
        page.get_by_role("button", name="Run visible tests").click()
    else:
        page.get_by_role("button", name="Check answer").click()


def test_walk_every_track(
    live_server: Any, page: Page, people: Any, login: Any, shoot: Any, axe_check: Any
) -> None:
    from candor.catalog.actions import do_import_content
    from candor.catalog.content import read_content
    from candor.catalog.models import Track

    tree = read_content(CONTENT, run_reference=False)
    assert not tree.errors, tree.errors[:5]
    do_import_content(tree)
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    tracks = list(Track.objects.filter(is_retired=False).exclude(slug="getting-started"))
    assert len(tracks) >= 7
    for track in tracks:
        module = track.modules.filter(is_retired=False).first()
        lesson = module.lessons.filter(is_retired=False).first()
        page.goto(f"{base}/tracks/{track.slug}/{module.slug}/lessons/{lesson.slug}/")
        expect(page.get_by_role("heading", name=lesson.title, level=1)).to_be_visible()
        shoot(page, f"walk-{track.slug}-lesson")
        exercise = module.exercises.filter(is_retired=False).first()
        page.goto(f"{base}/tracks/{track.slug}/{module.slug}/exercises/{exercise.slug}/")
        expect(page.get_by_role("heading", name=exercise.title, level=1)).to_be_visible()
        _answer(page, exercise.kind)
        expect(page.locator("#result h2")).to_be_visible(timeout=30_000)
        shoot(page, f"walk-{track.slug}-exercise")
    axe_check(page)
