"""Learner pages of mandatory-training operations, and the public certificate check.

A learner sees their own certificates and every message Candor sent them; nobody else's. The
verification page needs no sign-in and says only: valid or not, which track, which date.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from candor.accounts.models import User
from candor.learning.access import _require_learner
from candor.learning.certificates import certificate_pdf, issue_certificates, lookup, rate_limited
from candor.learning.models import Certificate
from candor.learning.reminders import messages_for


def access_certificate_for(user: User, cert_id: int) -> Certificate:
    """A learner's own certificate; anyone else's is indistinguishable from a missing one."""
    _require_learner(user)
    cert = Certificate.objects.select_related("track").filter(pk=cert_id, user=user).first()
    if cert is None:
        raise Http404
    return cert


@login_required
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    _require_learner(user)
    issue_certificates([user])
    return render(
        request,
        "learning/certificates.html",
        {
            "certificates": Certificate.objects.filter(user=user).select_related("track"),
            "nav": "certificates",
        },
    )


@login_required
@require_GET
def certificate_download(request: HttpRequest, cert_id: int) -> HttpResponse:
    cert = access_certificate_for(request.user, cert_id)  # type: ignore[arg-type]
    site = request.build_absolute_uri("/")
    response = HttpResponse(certificate_pdf(cert, site), content_type="application/pdf")
    name = f"candor-certificate-{cert.track.slug}-{cert.completed_on:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def sent_messages(request: HttpRequest) -> HttpResponse:
    """Every reminder and digest addressed to you: what it said and when it was sent."""
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "learning/messages.html",
        {"reminders": messages_for(user)[:200], "nav": "messages"},
    )


def _client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR is the proxy's address behind a reverse proxy unless the proxy is configured
    # to pass the client's (e.g. gunicorn --forwarded-allow-ips); see docs/operations.md.
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@never_cache
@require_GET
def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    code = code or request.GET.get("code", "").strip()
    if not code:
        return render(request, "learning/verify.html", {"asked": False})
    if rate_limited(_client_address(request)):
        return render(request, "learning/verify.html", {"limited": True, "asked": True}, status=429)
    cert = lookup(code[:100])
    return render(
        request,
        "learning/verify.html",
        {"asked": True, "cert": cert},
        status=200 if cert else 404,
    )
