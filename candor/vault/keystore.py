"""Data keys: creation, lookup, a bounded in-process cache, shredding and KEK rotation.

This module and ``envelope.py`` are the only code that holds a plaintext data key.

The cache: sealing a signal must not cost a key-store query and a KEK unwrap per row, so
unwrapped keys stay in this process for at most ``CANDOR_VAULT_KEY_CACHE_SECONDS`` (60 s by
default) and at most ``CANDOR_VAULT_KEY_CACHE_SIZE`` entries (oldest out first). Shredding
removes the keys from *this* process at once; another process may keep using a shredded key
until its entry expires — that bound is documented in docs/privacy.md.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, connections, transaction
from django.db.models import Max
from django.utils import timezone

from candor.vault import conf as vault_conf
from candor.vault.conf import KEYSTORE_ALIAS
from candor.vault.errors import (
    CiphertextCorrupted,
    DataKeyShredded,
    InvalidInput,
    KEKUnavailable,
    KeyInUse,
    PeriodExpired,
    PseudonymSecretUnavailable,
    UnknownKeyVersion,
    VaultError,
    WrongKEK,
)
from candor.vault.kek import KEKProvider, provider_from
from candor.vault.models import DataKey, KeyCheck
from candor.vault.pseudonyms import Pseudonymiser, load_secret, secret_fingerprint

KeyRef = tuple[str, str, int]  # (owner, period, version)
_OWNER_RE = re.compile(r"[A-Za-z0-9:_.\-]{1,64}")


def check_owner(owner: str) -> None:
    if not isinstance(owner, str) or not _OWNER_RE.fullmatch(owner):
        raise InvalidInput(f"owner {owner!r} must be a pseudonym ([A-Za-z0-9:_.-], 1-64 chars)")


class KeyCache:
    """Bounded map of unwrapped keys with a time-to-live; thread-safe."""

    def __init__(self, size: int, ttl: float):
        self.size = size
        self.ttl = ttl
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        # No lock on the hot path: dict.get is atomic under the GIL, and an entry that
        # expires is simply replaced by the next put. Eviction is by insertion order.
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (time.monotonic() + self.ttl, value)
            while len(self._entries) > self.size:
                self._entries.pop(next(iter(self._entries)))

    def drop(self, owner: str | None = None, period: str | None = None) -> None:
        with self._lock:
            for key in [
                k
                for k in list(self._entries)
                if (owner is None or k[1] == owner) and (period is None or k[2] == period)
            ]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class VaultState:
    conf: vault_conf.VaultSettings
    provider: KEKProvider
    cache: KeyCache
    verified_keks: set[int] = field(default_factory=set)
    pseudonymiser: Pseudonymiser | None = None


_state: VaultState | None = None
_state_lock = threading.Lock()


def state() -> VaultState:
    global _state
    current = _state
    if current is None:
        with _state_lock:
            if _state is None:
                conf = vault_conf.load()
                _state = VaultState(
                    conf=conf,
                    provider=provider_from(conf, may_create=_no_kek_in_use),
                    cache=KeyCache(conf.cache_size, conf.cache_seconds),
                )
            current = _state
    return current


def reset() -> None:
    """Forget configuration, providers and cached keys (tests; after changing the env)."""
    global _state
    with _state_lock:
        if _state is not None:
            _state.cache.clear()
        _state = None


def _no_kek_in_use() -> bool:
    return not (
        DataKey.objects.exists() or KeyCheck.objects.filter(name__startswith="kek:").exists()
    )


def _check(name: str, fingerprint: str, error: type[VaultError], what: str) -> None:
    """Record a key's fingerprint on first use; refuse a different key afterwards."""
    try:
        with transaction.atomic(using=KEYSTORE_ALIAS):
            stored, _ = KeyCheck.objects.get_or_create(
                name=name, defaults={"fingerprint": fingerprint}
            )
    except IntegrityError:  # another process recorded it first
        stored = KeyCheck.objects.get(name=name)
    if not hmac.compare_digest(stored.fingerprint, fingerprint):
        raise error(
            f"{what} does not match the key store's fingerprint for {name}: it is not the key "
            "the stored data was protected with (restore the right one from backup)"
        )


