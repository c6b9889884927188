"""Insights in a real browser: Ari releases a course report and sees the hard exercise stand
out with its interval; Maya sees her team's compliance and exports it; Lena sees her own
trends and where she got stuck. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(assigned: Any, course: Any, settings: Any) -> Any:
    """80 synthetic learners on the fixture course through the real paths; one hard exercise."""
    from candor.insights.demo.history import generate
    from candor.vault import api as vault

    vault.reset()
    settings.CANDOR_INSIGHTS_EPSILON_PER_QUARTER = "48"
    settings.CANDOR_INSIGHTS_EPSILON_PER_RELEASE = "24"
    settings.CANDOR_INSIGHTS_INLINE = False  # built in the background, with its progress
    settings.CANDOR_INSIGHTS_WORKERS = 0  # … by `candor insights-worker`, run by the test
    return generate([course], learners=80, days=20, hard_per_track=1, consent_share=1.0)


def test_ari_releases_a_report_and_the_hard_exercise_stands_out(
    live_server: Any, page: Page, history: Any, login: Any, shoot: Any, axe_check: Any
) -> None:
    base = live_server.url
    (hard,) = history.hard
    login(page, base, "ari@example.test", PASSWORD)
    page.get_by_role("link", name="Course reports").click()
    expect(page.get_by_role("heading", name="Course reports")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Test track").click()
    for label in ("Completion rate", "Attempts to pass", "Idle share", "Correction rate",
                  "Paste share", "Hint uptake", "Repeated error density"):  # fmt: skip
        page.get_by_label(label).uncheck()
    page.get_by_label("Pass rate").check()
    page.get_by_label("Median time on task").check()
    page.get_by_role("button", name="Show this report").click()
    expect(page.get_by_text("This report has not been released yet.")).to_be_visible()
    axe_check(page)
    shoot(page, "insights-report-before-release")

    page.get_by_role("button", name="Release this report").click()
    # Built off the request path: the page shows the release waiting, with its progress…
    progress = page.locator("[data-release-status-url]")
    expect(progress).to_contain_text("Waiting for a worker")
    expect(progress.get_by_role("status")).to_be_visible()
    axe_check(page)
    shoot(page, "insights-report-waiting")
    # …a worker builds it, and the page (polling) reloads with the report by itself.
    call_command("insights_worker", "--once", verbosity=0)
    callout = page.get_by_role("note")
    expect(callout).to_be_visible(timeout=30_000)
    expect(callout).to_contain_text(hard)
    chart = page.locator('canvas[data-chart="intervals"]')
    expect(chart).to_have_attribute("data-ready", "1")
    expect(chart).to_have_attribute("data-metric", "pass_rate")
    row = page.locator("tr.row-hard")
    expect(row).to_contain_text(hard)
    expect(row).to_contain_text("Clearly harder")
    expect(row.locator("td .cell-sub").first).to_contain_text("–")  # its 95 % interval
    expect(page.get_by_text("Shown again from the ledger")).to_be_visible()
    axe_check(page)
    shoot(page, "insights-report-released")

    page.get_by_label("Statistic", exact=True).select_option("median_time")
    expect(chart).to_have_attribute("data-metric", "median_time")
    chart.scroll_into_view_if_needed()
    shoot(page, "insights-report-median-time")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert {r["metric"] for r in rows if r["metric"]} == {"pass_rate", "median_time"}

    # Reloading shows the same release from the ledger: the budget did not move.
    page.goto(page.url)
    expect(page.get_by_text("ε 24 of 48")).to_be_visible()


def test_maya_sees_her_teams_compliance_and_exports_it(
    live_server: Any, page: Page, assigned: Any, login: Any, shoot: Any, axe_check: Any
) -> None:
    import datetime as dt

    from candor.learning.models import Assignment

    Assignment.objects.filter(user=assigned.leo).update(
        due_on=dt.date.today() - dt.timedelta(days=2)
    )
    base = live_server.url
    login(page, base, "maya@example.test", PASSWORD)
    page.goto(f"{base}/team/compliance/")
    expect(page.get_by_role("heading", name="Mandatory training: team compliance")).to_be_visible()
    expect(page.get_by_role("heading", name="Overdue")).to_be_visible()
    overdue = page.locator("section", has=page.get_by_role("heading", name="Overdue"))
    expect(overdue).to_contain_text("Leo Learner")
    expect(page.get_by_text("0 of 2")).to_be_visible()
    axe_check(page)
    shoot(page, "team-compliance")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    assert header == ["person", "track", "module", "due_on", "status", "completed_on"]
    assert {r[0] for r in rows} == {"Lena Learner", "Leo Learner"}


def test_lena_sees_her_own_trends_and_where_she_got_stuck(
    live_server: Any, page: Page, assigned: Any, course: Any, login: Any, shoot: Any,
    axe_check: Any,
) -> None:  # fmt: skip
    import json
    import random
    import uuid

    from candor.catalog.models import Exercise
    from candor.insights.demo.answers import answers_for
    from candor.insights.demo.history import ensure_signals_on, summary_for
    from candor.learning.actions import do_submit_answer
    from candor.privacy.consent import do_set_consent
    from candor.signals.ingestion import ingest
    from candor.signals.schemas import parse_batch

    lena = assigned.lena
    ensure_signals_on()
    do_set_consent(lena, learner_help=True, course_improvement=False)
    rng = random.Random(4)
    summaries = []
    for ex in Exercise.objects.filter(module__track=course).order_by("order"):
        answers = answers_for(ex.kind, ex.spec)
        assert answers is not None
        tries = 3 if ex.kind == "numeric" else 1
        for attempt in range(1, tries + 1):
            token = uuid.uuid4()
            right = attempt == tries
            do_submit_answer(lena, ex, answers.right if right else answers.wrong, token)
            summaries.append(summary_for(ex, rng, hard=tries > 1, token=token, attempt=attempt,
                                         ability=0.0))  # fmt: skip
    ingest(lena, parse_batch(json.dumps({"summaries": summaries}).encode()))

    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    page.get_by_role("link", name="My insights").click()
    expect(page.get_by_role("heading", name="My insights")).to_be_visible()
    stuck = page.locator(".stuck-list")
    expect(stuck).to_contain_text("Minutes to spare")
    expect(stuck).to_contain_text("passed on try 3")
    expect(stuck.get_by_role("link", name="Open the exercise's hints").first).to_be_visible()
    expect(page.locator('canvas[data-chart="trend"]').first).to_have_attribute("data-ready", "1")
    axe_check(page)
    shoot(page, "my-insights")
