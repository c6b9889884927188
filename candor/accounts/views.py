from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candor.accounts import second_factor as sf
from candor.accounts.forms import CodeForm, EmailAuthenticationForm
from candor.accounts.middleware import Need, mark_password_only, mark_verified, need_of
from candor.accounts.models import User
from candor.accounts.sessions import end_sessions


def _next_url(request: HttpRequest, default: str = "") -> str:
    """A same-site ``next`` from the query or the form, else ``default`` (the dashboard)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else (default or resolve_url(settings.LOGIN_REDIRECT_URL))


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        required = bool(getattr(settings, "CANDOR_REQUIRE_SECOND_FACTOR", False))
        return {**super().get_context_data(**kwargs), "second_factor_required": required}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # signs in; the middleware holds the session
        target = self.get_success_url()
        if sf.has_second_factor(self.request.user):
            return HttpResponseRedirect(_with_next("accounts:second_factor_verify", target))
        mark_password_only(self.request)
        if sf.required_roles(self.request.user):
            return HttpResponseRedirect(_with_next("accounts:second_factor_setup", target))
        return response


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/account.html", {"second_factor": sf.confirmed_device(request.user)}
    )


# --- the code step at sign-in ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    target = _next_url(request)
    if need_of(request) is not Need.CODE:
        return redirect(target)
    form = CodeForm(request.POST or None, label="Code from your app, or a recovery code")
    status = 200
    if request.method == "POST" and form.is_valid():
        check = sf.do_check_code(request.user, form.cleaned_data["code"])
        if check.ok:
            mark_verified(request)
            if check.outcome is sf.Outcome.RECOVERY:
                messages.warning(
                    request,
                    f"You signed in with a recovery code; it cannot be used again. "
                    f"{check.recovery_left} left. Make new ones on your account page if you "
                    "are running out.",
                )
            return redirect(target)
        form.add_error("code", check.message)
        status = 429 if check.outcome is sf.Outcome.LOCKED else 400
    elif request.method == "POST":
        status = 400
    return render(
        request, "accounts/second_factor/verify.html", {"form": form, "next": target}, status=status
    )


# --- enrolment and management (always the signed-in person's own) ---------------------------


@login_required
@require_GET
def second_factor(request: HttpRequest) -> HttpResponse:
    device = sf.confirmed_device(request.user)
    ctx: dict[str, Any] = {
        "device": device,
        "required_roles": sf.required_roles(request.user),
        "codes_left": device.recovery_codes.filter(used_at__isnull=True).count() if device else 0,
        "nav": "account",
    }
    return render(request, "accounts/second_factor/status.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = _next_url(request, reverse("accounts:second_factor"))
    if sf.has_second_factor(user):
        messages.info(request, "Your second factor is already on.")
        return redirect("accounts:second_factor")
    form = CodeForm(
        request.POST if request.POST.get("action") == "confirm" else None,
        digits_only=True,
        label="The 6-digit code your app shows",
    )
    status = 200
    if request.method == "POST" and request.POST.get("action") == "confirm":
        if form.is_valid():
            check = sf.do_confirm_enrolment(user, form.cleaned_data["code"])
            if check.ok:
                mark_verified(request)
                # A session signed in with the password alone before the second factor was
                # on (a forgotten browser, a stolen cookie) must not outlive it.
                ended = end_sessions([user.pk], keep=request.session.session_key)
                return render(
                    request,
                    "accounts/second_factor/recovery_codes.html",
                    {"codes": check.new_codes, "next": target, "first": True, "ended": ended},
                )
            form.add_error("code", check.message)
            status = 429 if check.outcome is sf.Outcome.LOCKED else 400
        else:
            status = 400
    enrolment = sf.do_start_enrolment(
        user, restart=request.method == "POST" and request.POST.get("action") == "restart"
    )
    ctx = {
        "enrolment": enrolment,
        "form": form,
        "next": target,
        "required_roles": sf.required_roles(user),
        "nav": "account",
    }
    return render(request, "accounts/second_factor/setup.html", ctx, status=status)


def _code_action_failed(request: HttpRequest, check: sf.Check) -> HttpResponse:
    messages.error(request, check.message)
    return redirect("accounts:second_factor")


@login_required
@require_POST
def second_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_action_failed(request, sf.Check(sf.Outcome.WRONG))
    check = sf.do_new_recovery_codes(request.user, form.cleaned_data["code"])  # type: ignore[arg-type]
    if not check.ok:
        return _code_action_failed(request, check)
    ctx = {"codes": check.new_codes, "next": reverse("accounts:second_factor"), "first": False}
    return render(request, "accounts/second_factor/recovery_codes.html", ctx)


@login_required
@require_POST
def second_factor_remove(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_action_failed(request, sf.Check(sf.Outcome.WRONG))
    try:
        check = sf.do_remove(request.user, form.cleaned_data["code"])  # type: ignore[arg-type]
    except sf.SecondFactorRefused as exc:
        messages.error(request, str(exc))
        return redirect("accounts:second_factor")
    if not check.ok:
        return _code_action_failed(request, check)
    messages.success(request, "Your second factor is off. Sign-in asks only for your password.")
    return redirect("accounts:second_factor")


# --- an administrator resets someone's second factor (admin people pages) ------------------


@login_required
@require_POST
def second_factor_reset(request: HttpRequest, person_id: int) -> HttpResponse:
    admin: User = request.user  # type: ignore[assignment]
    if not admin.has_role("admin"):
        raise Http404  # the same answer as for someone who does not exist
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    try:
        ended = sf.do_reset(admin, person)
    except sf.SecondFactorRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{person.full_name}'s second factor is reset and {ended} of their sessions ended. "
            "They set up an authenticator app again at their next sign-in"
            + (" (their role requires one)." if sf.required_roles(person) else ", if they wish."),
        )
    return redirect("learning:admin_person", person.pk)
