"""Send the key store's tables to the ``keystore`` database, and nothing else there.

Why a second database: a copy of the main database restored from backup must not bring back
the data keys of a learner erased since. Keys and data are backed up, restored and leaked
separately; the erasure log (main database) re-shreds keys after a key-store restore.
"""

from __future__ import annotations

from typing import Any

from candor.vault.conf import KEYSTORE_ALIAS

KEYSTORE_MODELS = frozenset({"datakey", "keycheck"})


def _in_keystore(model: Any) -> bool:
    meta = model._meta
    return meta.app_label == "vault" and meta.model_name in KEYSTORE_MODELS


class KeystoreRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return KEYSTORE_ALIAS if _in_keystore(model) else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return KEYSTORE_ALIAS if _in_keystore(model) else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # No foreign key may cross between the key store and the main database.
        if _in_keystore(obj1) != _in_keystore(obj2):
            return False
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if app_label == "vault" and model_name is not None:
            return (model_name in KEYSTORE_MODELS) == (db == KEYSTORE_ALIAS)
        if db == KEYSTORE_ALIAS:
            return False
        return None
