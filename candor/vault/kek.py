"""Key-encryption-key (KEK) providers: key file, environment variable, AWS KMS.

The KEK never enters the database. Every provider is versioned: a data key records the KEK
version that wrapped it, ``rotate_kek`` re-wraps under the newest version, and an old
version can be retired once nothing uses it.

Local providers wrap with AES key wrap (RFC 3394), whose integrity check tells a wrong KEK
from a right one. The AWS KMS provider uses ``GenerateDataKey`` / ``Decrypt`` (``Encrypt``
to re-wrap), with an encryption context binding each wrapped key to its key-store row.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from candor.vault.conf import VaultSettings
from candor.vault.errors import KEKUnavailable, WrongKEK

KEY_BYTES = 32
_FINGERPRINT_LABEL = b"candor-vault/kek-fingerprint/v1"
_FILE_FORMAT = "candor-kek/1"


def fingerprint_of(key: bytes) -> str:
    """An HMAC of a fixed label: identifies a key without revealing anything about it."""
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:32]


def _decode_key(raw: str, where: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KEKUnavailable(f"{where} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KEKUnavailable(f"{where} is {len(key)} bytes, a KEK must be {KEY_BYTES}")
    return key


class KEKProvider(ABC):
    name = "abstract"

    @abstractmethod
    def describe(self) -> str:
        """Where the KEK comes from, for error messages and command output (no secret)."""

    @abstractmethod
    def versions(self) -> list[int]: ...

    def current_version(self) -> int:
        return max(self.versions())

    @abstractmethod
    def fingerprint(self, version: int) -> str: ...

    @abstractmethod
    def wrap(self, key: bytes, version: int, context: str) -> bytes: ...

    @abstractmethod
    def unwrap(self, wrapped: bytes, version: int, context: str) -> bytes: ...

    def generate(self, context: str) -> tuple[bytes, bytes, int]:
        """A new random 256-bit data key: (plaintext, wrapped, KEK version)."""
        version = self.current_version()
        key = os.urandom(KEY_BYTES)
        return key, self.wrap(key, version, context), version

    def create_version(self) -> int | None:
        """Make a new KEK version and return it; None if the operator must add it."""
        return None

    def remove_version(self, version: int) -> bool:
        """Destroy a retired version; False if the operator must remove it themself."""
        return False


class _LocalProvider(KEKProvider):
    """Shared by the file and environment providers: the KEK bytes are in this process."""

    def _keys(self) -> dict[int, bytes]:
        raise NotImplementedError

    def versions(self) -> list[int]:
        return sorted(self._keys())

    def _key(self, version: int) -> bytes:
        key = self._keys().get(version)
        if key is None:
            raise KEKUnavailable(f"KEK version {version} is not in {self.describe()}")
        return key

    def fingerprint(self, version: int) -> str:
        return fingerprint_of(self._key(version))

    def wrap(self, key: bytes, version: int, context: str) -> bytes:
        return aes_key_wrap(self._key(version), key)

    def unwrap(self, wrapped: bytes, version: int, context: str) -> bytes:
        try:
            return aes_key_unwrap(self._key(version), wrapped)
        except InvalidUnwrap:
            raise WrongKEK(
                f"the data key does not unwrap under KEK version {version} from "
                f"{self.describe()} (wrong KEK, or the wrapped key was altered)"
            ) from None


class EnvProvider(_LocalProvider):
    """``CANDOR_KEK=1:<base64>,2:<base64>``: the newest version wraps new keys."""

    name = "env"

    def __init__(self, raw: str):
        keys: dict[int, bytes] = {}
        for item in filter(None, (part.strip() for part in raw.split(","))):
            version, sep, encoded = item.partition(":")
            if not sep or not version.isdigit() or int(version) < 1:
                raise KEKUnavailable("CANDOR_KEK must look like 1:<base64>,2:<base64>")
            keys[int(version)] = _decode_key(encoded, f"CANDOR_KEK version {version}")
        if not keys:
            raise KEKUnavailable("CANDOR_KEK is empty")
        self._parsed = keys

    def describe(self) -> str:
        return "the CANDOR_KEK environment variable"

    def _keys(self) -> dict[int, bytes]:
        return self._parsed


class FileProvider(_LocalProvider):
    """A JSON file of versioned keys, mode 0600, outside the database.

    Created on first use only in local environments and only while the key store holds no
    key wrapped by a KEK (``may_create``): re-creating a lost KEK would make every existing
    data key fail later, one row at a time, instead of now with a clear message.
    """

    name = "file"

    def __init__(self, path: Path, *, local: bool, may_create: Callable[[], bool]):
        self.path = path
        self.local = local
        self._may_create = may_create
        self._cache: tuple[float, dict[int, bytes], int] | None = None

    def describe(self) -> str:
        return f"KEK file {self.path}"

    def _keys(self) -> dict[int, bytes]:
        return self._load()[0]

    def current_version(self) -> int:
        return self._load()[1]

    def _load(self) -> tuple[dict[int, bytes], int]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._create_first()
            st = self.path.stat()
        # Re-read when another process rotated the KEK, so new keys use the new version.
        if self._cache is None or self._cache[0] != st.st_mtime_ns:
            self._check_mode(st)
            keys, current = self._parse(self.path.read_text())
            self._cache = (st.st_mtime_ns, keys, current)
        return self._cache[1], self._cache[2]

    def _check_mode(self, st: os.stat_result) -> None:
        if stat.S_IMODE(st.st_mode) & 0o077 and not self.local:
            raise KEKUnavailable(
                f"{self.describe()} is readable by other users (mode "
                f"{stat.S_IMODE(st.st_mode):o}); make it 0600"
            )

    def _parse(self, text: str) -> tuple[dict[int, bytes], int]:
        try:
            doc = json.loads(text)
            keys = {
                int(v): _decode_key(k, f"{self.describe()} version {v}")
                for v, k in doc["keys"].items()
            }
            current = int(doc["current"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise KEKUnavailable(f"{self.describe()} is not a valid KEK file") from None
        if doc.get("format") != _FILE_FORMAT or current not in keys:
            raise KEKUnavailable(f"{self.describe()} is not a valid KEK file")
        return keys, current

    def _create_first(self) -> None:
        if not self.local:
            raise KEKUnavailable(
                f"{self.describe()} is missing; in production it is never re-created. "
                "Restore it from backup."
            )
        with self._locked():
            if self.path.exists():
                return
            if not self._may_create():
                raise KEKUnavailable(
                    f"{self.describe()} is missing but the key store holds keys wrapped by a "
                    "KEK: restore the file from backup (a new KEK would not open them)"
                )
            self._write({1: os.urandom(KEY_BYTES)}, 1)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers of the file across processes (rotation, first creation)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, keys: dict[int, bytes], current: int) -> None:
        doc = {
            "format": _FILE_FORMAT,
            "current": current,
            "keys": {str(v): base64.b64encode(k).decode() for v, k in sorted(keys.items())},
        }
        # Write a new file and rename it over the old one: a crash leaves either file whole.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".kek-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(doc, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self._cache = None

    def create_version(self) -> int:
        with self._locked():
            self._cache = None
            keys, _ = self._load()
            new = max(keys) + 1
            self._write({**keys, new: os.urandom(KEY_BYTES)}, new)
            return new

    def remove_version(self, version: int) -> bool:
        with self._locked():
            self._cache = None
            keys, current = self._load()
            if version == current:
                raise KEKUnavailable(f"KEK version {version} is current and cannot be retired")
            if version in keys:
                self._write({v: k for v, k in keys.items() if v != version}, current)
            return True


class AwsKmsProvider(KEKProvider):
    """AWS KMS (or any server speaking its API, such as moto in the tests).

    ``CANDOR_KMS_KEY_ID`` is a key id, ARN or alias, or a versioned list ``1:<id>,2:<id>``.
    The KEK stays in KMS; this process only ever holds data keys.
    """

    name = "aws-kms"

    def __init__(self, key_ids: str, *, endpoint_url: str = "", region: str = "eu-west-1"):
        self.key_ids = self._parse(key_ids)
        self.endpoint_url = endpoint_url
        self.region = region
        self._client: Any = None

    @staticmethod
    def _parse(raw: str) -> dict[int, str]:
        ids: dict[int, str] = {}
        items = [part.strip() for part in raw.split(",") if part.strip()]
        for item in items:
            match = re.fullmatch(r"(\d+):(.+)", item)
            if match:
                ids[int(match[1])] = match[2]
            elif len(items) == 1:
                ids[1] = item
            else:
                raise KEKUnavailable("CANDOR_KMS_KEY_ID with several keys must be 1:<id>,2:<id>")
        if not ids:
            raise KEKUnavailable("CANDOR_KMS_KEY_ID is empty")
        return ids

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"AWS KMS{where}"

    def client(self) -> Any:
        if self._client is None:
            import boto3  # imported here: only deployments using KMS pay for boto3

            self._client = boto3.client(
                "kms", region_name=self.region, endpoint_url=self.endpoint_url or None
            )
        return self._client

    def versions(self) -> list[int]:
        return sorted(self.key_ids)

    def _key_id(self, version: int) -> str:
        key_id = self.key_ids.get(version)
        if key_id is None:
            raise KEKUnavailable(f"KEK version {version} is not in CANDOR_KMS_KEY_ID")
        return key_id

    @staticmethod
    def _context(context: str) -> dict[str, str]:
        # A digest, not the pseudonym itself: KMS request logs live outside our control.
        return {"candor-datakey": hashlib.sha256(context.encode()).hexdigest()[:32]}

    def _call(self, version: int, operation: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client(), operation)(**kwargs)  # type: ignore[no-any-return]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"InvalidCiphertextException", "IncorrectKeyException"}:
                raise WrongKEK(
                    f"KMS refused to unwrap the data key with KEK version {version} ({code})"
                ) from None
            raise KEKUnavailable(
                f"KMS {operation} failed for KEK version {version}: {code}"
            ) from None
        except BotoCoreError as exc:
            raise KEKUnavailable(f"cannot reach {self.describe()}: {exc}") from None

    def fingerprint(self, version: int) -> str:
        meta = self._call(version, "describe_key", KeyId=self._key_id(version))["KeyMetadata"]
        return hashlib.sha256(meta["Arn"].encode()).hexdigest()[:32]

    def generate(self, context: str) -> tuple[bytes, bytes, int]:
        version = self.current_version()
        out = self._call(
            version,
            "generate_data_key",
            KeyId=self._key_id(version),
            KeySpec="AES_256",
            EncryptionContext=self._context(context),
        )
        return out["Plaintext"], out["CiphertextBlob"], version

    def wrap(self, key: bytes, version: int, context: str) -> bytes:
        out = self._call(
            version,
            "encrypt",
            KeyId=self._key_id(version),
            Plaintext=key,
            EncryptionContext=self._context(context),
        )
        return out["CiphertextBlob"]  # type: ignore[no-any-return]

    def unwrap(self, wrapped: bytes, version: int, context: str) -> bytes:
        out = self._call(
            version,
            "decrypt",
            KeyId=self._key_id(version),
            CiphertextBlob=wrapped,
            EncryptionContext=self._context(context),
        )
        return out["Plaintext"]  # type: ignore[no-any-return]


def provider_from(conf: VaultSettings, may_create: Callable[[], bool]) -> KEKProvider:
    if conf.kek_provider == "env":
        return EnvProvider(conf.kek_env)
    if conf.kek_provider == "aws-kms":
        return AwsKmsProvider(
            conf.kms_key_ids, endpoint_url=conf.kms_endpoint_url, region=conf.kms_region
        )
    return FileProvider(conf.kek_file, local=conf.local, may_create=may_create)
