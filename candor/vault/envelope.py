"""The sealed blob format and the associated data that binds it to its row.

Blob layout (all integers big-endian)::

    0      1 byte   format version (1)
    1..2   2 bytes  schema version of the payload
    3..6   4 bytes  data-key version
    7..18  12 bytes random nonce
    19..   ciphertext followed by the 16-byte GCM tag

The associated data is a fixed label, length-prefixed table, owner, period and row id, then
the 7-byte header. GCM authenticates it, so a blob copied to another row, owner, period or
table — or given another schema or key version — fails to open instead of decrypting.
"""

from __future__ import annotations

import functools
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from candor.vault.errors import CiphertextCorrupted, InvalidInput

FORMAT_VERSION = 1
NONCE_BYTES = 12  # 96-bit random nonces: GCM's native size, no GHASH of the nonce
TAG_BYTES = 16
_HEADER = struct.Struct(">BHI")
HEADER_BYTES = _HEADER.size
MIN_BLOB_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES
_LABEL = b"candor-vault/aad/v1\x00"


@dataclass(frozen=True)
class Header:
    format_version: int
    schema: int
    key_version: int


def _field(value: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise InvalidInput("associated-data field longer than 65535 bytes")
    return struct.pack(">H", len(raw)) + raw


@functools.lru_cache(maxsize=8192)
def _prefix(table: str, owner: str, period: str) -> bytes:
    # Cached: a batch seals many rows of one owner and period; only the row id changes.
    return _LABEL + _field(table) + _field(owner) + _field(period)


def associated_data(header: bytes, table: str, owner: str, period: str, row_id: str) -> bytes:
    """Label, then length-prefixed table, owner, period, row id, then the fixed-size header."""
    return b"".join((_prefix(table, owner, period), _field(row_id), header))


def read_header(blob: bytes) -> Header:
    """Parse the header, or say why the blob cannot be one of ours."""
    if len(blob) < MIN_BLOB_BYTES:
        raise CiphertextCorrupted(
            f"blob is {len(blob)} bytes, shorter than the minimum {MIN_BLOB_BYTES} "
            "(truncated or not a sealed value)"
        )
    fmt, schema, key_version = _HEADER.unpack_from(blob)
    if fmt != FORMAT_VERSION:
        raise CiphertextCorrupted(f"unknown blob format version {fmt}")
    if key_version == 0:
        raise CiphertextCorrupted("blob names key version 0, which is never issued")
    return Header(fmt, schema, key_version)


class Sealer:
    """Seals rows of one (table, owner, period, schema) under one data key.

    Everything that does not change from row to row — header, associated-data prefix, the
    cipher — is computed once; sealing a row is then a nonce, its id and one AES-GCM call.
    """

    __slots__ = ("_encrypt", "header", "prefix")

    def __init__(
        self, aead: AESGCM, key_version: int, schema: int, table: str, owner: str, period: str
    ):
        self._encrypt = aead.encrypt
        self.header = _HEADER.pack(FORMAT_VERSION, schema, key_version)
        self.prefix = _prefix(table, owner, period)

    def __call__(self, row_id: str, plaintext: bytes, nonce: bytes | None = None) -> bytes:
        nonce = nonce or os.urandom(NONCE_BYTES)
        aad = b"".join((self.prefix, _field(row_id), self.header))
        return self.header + nonce + self._encrypt(nonce, plaintext, aad)


def encrypt(
    aead: AESGCM,
    key_version: int,
    schema: int,
    table: str,
    owner: str,
    period: str,
    row_id: str,
    plaintext: bytes,
) -> bytes:
    return Sealer(aead, key_version, schema, table, owner, period)(row_id, plaintext)


def encrypt_many(sealer: Sealer, items: list[tuple[str, bytes]]) -> list[bytes]:
    """Seal a batch of one owner's rows: same format, a fresh random nonce per row.

    The nonces come from one ``os.urandom`` call (each still 96 independent random bits),
    which saves a system call per row.
    """
    randomness = os.urandom(NONCE_BYTES * len(items))
    return [
        sealer(row_id, plaintext, randomness[i * NONCE_BYTES : (i + 1) * NONCE_BYTES])
        for i, (row_id, plaintext) in enumerate(items)
    ]


def decrypt(aead: AESGCM, blob: bytes, table: str, owner: str, period: str, row_id: str) -> bytes:
    header = blob[:HEADER_BYTES]
    nonce = blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
    aad = associated_data(header, table, owner, period, row_id)
    try:
        return aead.decrypt(nonce, blob[HEADER_BYTES + NONCE_BYTES :], aad)
    except InvalidTag:
        raise CiphertextCorrupted(
            "authentication failed: the blob was altered or truncated, or it belongs to "
            "another row, owner, period or table"
        ) from None


def nonce_of(blob: bytes) -> bytes:
    return blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
