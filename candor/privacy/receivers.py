"""Audit entries for key operations the vault announces (it may not import privacy)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from candor.privacy.audit import record_event


def _ref(details: dict[str, Any]) -> str:
    parts = []
    for key, value in sorted(details.items()):
        if key == "owner":  # a signals pseudonym: a prefix is enough to match the erasure log
            value = f"{str(value)[:12]}…"
        elif isinstance(value, list | tuple):
            value = ",".join(map(str, value))
        parts.append(f"{key}={value}")
    return ";".join(parts)


def on_vault_event(sender: Any, kind: str, details: dict[str, Any], **kwargs: Any) -> None:
    with transaction.atomic():
        record_event(actor=None, action=f"vault.{kind}"[:64], object_ref=_ref(details))
