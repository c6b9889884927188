"""Operations polish in a real browser.

Lena answers the last exercise of her mandatory module and her dashboard at once offers the
certificate (no visit to the certificates page needed to issue it); the PDF downloads, and
Leo gets a 404 for it. Adam opens the Admin menu, adds a department, renames it, is refused a
move into a circle and deletes it. The header for Adam — with every role — stays one nav line
at 1280×800 and collapses into a menu at 390×844. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MODULE = "/tracks/test-track/how-candor-works/"
ANSWERED_ON_THE_SERVER = {
    "single-choice": "1",
    "multiple-choice": ["0", "1"],
    "numeric": "6",
    "short-text": "Off",
}


def test_lena_completes_her_module_and_downloads_the_certificate(
    live_server: Any,
    page: Page,
    browser: Browser,
    assigned: Any,
    login: Any,
    shoot: Any,
    axe_check: Any,
) -> None:
    from candor.catalog.models import Exercise, Lesson
    from candor.learning.actions import do_record_lesson_view, do_submit_answer

    # Everything but the last exercise is done already (fast); the browser does the rest.
    lena = assigned.lena
    for lesson in Lesson.objects.all():
        do_record_lesson_view(lena, lesson)
    for slug, answer in ANSWERED_ON_THE_SERVER.items():
        do_submit_answer(lena, Exercise.objects.get(slug=slug), answer, uuid.uuid4())

    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)
    expect(page.get_by_text("Certificate ready")).to_have_count(0)
    page.goto(f"{base}{MODULE}exercises/rubric/")
    page.get_by_label("Your answer").fill(
        "I tried the hint and re-read the lesson twice, but I am stuck on what the question means."
    )
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Correct")).to_be_visible()

    page.goto(f"{base}{MODULE}")
    expect(page.locator(".module-progress")).to_contain_text("Certificate ready — download (PDF)")
    page.get_by_role("link", name="My training").click()
    ready = page.locator(".cert-ready")
    expect(ready).to_contain_text("Certificate ready — download (PDF)")
    expect(ready).to_contain_text("Test track")
    axe_check(page)
    shoot(page, "polish-dashboard-certificate-ready")
    with page.expect_download() as info:
        ready.get_by_role("link", name=re.compile(r"^download \(PDF\)")).click()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(info.value.path()).pages).split())
    assert "Lena Learner" in text and "Test track" in text
    href = ready.get_by_role("link").get_attribute("href")

    # Leo, signed in, asks for Lena's certificate: as if it did not exist.
    other = browser.new_context()
    leo = other.new_page()
    login(leo, base, "leo@example.test", PASSWORD)
    response = leo.goto(f"{base}{href}")
    assert response is not None and response.status == 404
    other.close()


def test_adam_creates_renames_and_deletes_a_department(
    live_server: Any, page: Page, people: Any, login: Any, shoot: Any, axe_check: Any
) -> None:
    base = live_server.url
    login(page, base, "adam@example.test", PASSWORD)
    page.locator(".nav-more > summary").click()  # the Admin menu in the header
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Departments").click()
    expect(page.get_by_role("heading", name="Departments", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Marketing Company 3 3"))).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Add a department").click()
    page.get_by_label("Name").fill("Data Platform")
    page.get_by_label("Part of").select_option(label="Company")
    page.get_by_role("button", name="Add department").click()
    expect(page.get_by_text("Department Data Platform added.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(r"^Data Platform Company 0 0 data-platform"))
    expect(row).to_be_visible()
    shoot(page, "polish-departments")

    row.get_by_role("link", name="Data Platform").click()
    page.get_by_label("Name").fill("Data & AI")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Data & AI renamed.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Data & AI Company 0 0 data-platform")))

    # Company under its own child: refused in plain words.
    page.get_by_role("link", name="Company", exact=True).click()
    page.get_by_label("Part of").select_option(label="Company › Data & AI")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    expect(page.get_by_text("Company cannot move under Data & AI")).to_be_visible()
    axe_check(page)
    shoot(page, "polish-department-circle-refused")

    page.get_by_role("link", name="Back to departments").click()
    page.get_by_role("link", name="Data & AI").click()
    page.get_by_role("link", name="Delete Data & AI…").click()
    page.get_by_role("button", name="Delete department").click()
    expect(page.get_by_text("Department Data & AI deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Data & AI")).to_have_count(0)


def _nav_lines(page: Page) -> int:
    tops = page.eval_on_selector_all(
        ".nav > li", "items => items.map(li => Math.round(li.getBoundingClientRect().top))"
    )
    return len(set(tops))


def test_admin_header_fits_on_desktop_and_phone(
    live_server: Any, page: Page, people: Any, login: Any, shoot: Any, axe_check: Any
) -> None:
    adam = people.adam  # every role at once: the longest nav there is
    adam.is_manager = adam.is_author = adam.is_privacy_officer = True
    adam.save()
    base = live_server.url
    login(page, base, "adam@example.test", PASSWORD)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/")
    header = page.locator(".site-header")
    assert _nav_lines(page) == 1
    box = header.bounding_box()
    assert box is not None and box["height"] < 110, box
    expect(page.get_by_role("link", name="Admin", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Privacy settings")).to_be_hidden()
    page.locator(".nav-more > summary").click()
    expect(page.get_by_role("link", name="Privacy settings")).to_be_visible()
    expect(page.get_by_role("link", name="Privacy centre")).to_be_visible()
    axe_check(page)
    shoot(page, "polish-header-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = header.bounding_box()
    assert box is not None and box["height"] < 70, box
    expect(page.get_by_role("link", name="My data")).to_be_hidden()
    shoot(page, "polish-header-390")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="My data")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.locator(".nav-more > summary").click()
    expect(page.get_by_role("link", name="Departments")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page)
    shoot(page, "polish-header-390-menu")
