"""The vault's tables.

Main database: ``SealedRow`` (abstract base of every table of sealed rows), the erasure log,
and ``VaultSelfTestRow`` (a concrete sealed table used by the tests, the benchmark and the
breach drill's self-check). Key store database (see ``routers.py``): wrapped data keys and
key fingerprints.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models

if TYPE_CHECKING:
    from candor.vault.api import OpenResult


_api_module: Any = None


def _api() -> Any:
    # api imports this module (through keystore), so it is imported on first use, once.
    global _api_module
    if _api_module is None:
        from candor.vault import api

        _api_module = api
    return _api_module


class SealedRow(models.Model):
    """A row whose content is one AES-256-GCM ciphertext under its owner's data key.

    Only what the vault needs stays in plaintext (DESIGN-NOTES §1): anything else — the
    exercise, attempt, timestamps, every feature — goes inside ``blob``, because a plaintext
    exercise id and time next to a pseudonym can be joined back to a person.

    The primary key is a UUID chosen before the insert so the row can be sealed (its id is in
    the associated data) and bulk-inserted in one statement.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.CharField(max_length=64, db_index=True)
    period = models.CharField(max_length=7, db_index=True)
    blob = models.BinaryField()

    # Bump in the concrete model when the sealed payload's layout changes; each blob records
    # the version it was sealed with, so old rows still open.
    vault_schema_version: ClassVar[int] = 1

    class Meta:
        abstract = True

    @classmethod
    def sealed(cls, owner: str, period: str, plaintext: bytes, **fields: Any) -> Self:
        """A new, unsaved row holding ``plaintext`` sealed for ``owner`` and ``period``."""
        row_id = fields.pop("id", None) or uuid.uuid4()  # client-chosen ids are welcome
        blob = _api().seal(
            owner, period, cls._meta.db_table, row_id, plaintext, schema=cls.vault_schema_version
        )
        # One constructor call with every field: this runs once per stored signal.
        return cls(id=row_id, owner=owner, period=period, blob=blob, **fields)

    @classmethod
    def sealed_many(
        cls, owner: str, period: str, plaintexts: Iterable[bytes], **fields: Any
    ) -> list[Self]:
        """New, unsaved rows for one owner's batch (one key look-up for all of them)."""
        items = [(uuid.uuid4(), plaintext) for plaintext in plaintexts]
        blobs = _api().seal_many(
            owner, period, cls._meta.db_table, items, schema=cls.vault_schema_version
        )
        return [
            cls(id=row_id, owner=owner, period=period, blob=blob, **fields)
            for (row_id, _), blob in zip(items, blobs, strict=True)
        ]

    @property
    def key_version(self) -> int:
        """The data-key version, read from the blob's authenticated header."""
        return int(_api().key_version_of(self.blob))

    def open_payload(self) -> bytes:
        """The plaintext, or a ``VaultError`` naming this row and the cause."""
        return _api().open(self.owner, self.period, self._meta.db_table, self.pk, self.blob)

    @classmethod
    def open_rows(cls, rows: list[Self]) -> list[OpenResult]:
        """Per-row results (value or error) for a page that lists many rows."""
        return _api().open_many(cls._meta.db_table, rows)


class VaultSelfTestRow(SealedRow):
    """A concrete sealed table that holds no learner data: tests, benchmark, drill check."""

    class Meta:
        verbose_name = "vault self-test row"


class ErasureLog(models.Model):
    """One line per learner erasure: pseudonym and time, nothing else.

    It lives in the main database, apart from the keys, so that after a restore of the key
    store ``candor vault replay-erasures`` can destroy again the keys that came back.
    """

    owner = models.CharField(max_length=64, db_index=True)
    erased_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["erased_at", "id"]

    def __str__(self) -> str:
        return f"{self.owner} erased at {self.erased_at:%Y-%m-%d %H:%M:%S}"


class DataKey(models.Model):
    """A data key, wrapped by the KEK (key store database only).

    One live key per (owner, period); ``version`` grows when a key is shredded and the owner
    later gets a new one, so an old ciphertext never meets a new key by accident. A shredded
    key keeps its row with ``wrapped`` emptied (a tombstone), so opening its rows says
    "destroyed" rather than "missing".
    """

    owner = models.CharField(max_length=64)
    period = models.CharField(max_length=7, db_index=True)
    version = models.PositiveIntegerField()
    kek_version = models.PositiveIntegerField()
    wrapped = models.BinaryField(null=True)
    created_at = models.DateTimeField()
    shredded_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "period", "version"], name="vault_datakey_unique_version"
            ),
            # The concurrency guarantee: two processes sealing for the same owner and period
            # cannot both create a live key; the loser reads the winner's.
            models.UniqueConstraint(
                fields=["owner", "period"],
                condition=models.Q(shredded_at__isnull=True),
                name="vault_datakey_one_live_key",
            ),
        ]

    def __str__(self) -> str:
        return f"data key {self.owner}/{self.period}/v{self.version}"


class KeyCheck(models.Model):
    """Fingerprints of the KEK versions and of the pseudonym secret (key store only).

    A fingerprint is an HMAC of a fixed label under the key: it reveals nothing about the key
    but tells a wrong or re-created key apart from the one the stored data needs.
    """

    name = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
