"""Data keys: one per owner and period, the cache, shredding, KEK loss and KEK rotation."""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

import candor.vault as vault
from candor.vault import conf, keystore
from candor.vault.errors import (
    DataKeyShredded,
    KEKUnavailable,
    KeyInUse,
    PseudonymSecretUnavailable,
    WrongKEK,
)
from candor.vault.models import DataKey, ErasureLog, KeyCheck, VaultSelfTestRow

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def _rows(owner: str, n: int = 3, period: str = "2026-11") -> list[VaultSelfTestRow]:
    rows = [VaultSelfTestRow.sealed(owner, period, f"{owner}-{i}".encode()) for i in range(n)]
    VaultSelfTestRow.objects.bulk_create(rows)
    return list(VaultSelfTestRow.objects.filter(owner=owner).order_by("pk"))


def _all_open(rows: list[VaultSelfTestRow]) -> bool:
    return all(r.ok for r in VaultSelfTestRow.open_rows(rows))


def test_one_data_key_per_owner_and_period() -> None:
    _rows("p-a")
    _rows("p-a", period="2026-10")
    _rows("p-b")
    keys = DataKey.objects.order_by("owner", "period")
    assert [(k.owner, k.period, k.version) for k in keys] == [
        ("p-a", "2026-10", 1),
        ("p-a", "2026-11", 1),
        ("p-b", "2026-11", 1),
    ]
    assert len({bytes(k.wrapped or b"") for k in keys}) == 3
    assert all(len(bytes(k.wrapped or b"")) == 40 for k in keys)  # AES key wrap of 32 bytes


def test_a_cached_key_costs_no_key_store_query(django_assert_num_queries) -> None:
    _rows("p-a", 1)
    with django_assert_num_queries(0, connection=connections["keystore"]):
        for i in range(50):
            vault.seal("p-a", "2026-11", "t", i, b"x")


def test_without_cache_the_key_comes_from_the_key_store(monkeypatch) -> None:
    monkeypatch.setenv("CANDOR_VAULT_KEY_CACHE_SECONDS", "0")
    vault.reset()
    rows = _rows("p-a", 2)
    assert DataKey.objects.count() == 1 and _all_open(rows)


def test_after_shred_owner_nothing_of_theirs_opens() -> None:
    alice, bob = _rows("p-alice"), _rows("p-bob")
    _rows("p-alice", period="2026-10")
    assert vault.shred_owner("p-alice") == 2
    alice_all = list(VaultSelfTestRow.objects.filter(owner="p-alice"))
    results = VaultSelfTestRow.open_rows(alice_all)
    assert len(results) == 6 and not any(r.ok for r in results)
    assert all(isinstance(r.error, DataKeyShredded) for r in results)
    assert "destroyed" in str(results[0].error) and results[0].row_id in str(results[0].error)
    assert _all_open(bob)
    with pytest.raises(DataKeyShredded):
        alice[0].open_payload()
    # Nothing of the key remains in the key store: only a tombstone.
    assert not DataKey.objects.filter(owner="p-alice", wrapped__isnull=False).exists()


def test_a_new_key_after_shredding_never_opens_old_rows() -> None:
    old = _rows("p-alice", 1)[0]
    vault.shred_owner("p-alice")
    new = VaultSelfTestRow.sealed("p-alice", "2026-11", b"after consent again")
    new.save()
    assert new.key_version == 2 and new.open_payload() == b"after consent again"
    with pytest.raises(DataKeyShredded):
        old.open_payload()


def test_missing_kek_file_is_an_error_never_a_new_key(vault_keys: Path) -> None:
    rows = _rows("p-a")
    (vault_keys / "kek.json").unlink()
    vault.reset()
    results = VaultSelfTestRow.open_rows(rows)
    assert all(isinstance(r.error, KEKUnavailable) for r in results)
    assert "missing" in str(results[0].error) and results[0].row_id in str(results[0].error)
    with pytest.raises(KEKUnavailable, match="restore the file"):
        vault.seal("p-new", "2026-11", "t", 1, b"x")
    assert not (vault_keys / "kek.json").exists()


