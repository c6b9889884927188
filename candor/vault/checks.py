"""System checks: the key store must be configured, routed and separate from the data."""

from __future__ import annotations

from typing import Any

from django.core import checks

from candor.vault.conf import KEYSTORE_ALIAS, KEYSTORE_ROUTER


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(str(a.get(k) or "") == str(b.get(k) or "") for k in keys)


def check_keystore(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.conf import settings

    errors: list[checks.CheckMessage] = []
    databases = settings.DATABASES
    if KEYSTORE_ALIAS not in databases:
        errors.append(
            checks.Error(
                f"DATABASES has no {KEYSTORE_ALIAS!r} entry for the vault's key store.",
                hint='Add DATABASES["keystore"] = keystore_database(VAR_DIR, LOCAL) '
                "from candor.vault.conf.",
                id="vault.E001",
            )
        )
    elif _same(databases[KEYSTORE_ALIAS], databases["default"]):
        errors.append(
            checks.Error(
                "The key store is the main database: a restored backup would bring erased "
                "learners' keys back.",
                id="vault.E002",
            )
        )
    if KEYSTORE_ROUTER not in getattr(settings, "DATABASE_ROUTERS", []):
        errors.append(
            checks.Error(
                f"{KEYSTORE_ROUTER} is not in DATABASE_ROUTERS: data keys would be written to "
                "the main database.",
                id="vault.E003",
            )
        )
    return errors


def register() -> None:
    checks.register(check_keystore)
