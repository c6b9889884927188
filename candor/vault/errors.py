"""What can go wrong when opening or sealing, each with the row and the cause in its message.

A page that lists many rows uses ``open_many`` and shows the error of the one bad row; it
never crashes, never shows an empty value in place of a lost one.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base class. ``table`` and ``row_id`` are set when the error concerns one row."""

    reason = "vault error"

    def __init__(self, cause: str, *, table: str | None = None, row_id: object = None):
        self.cause = cause
        self.table = table
        self.row_id = None if row_id is None else str(row_id)
        super().__init__(self._message())

    def _message(self) -> str:
        where = ""
        if self.table is not None:
            where = f"{self.table} row {self.row_id}: " if self.row_id else f"{self.table}: "
        return f"{where}{self.reason}: {self.cause}"

    def for_row(self, table: str, row_id: object) -> VaultError:
        """The same error, naming the row it happened on."""
        return type(self)(self.cause, table=table, row_id=row_id)


class CiphertextCorrupted(VaultError):
    reason = "ciphertext rejected"


class UnknownKeyVersion(VaultError):
    reason = "no such data key"


class DataKeyShredded(VaultError):
    reason = "data key destroyed"


class KEKUnavailable(VaultError):
    reason = "key-encryption key unavailable"


class WrongKEK(VaultError):
    reason = "wrong key-encryption key"


class PseudonymSecretUnavailable(VaultError):
    reason = "pseudonym secret unavailable"


class InvalidInput(VaultError):
    reason = "invalid input"


class PeriodExpired(VaultError):
    reason = "retention period expired"


class KeyInUse(VaultError):
    reason = "key still in use"
