from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "That email and password do not match an active account.",
        "inactive": "This account is no longer active. Ask your administrator.",
    }

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """The account a sign-in attempt is for, as the lockout key: lower-cased like our emails."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(value).strip().lower()[:254]
