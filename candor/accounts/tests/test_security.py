"""Sign-in, throttling, headers, CSP and settings that fail closed."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "CANDOR_ENV": "production",
    "CANDOR_SECRET_KEY": "k" * 50,
    "CANDOR_ALLOWED_HOSTS": "a.example",
    "CANDOR_KEYSTORE_URL": "postgresql://keys@db.example/candor_keys",
}


def _settings_in(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CANDOR_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import candor.settings as s; print(s.DEBUG, s.SECRET_KEY[:4])"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "candor.settings", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _settings_in({"CANDOR_ALLOWED_HOSTS": "candor.example"})
    assert result.returncode != 0
    assert "CANDOR_SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_debug_and_missing_hosts() -> None:
    key = {"CANDOR_SECRET_KEY": "k" * 50, "CANDOR_KEYSTORE_URL": PRODUCTION["CANDOR_KEYSTORE_URL"]}
    result = _settings_in({**key, "CANDOR_ALLOWED_HOSTS": "a.example", "CANDOR_DEBUG": "1"})
    assert result.returncode != 0 and "CANDOR_DEBUG may only be on" in result.stderr
    result = _settings_in(key)
    assert result.returncode != 0 and "CANDOR_ALLOWED_HOSTS" in result.stderr
    result = _settings_in({**key, "CANDOR_ALLOWED_HOSTS": "a.example"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False")


def test_unknown_environment_and_bad_booleans_are_refused() -> None:
    assert "CANDOR_ENV must be" in _settings_in({"CANDOR_ENV": "staging"}).stderr
    assert (
        "must be true or false"
        in _settings_in({"CANDOR_ENV": "dev", "CANDOR_DEBUG": "maybe"}).stderr
    )


def test_production_hashes_passwords_with_argon2() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import candor.settings as s; print(s.PASSWORD_HASHERS[0])"],
        env={**os.environ, **PRODUCTION},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=True,
    )
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_sign_in_with_email_and_sign_out(client: Any, people: Any) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "LENA@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("learning:dashboard")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("learning:dashboard")).status_code == 302


def test_wrong_password_gives_a_plain_message(client: Any, people: Any) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "lena@example.test", "password": "nope"}
    )
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()


def test_login_is_throttled_after_repeated_failures(client: Any, people: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "lena@example.test", "password": "bad"})
    response = client.post(
        reverse("accounts:login"), {"username": "lena@example.test", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()


def test_inactive_people_cannot_sign_in(client: Any, people: Any) -> None:
    people.leo.is_active = False
    people.leo.save()
    response = client.post(
        reverse("accounts:login"), {"username": "leo@example.test", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get(reverse("learning:dashboard")).status_code == 302


def test_pages_carry_a_strict_csp_and_security_headers(client_for: Any, assigned: Any) -> None:
    response = client_for(assigned.lena).get(reverse("learning:dashboard"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no CDN
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "'nonce-" in directives["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "<script>" not in body and " onclick=" not in body and 'style="' not in body


def test_session_and_cookie_settings() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import candor.settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)",
        ],
        env={**os.environ, **PRODUCTION},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "31536000"]


def test_demo_company_is_refused_outside_demo_environments(settings: Any) -> None:
    from candor.learning.demo import DemoRefused, load_demo_company

    settings.CANDOR_DEMO = False
    with pytest.raises(DemoRefused):
        load_demo_company()
