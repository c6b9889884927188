"""Vault configuration, read from the environment (never from the database).

Imported by ``candor/settings.py`` (for the key-store database and the router), so this
module must not touch ``django.conf.settings`` at import time.

Local environments (``dev``, ``demo``, ``test``) get safe defaults under ``VAR_DIR``; in
``production`` anything the vault needs and cannot safely invent is an error. The reason is
crypto-shredding: a KEK or pseudonym secret silently re-created in production would not
decrypt or match anything stored before, and would hide that loss behind empty pages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

KEYSTORE_ALIAS = "keystore"
KEYSTORE_ROUTER = "candor.vault.routers.KeystoreRouter"
LOCAL_ENVS = frozenset({"dev", "demo", "test"})
KEK_PROVIDERS = ("file", "env", "aws-kms")
# A retention shorter than a month would expire the month being written to.
MIN_RETENTION_DAYS = 31


def current_env() -> str:
    return os.environ.get("CANDOR_ENV", "production").strip().lower()


def is_local() -> bool:
    return current_env() in LOCAL_ENVS


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = _env(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def _postgres_from_url(name: str, url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"{name} must be a postgresql:// URL.")
    if not parsed.path.lstrip("/"):
        raise ImproperlyConfigured(f"{name} must name a database.")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def _same_database(a: dict[str, object], b: dict[str, object]) -> bool:
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(str(a.get(k) or "") == str(b.get(k) or "") for k in keys)


def keystore_database(settings_var_dir: Path | str, local: bool) -> dict[str, object]:
    """The ``DATABASES["keystore"]`` entry: where wrapped data keys live.

    It must be a different database from the main one: restoring an old copy of the main
    database must not bring back the data keys of a learner erased since (the backup test).
    """
    url = _env("CANDOR_KEYSTORE_URL")
    if url:
        if url.startswith("sqlite:///") and local:
            return _sqlite_keystore(Path(url.removeprefix("sqlite://")))
        db = _postgres_from_url("CANDOR_KEYSTORE_URL", url)
        main_url = _env("DATABASE_URL")
        if main_url and _same_database(db, _postgres_from_url("DATABASE_URL", main_url)):
            raise ImproperlyConfigured(
                "CANDOR_KEYSTORE_URL points at the main database: the key store must live "
                "elsewhere, or a restored database backup would bring erased keys back."
            )
        return db
    if not local:
        raise ImproperlyConfigured(
            "CANDOR_KEYSTORE_URL must be set in production (a postgresql:// URL of a database "
            "separate from DATABASE_URL, backed up separately): it holds the wrapped data keys."
        )
    return _sqlite_keystore(Path(settings_var_dir) / "keystore.sqlite3")


def _sqlite_keystore(path: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # secure_delete overwrites a shredded key's bytes in the file instead of leaving
            # them in a free page, where a copy of the file would still hold them.
            "init_command": "PRAGMA secure_delete=ON; PRAGMA journal_mode=WAL;",
            # Two processes creating the same data key queue on the write lock instead of
            # failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # Kept open between requests like the main database's connection: a process loads
        # each learner's key once (then it is cached), but opening the file per request costs.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


@dataclass(frozen=True)
class VaultSettings:
    env: str
    local: bool
    key_dir: Path
    kek_provider: str
    kek_file: Path
    kek_env: str
    kms_key_ids: str
    kms_endpoint_url: str
    kms_region: str
    pseudonym_secret: str
    pseudonym_file: Path
    retention_days: int
    cache_seconds: int
    cache_size: int


def load(var_dir: Path | str | None = None) -> VaultSettings:
    """Parse the vault's environment; raise ImproperlyConfigured when production lacks a key."""
    env = current_env()
    local = env in LOCAL_ENVS
    if var_dir is None:
        from django.conf import settings

        var_dir = settings.VAR_DIR
    key_dir = Path(_env("CANDOR_VAULT_KEY_DIR") or Path(var_dir) / "keys")
    provider = _env("CANDOR_KEK_PROVIDER").lower() or "file"
    if provider not in KEK_PROVIDERS:
        raise ImproperlyConfigured(
            f"CANDOR_KEK_PROVIDER must be one of {', '.join(KEK_PROVIDERS)}, not {provider!r}"
        )
    conf = VaultSettings(
        env=env,
        local=local,
        key_dir=key_dir,
        kek_provider=provider,
        kek_file=Path(_env("CANDOR_KEK_FILE") or key_dir / "kek.json"),
        kek_env=_env("CANDOR_KEK"),
        kms_key_ids=_env("CANDOR_KMS_KEY_ID"),
        kms_endpoint_url=_env("CANDOR_KMS_ENDPOINT_URL"),
        kms_region=_env("CANDOR_KMS_REGION") or _env("AWS_DEFAULT_REGION") or "eu-west-1",
        pseudonym_secret=_env("CANDOR_PSEUDONYM_SECRET"),
        pseudonym_file=Path(_env("CANDOR_PSEUDONYM_SECRET_FILE") or key_dir / "pseudonym.key"),
        retention_days=_env_int("CANDOR_SIGNAL_RETENTION_DAYS", 180, MIN_RETENTION_DAYS),
        cache_seconds=_env_int("CANDOR_VAULT_KEY_CACHE_SECONDS", 60, 0),
        cache_size=_env_int("CANDOR_VAULT_KEY_CACHE_SIZE", 30_000, 1),
    )
    if not local:
        _require_production_keys(conf)
    return conf


def _require_production_keys(conf: VaultSettings) -> None:
    """Fail closed: production never creates a KEK or a pseudonym secret by itself."""
    if conf.kek_provider == "file" and not conf.kek_file.is_file():
        raise ImproperlyConfigured(
            f"KEK file {conf.kek_file} is missing. In production it is never created "
            "automatically (a new KEK would hide the loss of every data key): restore it from "
            "backup, or set CANDOR_KEK_PROVIDER=env/aws-kms."
        )
    if conf.kek_provider == "env" and not conf.kek_env:
        raise ImproperlyConfigured("CANDOR_KEK_PROVIDER=env needs CANDOR_KEK=1:<base64>,...")
    if conf.kek_provider == "aws-kms" and not conf.kms_key_ids:
        raise ImproperlyConfigured("CANDOR_KEK_PROVIDER=aws-kms needs CANDOR_KMS_KEY_ID.")
    if not conf.pseudonym_secret and not conf.pseudonym_file.is_file():
        raise ImproperlyConfigured(
            f"The pseudonym secret is missing: set CANDOR_PSEUDONYM_SECRET or restore "
            f"{conf.pseudonym_file}. It is never created in production (a new one would "
            "orphan every stored signal)."
        )
