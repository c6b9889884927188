"""Second-factor test helpers: a frozen clock, enrolment, and signing in through the forms."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD

# In the middle of a 30-second step, so ±1 step is never a matter of milliseconds.
T0 = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time stands still at T0 (Django's and pyotp's clocks alike); ``clock.shift(s)``."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def now() -> float:
    import time

    return time.time()


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(now() + 30 * offset_steps)


def enrol(user: Any) -> tuple[str, list[str]]:
    """Enrol ``user`` through the actions; returns (secret, recovery codes). Uses the code of
    the previous step, so the current step's code is still fresh for a sign-in."""
    from candor.accounts import second_factor as sf

    enrolment = sf.do_start_enrolment(user)
    check = sf.do_confirm_enrolment(user, code_at(enrolment.secret, -1))
    assert check.ok, check.outcome
    return enrolment.secret, check.new_codes


def sign_in(client: Client, email: str, next_url: str = "") -> Any:
    data = {"username": email, "password": PASSWORD}
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def secret_on_page(html: str) -> str:
    found = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', html)
    assert found, "the set-up page shows no secret"
    return found.group(1).replace(" ", "")


@pytest.fixture
def require_second_factor(settings: Any) -> None:
    settings.CANDOR_REQUIRE_SECOND_FACTOR = True


@pytest.fixture
def verified_for(client_for: Any) -> Any:
    """verified_for(user) → a client signed in as someone who passed the code step."""
    from candor.accounts.middleware import SESSION_KEY

    def make(user: Any) -> Client:
        client = client_for(user)
        session = client.session
        session[SESSION_KEY] = {"user": user.pk, "verified": True}
        session.save()
        return client

    return make
