"""The learner's privacy pages: "My data", consent, export, erasure, requests; the notice.

Thin: parse, call the actions in consent/dsr, render. Every page is about the signed-in
person only — there is no parameter naming anyone else.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from candor.privacy import conf
from candor.privacy.auditlog import accesses_to
from candor.privacy.consent import consent_for, do_set_consent, do_withdraw_consent
from candor.privacy.dsr import (
    RequestRefused,
    do_ask_question,
    do_erase_signals,
    do_export,
    do_request_account_deletion,
)
from candor.privacy.export import to_json
from candor.privacy.models import DataSubjectRequest
from candor.privacy.mydata import holdings, my_signals, signal_view
from candor.privacy.notice import privacy_notice, purpose_rows, signals_notice
from candor.privacy.org import org_privacy


def _learner(request: HttpRequest) -> Any:
    user = request.user
    if not user.has_role("learner"):  # type: ignore[union-attr]
        raise Http404
    return user


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("privacy:my_data")


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    user = _learner(request)
    rows = my_signals(user)
    signals = signal_view(rows)
    consent = consent_for(user)
    held = holdings(user, rows)
    # What account deletion would keep *of theirs*: the kinds they have records in.
    kept = [d for d in held if d["count"] and d["on_erasure"].lower().startswith(("kept", "deact"))]
    return render(
        request,
        "privacy/my_data.html",
        {
            "nav": "my_data",
            "consent": consent,
            "notice": signals_notice(),
            "signals": signals,
            "stored_count": len(rows),
            "accesses": accesses_to(user),
            "holdings": held,
            "kept_on_deletion": kept,
            "requests": DataSubjectRequest.objects.filter(user=user)[:20],
            "open_deletion": DataSubjectRequest.objects.filter(
                user=user, kind="account_deletion", status="open"
            ).first(),
            "response_days": conf.RESPONSE_DAYS,
        },
    )


@login_required
@require_POST
def set_consent(request: HttpRequest) -> HttpResponse:
    user = _learner(request)
    if not org_privacy().signals_enabled:
        messages.error(request, "Your organisation has not enabled interaction signals.")
        return _back(request)
    help_on = request.POST.get("learner_help") == "on"
    courses_on = request.POST.get("course_improvement") == "on"
    before = consent_for(user)
    state = do_set_consent(user, learner_help=help_on, course_improvement=courses_on)
    if state.signals_allowed:
        messages.success(
            request,
            "Signals are on, for you"
            + (" and, in statistics, for courses." if state.aggregates_allowed else " only.")
            + " You can turn them off here at any time.",
        )
    else:
        _withdrawn_message(request, was_on=before.learner_help)
    return _back(request)


def _withdrawn_message(request: HttpRequest, *, was_on: bool) -> None:
    text = "Signals are off: nothing more is collected."
    if was_on:
        text += " What was stored before is still there — you can erase it below."
    messages.success(request, text)


@login_required
@require_POST
def withdraw(request: HttpRequest) -> HttpResponse:
    """One click: both choices off at once; then the page offers erasure."""
    user = _learner(request)
    before = consent_for(user)
    do_withdraw_consent(user)
    _withdrawn_message(request, was_on=before.learner_help)
    return redirect(reverse("privacy:my_data") + "#erase")


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    user = _learner(request)
    archive = do_export(user, base_url=request.build_absolute_uri("/"))
    stamp = timezone.localdate().isoformat()
    if request.POST.get("format") == "xapi":
        body, name = to_json(archive["xapi"]["statements"]), f"candor-xapi-{stamp}.json"
    else:
        body, name = to_json(archive), f"candor-my-data-{stamp}.json"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def erase_signals(request: HttpRequest) -> HttpResponse:
    user = _learner(request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm: erasure cannot be undone.")
        return redirect(reverse("privacy:my_data") + "#erase")
    result = do_erase_signals(user)
    messages.success(request, result.message())
    return redirect(reverse("privacy:my_data") + "#signals")


@login_required
@require_POST
def make_request(request: HttpRequest) -> HttpResponse:
    user = _learner(request)
    kind = request.POST.get("kind", "")
    message = request.POST.get("message", "")
    try:
        if kind == "account_deletion":
            req, created = do_request_account_deletion(user, message)
        elif kind == "access":
            req, created = do_ask_question(user, message)
        else:
            raise RequestRefused("Choose what you are asking for.")
    except RequestRefused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("privacy:my_data") + "#requests")
    if created:
        messages.success(
            request,
            f"Your request reached the privacy officer. They will answer by "
            f"{req.due_on:%d %B %Y} at the latest.",
        )
    else:
        messages.info(
            request,
            f"You already asked on {timezone.localtime(req.received_at):%d %B %Y}; "
            f"it is being handled (answer due by {req.due_on:%d %B %Y}).",
        )
    return redirect(reverse("privacy:my_data") + "#requests")


@login_required
@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/notice.html",
        {
            "groups": privacy_notice(),
            "signals": signals_notice(),
            "purposes": purpose_rows(),
            "org": org_privacy(),
            "k": conf.K_MIN_GROUP,
        },
    )
