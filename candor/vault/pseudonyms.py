"""Keyed-HMAC pseudonyms, one key per purpose.

``pseudonym("signals", str(user.pk))`` names a learner's signal rows. Without the secret, a
copy of the database cannot turn a pseudonym back into a user id, and an unkeyed hash would
not do: anyone can hash every user id and compare. Different purposes get different keys
(HKDF), so the pseudonym in the audit log cannot be matched to the one on signal rows.

The secret lives outside the database like the KEK: ``CANDOR_PSEUDONYM_SECRET`` or the file
``VAR_DIR/keys/pseudonym.key`` (mode 0600, created on first use in local environments only).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from candor.vault.conf import VaultSettings
from candor.vault.errors import InvalidInput, PseudonymSecretUnavailable

PSEUDONYM_HEX_CHARS = 32  # 128 bits: collisions are out of reach for any realistic population
_PURPOSE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_FINGERPRINT_LABEL = b"candor-vault/pseudonym-fingerprint/v1"


def secret_fingerprint(secret: bytes) -> str:
    return hmac.new(secret, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:32]


def load_secret(conf: VaultSettings, may_create: Callable[[], bool]) -> bytes:
    if conf.pseudonym_secret:
        if len(conf.pseudonym_secret) < 32:
            raise PseudonymSecretUnavailable(
                "CANDOR_PSEUDONYM_SECRET must be at least 32 characters"
            )
        return conf.pseudonym_secret.encode()
    path = conf.pseudonym_file
    if not path.exists():
        if not conf.local:
            raise PseudonymSecretUnavailable(
                f"{path} is missing; in production it is never re-created. Restore it."
            )
        if not may_create():
            raise PseudonymSecretUnavailable(
                f"{path} is missing but data was pseudonymised with a secret before: restore "
                "the file (a new secret would orphan every stored signal)"
            )
        _create(path)
    try:
        return base64.b64decode(path.read_text().strip(), validate=True)
    except ValueError:
        raise PseudonymSecretUnavailable(f"{path} is not valid base64") from None


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(os.urandom(32)).decode())
        fh.flush()
        os.fsync(fh.fileno())
    try:
        # link() fails if another process created the file first: theirs wins, whole.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


class Pseudonymiser:
    def __init__(self, secret: bytes):
        self._secret = secret
        self._keys: dict[str, bytes] = {}

    def _key(self, purpose: str) -> bytes:
        key = self._keys.get(purpose)
        if key is None:
            if not _PURPOSE_RE.fullmatch(purpose):
                raise InvalidInput(f"pseudonym purpose {purpose!r} must match [a-z][a-z0-9_]*")
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=b"candor-vault/pseudonym/v1",
                info=purpose.encode(),
            ).derive(self._secret)
            self._keys[purpose] = key
        return key

    def __call__(self, purpose: str, subject_id: str) -> str:
        if not isinstance(subject_id, str) or not subject_id:
            raise InvalidInput("a pseudonym needs a non-empty subject id string")
        digest = hmac.new(self._key(purpose), subject_id.encode(), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_HEX_CHARS]
