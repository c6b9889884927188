"""The privacy officer's pages and the administrator's privacy settings.

Officers see the inventory, consent coverage (counts, none under k), the audit log and its
verification, data-subject requests, retention, and the DPIA report. They never see signals:
nothing here reads them. Names behind audit pseudonyms are shown only when asked, for a
security audit, and each person so named gets an entry in the log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from candor.privacy import conf
from candor.privacy.access import access_personal_data
from candor.privacy.auditlog import PAGE_SIZE, Filters, label_for, names_for, users_for
from candor.privacy.checkpoints import load_checkpoints, verify_all, verify_recent
from candor.privacy.coverage import coverage
from candor.privacy.dpia import dpia_context
from candor.privacy.dsr import RequestRefused, do_close_request, do_delete_account
from candor.privacy.inventory import LEGAL_BASIS_TEXT, declarations
from candor.privacy.models import AuditEntry
from candor.privacy.models import DataSubjectRequest as DSR
from candor.privacy.org import SwitchRefused, do_disable_signals, do_enable_signals, org_privacy
from candor.privacy.purposes import Purpose
from candor.privacy.retention import retention_status


def _require(request: HttpRequest, *roles: str) -> Any:
    user = request.user
    if not any(user.has_role(r) for r in roles):  # type: ignore[union-attr]
        raise Http404  # the same answer as a page that does not exist
    return user


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _require(request, "privacy_officer")
    today = timezone.localdate()
    open_requests = DSR.objects.filter(status=DSR.Status.OPEN)
    return render(
        request,
        "privacy/officer/overview.html",
        {
            "nav": "privacy",
            "declarations": len(declarations()),
            "open_requests": open_requests.count(),
            "overdue": open_requests.filter(due_on__lt=today).count(),
            "verification": verify_recent(),
            "org": org_privacy(),
        },
    )


@login_required
@require_GET
def inventory_page(request: HttpRequest) -> HttpResponse:
    _require(request, "privacy_officer")
    return render(
        request,
        "privacy/officer/inventory.html",
        {"nav": "privacy", "declarations": declarations(), "bases": LEGAL_BASIS_TEXT},
    )


@login_required
@require_GET
def consent_coverage(request: HttpRequest) -> HttpResponse:
    _require(request, "privacy_officer")
    return render(
        request, "privacy/officer/coverage.html", {"nav": "privacy", "coverage": coverage()}
    )


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    officer = _require(request, "privacy_officer")
    filters, errors = Filters.parse(request.GET)
    person_email = request.GET.get("person", "").strip().lower()[:254]
    if person_email:
        from candor.accounts.models import User

        filters.person = User.objects.filter(email=person_email).first()
        if filters.person is None:
            errors.append(f"Nobody signs in as {person_email}.")
        else:  # looking up one person's history is an access to their data: audited
            access_personal_data(
                officer,
                filters.person,
                Purpose.SECURITY_AUDIT,
                object_ref="privacy:audit-log",
                action="audit.search_person",
            )
    qs = filters.apply(AuditEntry.objects.order_by("-seq"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    show_names = request.GET.get("names") == "1"
    names: dict[str, str] = {}
    if show_names:
        pseudonyms = {e.actor for e in entries} | {e.subject for e in entries}
        names = names_for(pseudonyms)
        for person in users_for({p for p in names if p}):
            if person.pk == officer.pk:
                continue
            access_personal_data(
                officer,
                person,
                Purpose.SECURITY_AUDIT,
                object_ref=f"privacy:audit-log:page={page.number}",
                action="audit.view_names",
            )
    rows = [
        {
            "e": e,
            "what": label_for(e.action),
            "actor": names.get(e.actor, e.actor[:12]) if e.actor else "system",
            "subject": names.get(e.subject, e.subject[:12]) if e.subject else "—",
            "named_actor": e.actor in names,
            "named_subject": e.subject in names,
        }
        for e in entries
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/officer/audit.html",
        {
            "nav": "privacy",
            "rows": rows,
            "page": page,
            "filters": filters,
            "person": person_email,
            "errors": errors,
            "show_names": show_names,
            "query": query.urlencode(),
            "purposes": [p.value for p in Purpose],
            "roles": ["admin", "privacy_officer", "manager", "author", "learner", "system"],
            "verification": verify_all() if request.GET.get("full") == "1" else verify_recent(),
            "checkpoints": load_checkpoints()[-5:],
        },
    )


@login_required
@require_GET
def requests_queue(request: HttpRequest) -> HttpResponse:
    _require(request, "privacy_officer")
    today = timezone.localdate()
    waiting = list(DSR.objects.filter(status=DSR.Status.OPEN).order_by("due_on", "pk"))
    for r in waiting:
        r.days_left = (r.due_on - today).days  # type: ignore[attr-defined]
    done = DSR.objects.exclude(status=DSR.Status.OPEN).order_by("-handled_at")[:50]
    return render(
        request,
        "privacy/officer/requests.html",
        {"nav": "privacy", "waiting": waiting, "done": done, "days": conf.RESPONSE_DAYS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _require(request, "privacy_officer")
    req = DSR.objects.select_related("user", "handled_by").filter(pk=pk).first()
    if req is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "delete_account":
                counts = do_delete_account(officer, req)
                messages.success(
                    request,
                    f"Done: the account is deactivated and {sum(counts.values())} records "
                    "were erased. Completion records are kept, as the notice says.",
                )
            elif action in {"answer", "decline"}:
                do_close_request(
                    officer,
                    req,
                    declined=action == "decline",
                    outcome=request.POST.get("outcome", ""),
                )
                messages.success(request, "The request is closed; the answer is recorded.")
            else:
                raise RequestRefused("Choose what to do with the request.")
        except RequestRefused as exc:
            messages.error(request, str(exc))
        return redirect("privacy:request", pk=req.pk)
    # Opening a request shows who made it: an access for handling their request, logged.
    access_personal_data(
        officer,
        req.user,
        Purpose.DATA_SUBJECT_REQUEST,
        object_ref=f"dsr:{req.pk}",
        action="dsr.view",
    )
    kept = [d for d in declarations() if d.erase is None]
    erased = [d for d in declarations() if d.erase is not None]
    return render(
        request,
        "privacy/officer/request.html",
        {"nav": "privacy", "req": req, "kept": kept, "erased": erased},
    )


@login_required
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    _require(request, "privacy_officer")
    return render(
        request,
        "privacy/officer/retention.html",
        {"nav": "privacy", **retention_status()},
    )


@login_required
@require_GET
def dpia(request: HttpRequest) -> HttpResponse:
    _require(request, "privacy_officer", "admin")
    return render(request, "privacy/dpia.html", {"nav": "privacy", **dpia_context()})


@login_required
@require_GET
def dpia_pdf(request: HttpRequest) -> HttpResponse:
    _require(request, "privacy_officer", "admin")
    from weasyprint import HTML

    html = render_to_string("privacy/dpia_print.html", dpia_context(), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="candor-dpia-{timezone.localdate().isoformat()}.pdf"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest) -> HttpResponse:
    admin = _require(request, "admin")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "disable":
                do_disable_signals(admin)
                messages.success(request, "Interaction signals are now off for everyone.")
            else:
                do_enable_signals(admin, dpia_reference=request.POST.get("dpia_reference", ""))
                messages.success(
                    request,
                    "Interaction signals are enabled. Each learner still decides for themselves; "
                    "nothing is collected until they turn it on.",
                )
        except SwitchRefused as exc:
            messages.error(request, str(exc))
        return redirect("privacy:settings")
    return render(
        request, "privacy/settings.html", {"nav": "privacy_settings", "org": org_privacy()}
    )
