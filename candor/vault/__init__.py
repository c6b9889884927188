"""Envelope encryption, data keys, pseudonyms and crypto-shredding (see README.md).

``import candor.vault as vault; vault.seal(...)``. The names are loaded lazily so that
``candor/settings.py`` can import ``candor.vault.conf`` before Django is set up.
"""

from __future__ import annotations

from typing import Any

_API = {
    "OpenResult",
    "RotationReport",
    "erase_owner",
    "key_version_of",
    "open",
    "open_many",
    "period_for",
    "pseudonym",
    "purge_expired",
    "replay_erasures",
    "reset",
    "retire_kek",
    "rotate_kek",
    "seal",
    "seal_many",
    "shred_owner",
    "shred_period",
}


def __getattr__(name: str) -> Any:
    if name in _API:
        from candor.vault import api

        value = getattr(api, name)
        globals()[name] = value  # later look-ups skip this function (hot path: seal)
        return value
    raise AttributeError(f"module 'candor.vault' has no attribute {name!r}")
