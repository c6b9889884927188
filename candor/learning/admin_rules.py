"""Admin pages: the overview and assignment rules. Admins only; anyone else gets the same 404
as for a page that does not exist. Every change goes through an audited action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from candor.accounts.models import User
from candor.learning.admin_forms import RuleForm
from candor.learning.models import AssignmentRule, Reminder
from candor.learning.rules import (
    StalePreview,
    describe_audience,
    describe_due,
    do_save_rule,
    preview_rule,
)


def require_admin(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_role("admin"):
        raise Http404
    return user


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    reminders = Reminder.objects.aggregate(
        pending=Count("pk", filter=Q(status=Reminder.Status.PENDING)),
        failed=Count("pk", filter=Q(status=Reminder.Status.FAILED)),
        sent=Count("pk", filter=Q(status=Reminder.Status.SENT)),
    )
    failed = (
        Reminder.objects.filter(status=Reminder.Status.FAILED)
        .select_related("recipient")
        .order_by("-scheduled_on")[:20]
    )
    return render(
        request,
        "learning/admin/home.html",
        {
            "nav": "admin",
            "section": "home",
            "people": User.objects.filter(is_active=True).count(),
            "left": User.objects.filter(is_active=False).count(),
            "rules": AssignmentRule.objects.filter(is_active=True).count(),
            "reminders": reminders,
            "failed": failed,
        },
    )


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    rules = (
        AssignmentRule.objects.select_related("track", "module", "department", "person")
        .annotate(people=Count("assignments__user", distinct=True))
        .order_by("-is_active", "track__order", "track__title", "pk")
    )
    rows = [
        {
            "rule": r,
            "audience": describe_audience(r),
            "due": describe_due(r),
        }
        for r in rules
    ]
    return render(
        request, "learning/admin/rules.html", {"rows": rows, "nav": "admin", "section": "rules"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, AssignmentRule(), editing=False)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    require_admin(request)
    rule = (
        AssignmentRule.objects.select_related("track", "module", "department", "person")
        .filter(pk=rule_id)
        .first()
    )
    if rule is None:
        raise Http404
    return _rule_form(request, rule, editing=True)


def _rule_form(request: HttpRequest, rule: AssignmentRule, editing: bool) -> HttpResponse:
    admin = require_admin(request)
    ctx = {"rule": rule, "editing": editing, "nav": "admin", "section": "rules"}
    if request.method == "GET":
        initial = RuleForm.initial_for(rule) if editing else None
        form = RuleForm(initial=initial, editing=editing)
        return render(request, "learning/admin/rule_form.html", {**ctx, "form": form})
    form = RuleForm(request.POST, editing=editing)
    if not form.is_valid():
        return render(request, "learning/admin/rule_form.html", {**ctx, "form": form}, status=400)
    candidate = form.apply(rule)
    if request.POST.get("action") == "save":
        try:
            saved = do_save_rule(admin, candidate, request.POST.get("digest", "")[:64])
        except StalePreview as stale:
            return render(
                request,
                "learning/admin/rule_form.html",
                {**ctx, "form": form, "preview": stale.preview, "stale": True},
                status=409,
            )
        messages.success(
            request,
            f"Rule saved. {saved.sync['created']} assignment(s) added, "
            f"{saved.sync['updated']} updated, {saved.sync['removed']} removed.",
        )
        return redirect("learning:admin_rules")
    return render(
        request,
        "learning/admin/rule_form.html",
        {**ctx, "form": form, "preview": preview_rule(candidate)},
    )