def verify_kek(version: int) -> None:
    st = state()
    if version in st.verified_keks:
        return
    _check(
        f"kek:v{version}",
        st.provider.fingerprint(version),
        WrongKEK,
        f"KEK version {version} from {st.provider.describe()}",
    )
    st.verified_keks.add(version)


def pseudonymiser() -> Pseudonymiser:
    st = state()
    if st.pseudonymiser is None:
        secret = load_secret(
            st.conf, may_create=lambda: not KeyCheck.objects.filter(name="pseudonym").exists()
        )
        _check(
            "pseudonym",
            secret_fingerprint(secret),
            PseudonymSecretUnavailable,
            "the pseudonym secret",
        )
        st.pseudonymiser = Pseudonymiser(secret)
    return st.pseudonymiser


def _context(owner: str, period: str, version: int) -> str:
    return f"{owner}/{period}/{version}"


def _unwrap(dk: DataKey) -> AESGCM:
    st = state()
    if dk.wrapped is None:
        raise DataKeyShredded(
            f"the data key of {dk.owner}/{dk.period} version {dk.version} was destroyed "
            f"on {dk.shredded_at:%Y-%m-%d %H:%M} UTC (learner erased)"
        )
    verify_kek(dk.kek_version)
    context = _context(dk.owner, dk.period, dk.version)
    raw = st.provider.unwrap(bytes(dk.wrapped), dk.kek_version, context)
    return AESGCM(raw)


def current_key(owner: str, period: str) -> tuple[int, AESGCM]:
    """The live data key for (owner, period), created if there is none. Cached."""
    st = state()
    hit = st.cache.get(("c", owner, period))
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    from candor.vault.retention import is_expired

    # Validated here, on the cache miss: a cached key means this pair was checked already.
    check_owner(owner)
    if is_expired(period):  # also validates the period's format
        raise PeriodExpired(f"cannot seal into {period}: its retention period has passed")
    for _attempt in range(5):
        live = DataKey.objects.filter(owner=owner, period=period, shredded_at__isnull=True).first()
        if live is not None:
            found = (live.version, _unwrap(live))
            break
        try:
            found = _create_key(owner, period)
            break
        except IntegrityError:
            continue  # another process created it between our read and our insert: use theirs
    else:  # pragma: no cover - five lost races in a row means something else is wrong
        raise KEKUnavailable(f"could not create or read the data key of {owner}/{period}")
    st.cache.put(("c", owner, period), found)
    st.cache.put(("k", owner, period, found[0]), found[1])
    return found


def _create_key(owner: str, period: str) -> tuple[int, AESGCM]:
    st = state()
    with transaction.atomic(using=KEYSTORE_ALIAS):
        last = DataKey.objects.filter(owner=owner, period=period).aggregate(v=Max("version"))["v"]
        version = (last or 0) + 1
        verify_kek(st.provider.current_version())
        plaintext, wrapped, kek_version = st.provider.generate(_context(owner, period, version))
        verify_kek(kek_version)
        DataKey.objects.create(
            owner=owner,
            period=period,
            version=version,
            kek_version=kek_version,
            wrapped=wrapped,
            created_at=timezone.now(),
        )
    return version, AESGCM(plaintext)


def keys_for(refs: Iterable[KeyRef]) -> dict[KeyRef, AESGCM | VaultError]:
    """Keys (or the reason there is none) for many rows, in one key-store query."""
    st = state()
    out: dict[KeyRef, AESGCM | VaultError] = {}
    missing: set[KeyRef] = set()
    for ref in set(refs):
        hit = st.cache.get(("k", *ref))
        if hit is not None:
            out[ref] = hit
        else:
            missing.add(ref)
    if not missing:
        return out
    rows = DataKey.objects.filter(
        owner__in={r[0] for r in missing}, period__in={r[1] for r in missing}
    )
    found = {(dk.owner, dk.period, dk.version): dk for dk in rows}
    for ref in missing:
        dk = found.get(ref)
        if dk is None:
            out[ref] = _missing_key_error(ref)
            continue
        try:
            out[ref] = aead = _unwrap(dk)
        except VaultError as exc:
            out[ref] = exc
        else:
            st.cache.put(("k", *ref), aead)
    return out