def test_wrong_kek_is_named_as_such(vault_keys: Path) -> None:
    rows = _rows("p-a")
    doc = json.loads((vault_keys / "kek.json").read_text())
    doc["keys"]["1"] = base64.b64encode(os.urandom(32)).decode()
    (vault_keys / "kek.json").write_text(json.dumps(doc))
    vault.reset()
    results = VaultSelfTestRow.open_rows(rows)
    assert all(isinstance(r.error, WrongKEK) for r in results)
    assert "fingerprint" in str(results[0].error)


def test_wrong_kek_without_fingerprint_fails_the_unwrap(vault_keys: Path) -> None:
    rows = _rows("p-a")
    KeyCheck.objects.all().delete()
    doc = json.loads((vault_keys / "kek.json").read_text())
    doc["keys"]["1"] = base64.b64encode(os.urandom(32)).decode()
    (vault_keys / "kek.json").write_text(json.dumps(doc))
    vault.reset()
    with pytest.raises(WrongKEK, match="does not unwrap"):
        rows[0].open_payload()


def test_kek_file_is_private(vault_keys: Path) -> None:
    _rows("p-a", 1)
    assert (vault_keys / "kek.json").stat().st_mode & 0o777 == 0o600
    assert (vault_keys / "pseudonym.key").exists() is False  # created only when used
    vault.pseudonym("signals", "1")
    assert (vault_keys / "pseudonym.key").stat().st_mode & 0o777 == 0o600


def test_rotation_keeps_everything_readable_and_the_old_kek_cannot_unwrap(
    vault_keys: Path,
) -> None:
    rows = _rows("p-a") + _rows("p-b")
    vault.shred_owner("p-b")
    old_kek = base64.b64decode(json.loads((vault_keys / "kek.json").read_text())["keys"]["1"])
    blobs_before = {r.pk: bytes(r.blob) for r in rows}
    report = vault.rotate_kek()
    assert (report.kek_version, report.rewrapped, report.created_version) == (2, 1, True)
    live = DataKey.objects.get(owner="p-a")
    assert live.kek_version == 2
    with pytest.raises(InvalidUnwrap):
        aes_key_unwrap(old_kek, bytes(live.wrapped or b""))
    vault.reset()
    assert _all_open(rows[:3])
    assert {r.pk: bytes(r.blob) for r in VaultSelfTestRow.objects.all()} == blobs_before
    # New keys are wrapped by the new version; the old version can go.
    _rows("p-c", 1)
    assert DataKey.objects.get(owner="p-c").kek_version == 2
    assert vault.retire_kek(1) is True
    assert list(json.loads((vault_keys / "kek.json").read_text())["keys"]) == ["2"]
    vault.reset()
    assert _all_open(rows[:3])


def test_retire_refuses_a_version_in_use_or_current() -> None:
    _rows("p-a", 1)
    with pytest.raises(KeyInUse, match="current"):
        vault.retire_kek(1)
    keystore.state().provider.create_version()
    with pytest.raises(KeyInUse, match="1 data keys are still wrapped"):
        vault.retire_kek(1)


def test_env_provider_and_its_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    k1, k2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    monkeypatch.setenv("CANDOR_KEK_PROVIDER", "env")
    monkeypatch.setenv("CANDOR_KEK", f"1:{k1}")
    vault.reset()
    rows = _rows("p-a")
    assert vault.rotate_kek().rewrapped == 0  # nothing newer configured yet
    monkeypatch.setenv("CANDOR_KEK", f"1:{k1},2:{k2}")
    vault.reset()
    report = vault.rotate_kek()
    assert (report.kek_version, report.rewrapped, report.created_version) == (2, 1, False)
    assert vault.retire_kek(1) is False  # the operator removes it from CANDOR_KEK
    monkeypatch.setenv("CANDOR_KEK", f"2:{k2}")
    vault.reset()
    assert _all_open(rows)


