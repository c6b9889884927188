"""One settings module, driven by the environment.

``CANDOR_ENV`` is ``production`` unless set: production has no default secret key, no DEBUG
and no demo data, and refuses to start when something it needs is missing. ``dev`` and
``demo`` (what ``make run`` uses) and ``test`` relax only what a local machine needs.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ.get("CANDOR_ENV", "production").strip().lower()
if ENV not in {"production", "dev", "demo", "test"}:
    raise ImproperlyConfigured(f"CANDOR_ENV must be production, dev, demo or test, not {ENV!r}")
LOCAL = ENV in {"dev", "demo", "test"}


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("CANDOR_VAR_DIR", str(BASE_DIR / "var"))).resolve()
if LOCAL:
    (VAR_DIR / "static").mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """A per-checkout key for dev/demo, kept under var/ with mode 0600 (never in git)."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("CANDOR_SECRET_KEY", "")
if not SECRET_KEY:
    if ENV == "test":
        SECRET_KEY = "test-only-" + "x" * 40  # noqa: S105 - never used outside the test suite
    elif LOCAL:
        SECRET_KEY = _local_secret_key()
    else:
        raise ImproperlyConfigured("CANDOR_SECRET_KEY must be set in production.")
elif len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("CANDOR_SECRET_KEY must be at least 32 characters long.")
# Earlier keys, still accepted for signatures and for opening second-factor secrets while a
# rotated key takes over (docs/operations.md, "Second factor").
SECRET_KEY_FALLBACKS = envlist("CANDOR_SECRET_KEY_FALLBACKS", [])

DEBUG = envbool("CANDOR_DEBUG", default=False)
if DEBUG and not LOCAL:
    raise ImproperlyConfigured("CANDOR_DEBUG may only be on with CANDOR_ENV=dev or demo.")

ALLOWED_HOSTS = envlist(
    "CANDOR_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if LOCAL else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("CANDOR_ALLOWED_HOSTS must list the host names in production.")
CSRF_TRUSTED_ORIGINS = envlist("CANDOR_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "candor.core",
    "candor.accounts",
    "candor.catalog",
    "candor.learning",
    "candor.grading",
    "candor.vault",
    "candor.signals",
    "candor.privacy",
    "candor.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "candor.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "candor.accounts.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "candor.urls"
WSGI_APPLICATION = "candor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "candor" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "candor.core.context.candor",
            ],
        },
    }
]


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgresql:// URL (or unset for SQLite)."
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": envint("CANDOR_DB_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
    }


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": _database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("CANDOR_SQLITE_PATH", str(VAR_DIR / "candor.sqlite3")),
            "OPTIONS": {
                # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue instead of failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept open between requests (per gunicorn thread): a new SQLite connection runs
            # the PRAGMAs above, registers Django's SQL functions and re-reads the schema on
            # its first query — ~20 % of a signal upload's time under gunicorn when reopened.
            "CONN_MAX_AGE": envint("CANDOR_DB_CONN_MAX_AGE", 600, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    }

# --- vault (issue 4): the key store is a second database, never the main one -----------
from candor.vault.conf import KEYSTORE_ROUTER, keystore_database  # noqa: E402

DATABASES["keystore"] = keystore_database(VAR_DIR, LOCAL)
DATABASE_ROUTERS = [KEYSTORE_ROUTER]
# --- end vault ---------------------------------------------------------------------------

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENV == "test":
    # Argon2 is deliberately slow; the suite creates hundreds of users. One test checks that
    # the production hasher list starts with Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "learning:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: 5 failures for one account from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = envint("CANDOR_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "candor.accounts.forms.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
AXES_ENABLED = envbool("CANDOR_LOGIN_THROTTLING", default=True)

# The cache holds only short-lived counters (the public certificate check's rate limit). It must
# be shared by every worker process, or each counts on its own: a directory under VAR_DIR is
# shared by the processes of one machine; several application servers need a shared cache
# (CANDOR_CACHE_URL=redis://…, Django's Redis backend, `pip install redis`). Tests keep each
# process's own memory.
CACHE_URL = os.environ.get("CANDOR_CACHE_URL", "").strip()
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("CANDOR_CACHE_URL must be a redis:// or rediss:// URL.")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif ENV != "test":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# A second factor (TOTP authenticator app) is optional for everyone and, when this is on,
# required for admins and privacy officers: they reach nothing but its set-up until they have
# one. Off for `demo` (its printed accounts sign in with a password alone) and for `test` (the
# tests that need it turn it on).
CANDOR_REQUIRE_SECOND_FACTOR = envbool(
    "CANDOR_REQUIRE_SECOND_FACTOR", default=ENV in {"production", "dev"}
)

# Sessions end after 8 hours, or at browser close; cookies are HTTP-only and same-site.
SESSION_COOKIE_AGE = envint("CANDOR_SESSION_SECONDS", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_COOKIES = envbool("CANDOR_SECURE_COOKIES", default=not LOCAL)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = envbool("CANDOR_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("CANDOR_BEHIND_TLS_PROXY") else None
)
SECURE_HSTS_SECONDS = envint("CANDOR_HSTS_SECONDS", 0 if LOCAL else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not LOCAL
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Strict CSP: scripts only from our own origin (no inline script anywhere), styles from our
# origin plus a per-request nonce (CodeMirror injects its style sheet with it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("CANDOR_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "candor" / "static"]
WHITENOISE_USE_FINDERS = LOCAL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not LOCAL
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get(
    "CANDOR_EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if ENV == "test"
    else (
        "django.core.mail.backends.console.EmailBackend"
        if LOCAL
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = os.environ.get("CANDOR_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("CANDOR_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("CANDOR_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CANDOR_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("CANDOR_EMAIL_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("CANDOR_FROM_EMAIL", "Candor <candor@localhost>")

# Upper bounds on what a request may carry; views bound their own fields further.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

CANDOR_CONTENT_DIR = Path(os.environ.get("CANDOR_CONTENT_DIR", str(BASE_DIR / "content")))
CANDOR_DEMO = ENV in {"demo", "dev", "test"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CANDOR_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}