def _missing_key_error(ref: KeyRef) -> VaultError:
    from candor.vault.retention import is_expired

    owner, period, version = ref
    try:
        expired = is_expired(period)
    except VaultError:
        return CiphertextCorrupted(f"the row's period {period!r} is not a valid period")
    if expired:
        return DataKeyShredded(f"period {period} passed its retention; purge destroyed its keys")
    return UnknownKeyVersion(
        f"the key store has no data key version {version} for {owner}/{period} (the key "
        "store was restored from an older backup, lost, or the row was forged)"
    )


def shred_owner(owner: str, *, created_before: datetime | None = None) -> int:
    """Destroy the owner's live data keys (all periods); return how many were destroyed."""
    keys = DataKey.objects.filter(owner=owner, shredded_at__isnull=True)
    if created_before is not None:
        keys = keys.filter(created_at__lte=created_before)
    count = keys.update(wrapped=None, shredded_at=timezone.now())
    state().cache.drop(owner=owner)
    if count:
        _scrub()
    return count


def shred_period(period: str) -> int:
    """Destroy every data key of a period (retention): their rows become unreadable."""
    count, _ = DataKey.objects.filter(period=period).delete()
    state().cache.drop(period=period)
    if count:
        _scrub()
    return count


def _scrub() -> None:
    """SQLite key store: write the WAL back now, so the destroyed keys' old pages leave it.

    ``secure_delete`` zeroes a destroyed key in the database file, but in WAL mode the page
    that held it stays in the -wal file until a checkpoint. Best effort: a busy reader only
    delays it to the next checkpoint. (PostgreSQL: see docs/privacy.md.)
    """
    conn = connections[KEYSTORE_ALIAS]
    if conn.vendor != "sqlite" or conn.in_atomic_block:
        return
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def live_versions(owner: str) -> set[tuple[str, int]]:
    return set(
        DataKey.objects.filter(owner=owner, shredded_at__isnull=True).values_list(
            "period", "version"
        )
    )


@dataclass
class RotationReport:
    kek_version: int
    created_version: bool
    rewrapped: int
    already_current: int


def rotate_kek(batch: int = 500) -> RotationReport:
    """Re-wrap every live data key under the newest KEK version; the data is not touched.

    With the key-file provider a new version is created first. With the environment or KMS
    providers the operator adds the new version to the configuration, then runs this.
    """
    st = state()
    created = st.provider.create_version()
    target = st.provider.current_version()
    verify_kek(target)
    rewrapped = 0
    last_pk = 0
    while True:
        with transaction.atomic(using=KEYSTORE_ALIAS):
            chunk = list(
                DataKey.objects.filter(pk__gt=last_pk, wrapped__isnull=False)
                .exclude(kek_version=target)
                .order_by("pk")[:batch]
            )
            for dk in chunk:
                context = _context(dk.owner, dk.period, dk.version)
                verify_kek(dk.kek_version)
                plaintext = st.provider.unwrap(bytes(dk.wrapped or b""), dk.kek_version, context)
                dk.wrapped = st.provider.wrap(plaintext, target, context)
                dk.kek_version = target
                dk.save(update_fields=["wrapped", "kek_version"])
        if not chunk:
            break
        rewrapped += len(chunk)
        last_pk = chunk[-1].pk
    current = DataKey.objects.filter(wrapped__isnull=False, kek_version=target).count()
    return RotationReport(target, created is not None, rewrapped, current - rewrapped)


def kek_usage() -> dict[int, int]:
    """Live data keys per KEK version."""
    usage: dict[int, int] = {}
    for version in DataKey.objects.filter(wrapped__isnull=False).values_list(
        "kek_version", flat=True
    ):
        usage[version] = usage.get(version, 0) + 1
    return usage


def retire_kek(version: int) -> bool:
    """Destroy an old KEK version once no live data key needs it.

    Returns True when the provider destroyed it (key file), False when the operator must
    remove it from the configuration (environment, KMS). Retiring it also makes every key
    store backup taken before the rotation unreadable — a wanted side effect.
    """
    st = state()
    if version == st.provider.current_version():
        raise KeyInUse(f"KEK version {version} is the current version; rotate first")
    in_use = DataKey.objects.filter(wrapped__isnull=False, kek_version=version).count()
    if in_use:
        raise KeyInUse(
            f"{in_use} data keys are still wrapped by KEK version {version}; run rotate-kek"
        )
    removed = st.provider.remove_version(version)
    KeyCheck.objects.filter(name=f"kek:v{version}").delete()
    st.verified_keks.discard(version)
    return removed
