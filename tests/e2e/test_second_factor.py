"""An admin, with the second factor required, sets up an authenticator app in a real browser.

Adam signs in with his password, is sent to the set-up page, reads the key off the page (as
someone would type it into an app), turns it on with a code computed by pyotp, saves his
recovery codes and reaches the admin page. Signing in again asks for a code; then he resets
Priya's second factor from her person page. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_the_second_factor_and_reaches_the_admin_page(
    live_server: Any, page: Page, people: Any, settings: Any, shoot: Any, axe_check: Any
) -> None:
    settings.CANDOR_REQUIRE_SECOND_FACTOR = True
    base = live_server.url

    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill("adam@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/account/second-factor/setup/?next=%2F")
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_text("Your role (admin) requires a second factor")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    qr = page.get_by_role("img", name="QR code for adding Candor")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the data: URI rendered under the CSP
    # Until it is on, the admin page is out of reach.
    page.goto(f"{base}/admin/")
    page.wait_for_url(f"{base}/account/second-factor/setup/?next=%2Fadmin%2F")
    shoot(page, "second-factor-setup")
    axe_check(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone-sized window
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "second-factor-setup-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    totp = pyotp.TOTP(secret)
    page.get_by_label("The 6-digit code your app shows").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    first_code = totp.now()
    page.get_by_label("The 6-digit code your app shows").fill(first_code)
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    shoot(page, "second-factor-recovery-codes")
    page.get_by_role("link", name="I have saved them — continue").click()
    page.wait_for_url(f"{base}/admin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "second-factor" not in page.url

    # Next sign-in: password, then the code step.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/login/?next=/admin/")
    page.get_by_label("Email").fill("adam@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/login/code/?next=%2Fadmin%2F")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shoot(page, "second-factor-code-step")
    axe_check(page)
    field = page.get_by_label("Code from your app, or a recovery code")
    field.fill(first_code)  # the code that turned it on: refused as used
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code was already used")).to_be_visible()
    shoot(page, "second-factor-code-step-replayed")
    # The phone's next code (one step ahead is accepted).
    page.get_by_label("Code from your app, or a recovery code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/admin/")
    expect(page.get_by_role("link", name="Admin", exact=True)).to_be_visible()

    page.goto(f"{base}/account/second-factor/")
    expect(page.get_by_text("Recovery codes left: 10")).to_be_visible()
    expect(page.get_by_text("requires a second factor, so it cannot be turned off")).to_be_visible()
    shoot(page, "second-factor-status")

    # Priya lost her phone: Adam resets her second factor from her person page.
    from candor.accounts import second_factor as sf

    enrolment = sf.do_start_enrolment(people.priya)
    assert sf.do_confirm_enrolment(people.priya, pyotp.TOTP(enrolment.secret).now()).ok
    page.goto(f"{base}/admin/people/{people.priya.pk}/")
    section = page.get_by_role("region", name="Second factor")
    expect(section.get_by_text("On since")).to_be_visible()
    section.scroll_into_view_if_needed()
    shoot(page, "second-factor-admin-reset")
    section.get_by_role("button", name="Reset second factor").click()
    expect(page.get_by_text("Priya Privacy's second factor is reset")).to_be_visible()
    assert not sf.has_second_factor(people.priya)
