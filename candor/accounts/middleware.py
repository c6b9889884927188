"""Holds a signed-in session at the second-factor step until it is passed.

After the password Django's session is signed in, but this middleware lets it reach only the
code step (someone with an authenticator app) or the enrolment page (an admin or privacy
officer without one, when ``CANDOR_REQUIRE_SECOND_FACTOR`` is on) — and sign-out. Pages are
redirected there; the JSON API answers 403 with a ``detail`` that says what to do. A session
signed in some other way (single sign-on, a session older than the device) is held the same.

The session remembers the outcome, so a fully signed-in request costs no extra query.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from candor.accounts.second_factor import has_second_factor, required_roles

SESSION_KEY = "candor_second_factor"


class Need(enum.Enum):
    NOTHING = "nothing"
    CODE = "code"  # has a device, has not typed a code in this session
    ENROL = "enrol"  # a role requires a device and there is none


def mark_verified(request: HttpRequest) -> None:
    """The code step was passed: a new session key (the privilege changed) and the mark."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"user": request.user.pk, "verified": True}


def mark_password_only(request: HttpRequest) -> None:
    """Signed in with a password and no device at that moment."""
    request.session[SESSION_KEY] = {"user": request.user.pk, "verified": False}


def need_of(request: HttpRequest) -> Need:
    user: Any = request.user
    if not user.is_authenticated:
        return Need.NOTHING
    mark = request.session.get(SESSION_KEY)
    if not isinstance(mark, dict) or mark.get("user") != user.pk:
        mark = None
    if mark is not None and mark.get("verified"):
        return Need.NOTHING
    roles = required_roles(user)
    if mark is not None and not roles:
        return Need.NOTHING  # no device at sign-in, and none required
    if has_second_factor(user):
        return Need.CODE
    if roles:
        return Need.ENROL
    if mark is None:
        # Signed in some other way (a session from before this step existed, single sign-on):
        # no device and none required, so mark it as the password sign-in would have, and
        # its next requests cost no query. Enrolling later ends this session.
        mark_password_only(request)
    return Need.NOTHING


@cache
def _allowed() -> dict[Need, frozenset[str]]:
    logout = reverse("accounts:logout")
    return {
        Need.CODE: frozenset({reverse("accounts:second_factor_verify"), logout}),
        Need.ENROL: frozenset({reverse("accounts:second_factor_setup"), logout}),
    }


@cache
def _api_prefix() -> str:
    return reverse("api:api-root")


API_DETAIL = {
    Need.CODE: "Finish signing in first: type the code from your authenticator app at {url}.",
    Need.ENROL: "Your role requires a second factor. Set up an authenticator app at {url} "
    "before using Candor.",
}


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        need = need_of(request)
        if need is Need.NOTHING:
            return self.get_response(request)
        # Templates hide the navigation: its links would all lead back here.
        request.second_factor_pending = True  # type: ignore[attr-defined]
        if request.path in _allowed()[need]:
            return self.get_response(request)
        target = reverse(
            "accounts:second_factor_verify" if need is Need.CODE else "accounts:second_factor_setup"
        )
        if request.path.startswith(_api_prefix()):
            return JsonResponse(
                {"detail": API_DETAIL[need].format(url=target), "second_factor": need.value},
                status=403,
            )
        if request.headers.get("HX-Request"):
            # htmx would swap the step's page into a fragment: ask it for a full navigation.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        if request.method == "GET":
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return redirect(target)
