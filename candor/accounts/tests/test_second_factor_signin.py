"""Second factor at sign-in: the code step, its time window, replay, throttling, recovery codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from candor.accounts import second_factor as sf
from candor.accounts.models import TOTPDevice
from candor.privacy.models import AuditEntry

from .conftest import code_at, enrol, sign_in

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:second_factor_verify")
DASHBOARD = reverse("learning:dashboard")
API = "/api/v1/me/progress"


def _held_at_code_step(client: Client) -> None:
    page = client.get(DASHBOARD)
    assert page.status_code == 302 and page["Location"].startswith(VERIFY)
    api = client.get(API)
    assert api.status_code == 403
    assert "authenticator app" in api.json()["detail"] and api.json()["second_factor"] == "code"


def test_after_the_password_a_code_is_needed(client: Client, people: Any, clock: Any) -> None:
    secret, _ = enrol(people.lena)
    response = sign_in(client, "lena@example.test", next_url="/tracks/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Ftracks%2F"
    _held_at_code_step(client)
    step = client.get(response["Location"])
    assert step.status_code == 200 and "Enter your code" in step.content.decode()
    # No navigation at this step: each of its links would only lead back here.
    assert 'aria-label="Main"' not in step.content.decode()
    done = client.post(VERIFY, {"code": code_at(secret), "next": "/tracks/"})
    assert done.status_code == 302 and done["Location"] == "/tracks/"
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 200 and 'aria-label="Main"' in dashboard.content.decode()
    assert client.get(API).status_code == 200
    assert client.get(VERIFY).status_code == 302  # nothing left to do there


def test_the_session_key_changes_when_the_code_is_accepted(
    client: Client, people: Any, clock: Any
) -> None:
    secret, _ = enrol(people.lena)
    sign_in(client, "lena@example.test")
    before = client.session.session_key
    client.post(VERIFY, {"code": code_at(secret)})
    assert client.session.session_key != before


def test_a_wrong_code_is_refused_plainly(client: Client, people: Any, clock: Any) -> None:
    secret, _ = enrol(people.lena)
    sign_in(client, "lena@example.test")
    wrong = f"{(int(code_at(secret)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    _held_at_code_step(client)


def test_codes_of_the_next_and_previous_step_are_accepted_not_further(
    client_for: Any, people: Any, clock: Any
) -> None:
    secret, _ = enrol(people.lena)  # used step -1
    lena = people.lena
    assert sf.do_check_code(lena, code_at(secret, -2)).outcome is sf.Outcome.WRONG
    assert sf.do_check_code(lena, code_at(secret, 2)).outcome is sf.Outcome.WRONG
    assert sf.do_check_code(lena, code_at(secret, 0)).ok
    assert sf.do_check_code(lena, code_at(secret, 1)).ok  # a phone 30 s ahead
    clock.shift(90)  # now step +3: the previous step (+2) is still accepted
    assert sf.do_check_code(lena, code_at(secret, -1)).ok
    # A phone 30 s behind, through the page.
    clock.shift(60)
    client = Client()
    sign_in(client, "lena@example.test")
    assert client.post(VERIFY, {"code": code_at(secret, -1)}).status_code == 302
    assert client.get(DASHBOARD).status_code == 200


def test_a_code_cannot_be_used_twice(client: Client, people: Any, clock: Any) -> None:
    secret, _ = enrol(people.lena)
    code = code_at(secret)
    sign_in(client, "lena@example.test")
    assert client.post(VERIFY, {"code": code}).status_code == 302
    # Someone who saw the code (and has the password) tries it within its window.
    clock.shift(15)
    other = Client()
    sign_in(other, "lena@example.test")
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "That code was already used" in response.content.decode()
    _held_at_code_step(other)
    # An older code within the window is refused too; the next step's code works.
    assert sf.do_check_code(people.lena, code_at(secret, -1)).outcome is sf.Outcome.REPLAYED
    assert other.post(VERIFY, {"code": code_at(secret, 1)}).status_code == 302


def test_wrong_codes_lock_the_step_for_15_minutes(client: Client, people: Any, clock: Any) -> None:
    secret, codes = enrol(people.lena)
    sign_in(client, "lena@example.test")
    for _ in range(sf.LOCK_AFTER - 1):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 400
    locked = client.post(VERIFY, {"code": "000000"})
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many wrong codes" in text and "15 minutes" in text
    assert AuditEntry.objects.filter(action="accounts.second_factor_lock").count() == 1
    # While locked even the right code and a recovery code are refused, from any session.
    assert client.post(VERIFY, {"code": code_at(secret)}).status_code == 429
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 429
    other = Client()
    sign_in(other, "lena@example.test")
    assert other.post(VERIFY, {"code": code_at(secret)}).status_code == 429
    _held_at_code_step(client)
    clock.shift(14 * 60)
    assert client.post(VERIFY, {"code": code_at(secret)}).status_code == 429
    clock.shift(61)
    assert client.post(VERIFY, {"code": code_at(secret)}).status_code == 302
    device = TOTPDevice.objects.get(user=people.lena)
    assert device.failed_attempts == 0 and device.locked_until is None


def test_a_right_code_resets_the_count_of_wrong_ones(people: Any, clock: Any) -> None:
    secret, _ = enrol(people.lena)
    for _ in range(sf.LOCK_AFTER - 1):
        sf.do_check_code(people.lena, "000000")
    assert sf.do_check_code(people.lena, code_at(secret)).ok
    assert sf.do_check_code(people.lena, "000000").outcome is sf.Outcome.WRONG


def test_a_recovery_code_signs_in_once(client: Client, people: Any, clock: Any) -> None:
    _secret, codes = enrol(people.lena)
    sign_in(client, "lena@example.test")
    # Typed loosely (upper case, spaces instead of dashes) it still counts.
    loose = codes[3].upper().replace("-", " ")
    response = client.post(VERIFY, {"code": loose}, follow=True)
    assert response.status_code == 200
    assert "You signed in with a recovery code" in response.content.decode()
    assert "9 left" in response.content.decode()
    assert client.get(DASHBOARD).status_code == 200
    entry = AuditEntry.objects.get(action="accounts.recovery_code_use")
    assert entry.object_ref.endswith("left=9")
    again = Client()
    sign_in(again, "lena@example.test")
    refused = again.post(VERIFY, {"code": codes[3]})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
    assert again.post(VERIFY, {"code": codes[4]}).status_code == 302  # another one works


def test_next_is_kept_but_never_leads_off_site(client: Client, people: Any, clock: Any) -> None:
    secret, _ = enrol(people.lena)
    sign_in(client, "lena@example.test")
    response = client.post(VERIFY, {"code": code_at(secret), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == DASHBOARD


def test_without_a_device_the_password_is_enough(client: Client, people: Any) -> None:
    response = sign_in(client, "lena@example.test")
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    # The code step has nothing to ask.
    assert client.get(VERIFY)["Location"] == DASHBOARD


def test_a_session_opened_another_way_is_held_too(client_for: Any, people: Any, clock: Any) -> None:
    """Single sign-on or an older session: a device means the code step all the same."""
    secret, _ = enrol(people.lena)
    client = client_for(people.lena)
    _held_at_code_step(client)
    client.post(VERIFY, {"code": code_at(secret)})
    assert client.get(DASHBOARD).status_code == 200


def test_sign_out_works_from_the_code_step(client: Client, people: Any, clock: Any) -> None:
    enrol(people.lena)
    sign_in(client, "lena@example.test")
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(DASHBOARD)["Location"].startswith(reverse("accounts:login"))


def test_anonymous_people_at_the_code_step_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(VERIFY)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")


def test_htmx_requests_are_sent_to_the_code_step_as_a_full_page(
    client: Client, people: Any, clock: Any
) -> None:
    enrol(people.lena)
    sign_in(client, "lena@example.test")
    response = client.get(DASHBOARD, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == VERIFY
