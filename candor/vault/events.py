"""A Django signal for key operations, so the audit log can record them.

The vault may not import ``privacy`` (it sits below it), so it announces instead:
``privacy`` connects a receiver to ``vault_event`` and writes the audit entry. Payloads carry
pseudonyms and counts, never key material or signal values.

Kinds: ``erase_owner``, ``replay_erasures``, ``purge``, ``rotate_kek``, ``retire_kek``.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

vault_event = Signal()


def emit(kind: str, **details: Any) -> None:
    vault_event.send(sender="candor.vault", kind=kind, details=details)
