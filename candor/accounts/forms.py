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


class CodeForm(forms.Form):
    """A 6-digit code from the authenticator app (or, where allowed, a recovery code)."""

    code = forms.CharField(
        label="Code",
        max_length=64,
        strip=True,
        error_messages={"required": "Type the code from your authenticator app."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args: Any, digits_only: bool = False, label: str = "", **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["code"]
        if label:
            field.label = label
        if digits_only:
            field.widget.attrs.update({"inputmode": "numeric", "maxlength": "7"})
