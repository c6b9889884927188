"""Mandatory-training operations in a real browser.

Adam (admin) creates a rule for Marketing due in 14 days and sees the preview; Lena (a
marketing learner) sees the new assignment, completes it, downloads her certificate and its
public verification page says valid. Then: an organisation import with problems, reminders a
learner can read again, and the compliance export. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from conftest import FIXTURE_CONTENT, PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MODULE = "/tracks/test-track/how-candor-works/"
RIGHT = [
    ("single-choice", lambda p: p.get_by_label(
        "Nobody but you; your manager sees only which modules you completed.").check()),
    ("multiple-choice", lambda p: (
        p.get_by_label("Offering you a hint when you seem stuck.").check(),
        p.get_by_label(
            "Showing authors which exercises are too hard, in anonymous statistics.").check())),
    ("numeric", lambda p: p.get_by_label("Your answer").fill("6")),
    ("short-text", lambda p: p.get_by_label("Your answer").fill("Off")),
    ("rubric", lambda p: p.get_by_label("Your answer").fill(
        "I tried the hint and re-read the lesson twice, but I am stuck on what the question "
        "means.")),
]  # fmt: skip


@pytest.fixture
def unassigned_course(people: Any) -> Any:
    """The fixture track imported, with no rule: nobody has it yet."""
    from candor.catalog.actions import do_import_content
    from candor.catalog.content import read_content

    tree = read_content(FIXTURE_CONTENT, run_reference=False)
    assert not tree.errors
    do_import_content(tree)
    return people


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_adam_assigns_marketing_and_lena_earns_a_verifiable_certificate(
    live_server: Any,
    page: Page,
    browser: Browser,
    unassigned_course: Any,
    login: Any,
    shoot: Any,
    axe_check: Any,
) -> None:
    base = live_server.url
    login(page, base, "adam@example.test", PASSWORD)
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Assignment rules").click()
    expect(page.get_by_text("No rules yet")).to_be_visible()
    page.get_by_role("link", name="New rule").click()

    page.get_by_label("Track").select_option(label="Test track")
    page.get_by_label("A department (and its sub-departments)").check()
    page.get_by_label("Department", exact=True).select_option(label="Marketing")
    page.get_by_label("Mandatory", exact=True).check()
    page.get_by_label("A number of days").check()
    page.get_by_label("Days to complete it").fill("14")
    page.get_by_label("Counted from").select_option(label="after the assignment")
    page.get_by_role("button", name="Preview changes").click()

    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Preview: who gains and loses what")).to_be_visible()
    for name in ("Lena Learner", "Leo Learner", "Maya Manager"):
        expect(preview.get_by_role("cell", name=name)).to_be_visible()
    expect(preview.get_by_role("cell", name="Otto Outsider")).to_have_count(0)
    due = timezone.localdate() + dt.timedelta(days=14)
    expect(preview).to_contain_text(f"due {due.day} {due:%b %Y}")
    expect(preview.locator(".tile").first).to_contain_text("3 assignments gained")
    axe_check(page)
    shoot(page, "ops-rule-preview")

    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Rule saved. 3 assignment(s) added")).to_be_visible()
    audience = page.get_by_role("cell", name="Marketing and its sub-departments", exact=True)
    expect(audience).to_be_visible()
    axe_check(page)
    shoot(page, "ops-rules-list")
    _sign_out(page)

    login(page, base, "lena@example.test", PASSWORD)
    mandatory = page.locator("section", has=page.get_by_role("heading", name="Mandatory"))
    expect(mandatory.get_by_role("link", name="How Candor works")).to_be_visible()
    expect(mandatory).to_contain_text("(in 14 days)")
    shoot(page, "ops-lena-new-assignment")

    page.get_by_role("link", name="Certificates").click()
    expect(page.get_by_text("No certificate yet.")).to_be_visible()
    page.goto(f"{base}{MODULE}lessons/lessons-and-exercises/")
    for slug, answer in RIGHT:
        page.goto(f"{base}{MODULE}exercises/{slug}/")
        answer(page)
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_role("heading", name="Correct")).to_be_visible()

    page.get_by_role("link", name="Certificates").click()
    expect(page.get_by_role("heading", name="Test track")).to_be_visible()
    axe_check(page)
    shoot(page, "ops-certificates")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    pdf_path = info.value.path()
    pdf = PdfReader(pdf_path)
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Lena Learner" in text and "Test track" in text
    assert f"Completion date: {timezone.localdate():%-d %B %Y}" in text
    code = page.locator(".cert code").inner_text()
    assert f"Verification code: {code}" in text

    # Anyone with the code, signed in or not, sees validity, track and date — nothing else.
    outside = browser.new_context(bypass_csp=True)  # no session: a stranger's browser
    stranger = outside.new_page()
    stranger.goto(f"{base}/verify/{code}/")
    expect(stranger.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(stranger.locator("main")).to_contain_text("Test track")
    expect(stranger.locator("main")).not_to_contain_text("Lena")
    axe_check(stranger)
    shoot(stranger, "ops-verify-valid")
    stranger.goto(f"{base}/verify/?code=not-a-real-code")
    expect(
        stranger.get_by_role("heading", name="No valid certificate has this code")
    ).to_be_visible()
    shoot(stranger, "ops-verify-unknown")
    # The PDF itself, as Chromium's viewer shows it (for the screenshot only).
    stranger.goto(f"file://{pdf_path}")
    stranger.wait_for_timeout(1500)
    shoot(stranger, "ops-certificate-pdf")
    outside.close()


def test_import_problems_reminders_and_compliance_export(
    live_server: Any,
    page: Page,
    assigned: Any,
    login: Any,
    shoot: Any,
    axe_check: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = live_server.url
    # Reminders 14 days ahead are due today: the real command plans and sends them (Django's
    # test mail backend), and Leo can read his again.
    monkeypatch.setenv("CANDOR_REMINDER_DAYS_BEFORE", "14")
    call_command("send_reminders", "--quiet")
    login(page, base, "leo@example.test", PASSWORD)
    page.get_by_role("link", name="Messages").click()
    expect(
        page.get_by_role("heading", name="Reminder: “How Candor works” is due in 14 days")
    ).to_be_visible()
    page.get_by_text("Read the message").click()
    expect(page.locator(".email-body")).to_contain_text("Hello Leo")
    axe_check(page)
    shoot(page, "ops-messages")
    _sign_out(page)

    login(page, base, "adam@example.test", PASSWORD)
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Organisation import").click()
    bad = (
        b"email,full_name,department,manager_email,roles\n"
        b"adam@example.test,Adam Admin,company,,learner;admin\n"
        b"new@example.test,New Person,Atlantis,,learner\n"
        b"c1@example.test,C1,sales,c2@example.test,learner\n"
        b"c2@example.test,C2,sales,c1@example.test,learner\n"
        b"adam@example.test,Adam Again,company,,learner;wizard\n"
    )
    page.get_by_label("People file (CSV, UTF-8)").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.get_by_role("button", name="Check only (dry run)").click()
    report = page.locator("#report")
    expect(report.get_by_role("heading")).to_contain_text("problems — nothing was imported")
    expect(report).to_contain_text("people.csv line 3: department “Atlantis” does not exist")
    expect(report).to_contain_text("the manager chain goes in a circle")
    expect(report).to_contain_text("line 6: adam@example.test is already on line 2")
    axe_check(page)
    shoot(page, "ops-import-problems")

    page.get_by_role("link", name="People").first.click()
    expect(page.get_by_role("link", name="Lena Learner")).to_be_visible()
    axe_check(page)
    shoot(page, "ops-people")
    page.get_by_role("link", name="Lena Learner").click()
    expect(page.get_by_label("Manager's email")).to_have_value("maya@example.test")
    axe_check(page)
    shoot(page, "ops-person")
    page.get_by_role("link", name="Administration").click()
    # 8 learners' reminders and this week's digests for maya and sam.
    expect(page.locator(".tile").filter(has_text="reminders and digests sent")).to_contain_text(
        "10"
    )
    axe_check(page)
    shoot(page, "ops-admin-overview")

    page.get_by_role("link", name="Compliance export").click()
    axe_check(page)
    shoot(page, "ops-compliance")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    with open(info.value.path(), encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert len(rows) == 8 and {r["status"] for r in rows} == {"not completed"}