@pytest.mark.parametrize(
    "raw", ["", "x", "1:notbase64!", "1:" + base64.b64encode(b"short").decode()]
)
def test_env_provider_rejects_bad_keys(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("CANDOR_KEK_PROVIDER", "env")
    monkeypatch.setenv("CANDOR_KEK", raw)
    vault.reset()
    with pytest.raises(KEKUnavailable):
        vault.seal("p-a", "2026-11", "t", 1, b"x")


def test_pseudonyms_are_keyed_and_per_purpose(vault_keys: Path) -> None:
    a = vault.pseudonym("signals", "42")
    assert a == vault.pseudonym("signals", "42") and len(a) == 32
    assert a != vault.pseudonym("audit", "42") and a != vault.pseudonym("signals", "43")
    import hashlib

    assert a not in {hashlib.sha256(b"42").hexdigest()[:32], "42"}
    (vault_keys / "pseudonym.key").write_text(base64.b64encode(os.urandom(32)).decode())
    vault.reset()
    with pytest.raises(PseudonymSecretUnavailable, match="fingerprint"):
        vault.pseudonym("signals", "42")
    (vault_keys / "pseudonym.key").unlink()
    vault.reset()
    with pytest.raises(PseudonymSecretUnavailable, match="restore"):
        vault.pseudonym("signals", "42")


def test_pseudonym_secret_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANDOR_PSEUDONYM_SECRET", "s" * 40)
    vault.reset()
    first = vault.pseudonym("signals", "7")
    monkeypatch.setenv("CANDOR_PSEUDONYM_SECRET", "t" * 40)
    vault.reset()
    with pytest.raises(PseudonymSecretUnavailable):
        vault.pseudonym("signals", "7")
    KeyCheck.objects.filter(name="pseudonym").delete()
    assert vault.pseudonym("signals", "7") != first


def test_production_fails_closed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CANDOR_ENV", "production")
    monkeypatch.delenv("CANDOR_KEYSTORE_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="CANDOR_KEYSTORE_URL"):
        conf.keystore_database(tmp_path, local=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/candor")
    monkeypatch.setenv("CANDOR_KEYSTORE_URL", "postgresql://u@db/candor")
    with pytest.raises(ImproperlyConfigured, match="main database"):
        conf.keystore_database(tmp_path, local=False)
    monkeypatch.setenv("CANDOR_KEYSTORE_URL", "postgresql://u@keys/candor_keys")
    assert conf.keystore_database(tmp_path, local=False)["HOST"] == "keys"
    with pytest.raises(ImproperlyConfigured, match="KEK file .* is missing"):
        conf.load(tmp_path)
    monkeypatch.setenv("CANDOR_KEK_PROVIDER", "env")
    with pytest.raises(ImproperlyConfigured, match="CANDOR_KEK="):
        conf.load(tmp_path)
    monkeypatch.setenv("CANDOR_KEK", "1:" + base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(ImproperlyConfigured, match="pseudonym secret"):
        conf.load(tmp_path)
    monkeypatch.setenv("CANDOR_PSEUDONYM_SECRET", "p" * 40)
    assert conf.load(tmp_path).kek_provider == "env"
    monkeypatch.setenv("CANDOR_SIGNAL_RETENTION_DAYS", "7")
    with pytest.raises(ImproperlyConfigured, match="at least 31"):
        conf.load(tmp_path)


def test_production_never_creates_a_kek_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from candor.vault.kek import FileProvider

    provider = FileProvider(tmp_path / "kek.json", local=False, may_create=lambda: True)
    with pytest.raises(KEKUnavailable, match="never re-created"):
        provider.current_version()
    assert not (tmp_path / "kek.json").exists()


def test_keystore_is_a_separate_database() -> None:
    from django.core.management import call_command  # noqa: F401 - settings sanity below

    from candor.vault.checks import check_keystore

    assert check_keystore() == []
    assert DataKey.objects.db == "keystore" and ErasureLog.objects.db == "default"
    assert VaultSelfTestRow.objects.db == "default"


def test_cache_is_bounded() -> None:
    cache = keystore.KeyCache(size=3, ttl=60)
    for i in range(5):
        cache.put(("k", f"o{i}", "2026-11", 1), i)
    assert cache.get(("k", "o0", "2026-11", 1)) is None
    assert cache.get(("k", "o4", "2026-11", 1)) == 4
    cache.drop(owner="o4")
    assert cache.get(("k", "o4", "2026-11", 1)) is None


def test_row_ids_must_exist_before_sealing() -> None:
    row = VaultSelfTestRow.sealed("p-a", "2026-11", b"x")
    assert isinstance(row.pk, uuid.UUID)
