"""Personal data held by the vault: data keys and the erasure log, both under pseudonyms.

Plain dicts on purpose: ``vault`` imports nothing from other Candor apps; the privacy app
reads this list (see docs/privacy.md, "Data inventory").
"""

from __future__ import annotations

from typing import Any

SIGNALS_PURPOSE = "signals"  # the pseudonym purpose on a learner's signal rows and keys


def _owner(user: Any) -> str:
    from candor.vault import api

    return str(api.pseudonym(SIGNALS_PURPOSE, str(user.pk)))


def _keys(user: Any) -> list[dict[str, Any]]:
    from candor.vault.models import DataKey

    rows = DataKey.objects.filter(owner=_owner(user)).order_by("period", "version")
    return [dict(r) for r in rows.values("period", "version", "created_at", "shredded_at")]


def _erasures(user: Any) -> list[dict[str, Any]]:
    from candor.vault.models import ErasureLog

    return [dict(r) for r in ErasureLog.objects.filter(owner=_owner(user)).values("erased_at")]


DECLARATIONS: list[dict[str, Any]] = [
    {
        "model": "vault.DataKey",
        "title": "The keys that lock your interaction signals",
        "category": "signals",
        "fields": {
            "period": "The month the key locks",
            "version": "The key's version",
            "created_at": "When it was made",
            "shredded_at": "When it was destroyed (erasure or retention)",
        },
        "withheld": {"wrapped": "the key itself, encrypted: key material is never handed out"},
        "subject_field": "",
        "export": _keys,
        "purposes": ["learner_self_view", "learner_help"],
        "legal_basis": "consent",
        "audience": ["nobody: only the server uses them, to show your signals to you"],
        "retention": "Destroyed when their month passes the signal retention (180 days by "
        "default) or when you erase your signals; a tombstone without the key remains.",
        "on_erasure": "Destroyed at once (crypto-shredding): the signals can never be read "
        "again, backups included.",
        "in_signals_notice": True,
    },
    {
        "model": "vault.ErasureLog",
        "title": "When your signals were erased",
        "category": "signals",
        "fields": {"erased_at": "When an erasure happened"},
        "subject_field": "",
        "export": _erasures,
        "purposes": ["data_subject_request"],
        "legal_basis": "legal_obligation",
        "audience": ["nobody reads it; the server replays it after restoring a key backup"],
        "retention": "About eight months: after that no key it could apply to can exist.",
        "on_erasure": "Kept for that time, so a restored backup cannot bring your keys back.",
    },
    {
        "model": "vault.VaultSelfTestRow",
        "reason": "sealed rows of the vault's own self-check and benchmark; no person's data",
    },
]
