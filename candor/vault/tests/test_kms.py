"""The AWS KMS provider against moto's local KMS server (GenerateDataKey / Decrypt)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import candor.vault as vault
from candor.vault.errors import KEKUnavailable, WrongKEK
from candor.vault.models import DataKey, VaultSelfTestRow

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


@pytest.fixture(scope="module")
def kms_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def kms(kms_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CANDOR_KEK_PROVIDER", "aws-kms")
    monkeypatch.setenv("CANDOR_KMS_ENDPOINT_URL", kms_endpoint)
    client = boto3.client("kms", region_name="eu-west-1", endpoint_url=kms_endpoint)

    def new_key() -> str:
        return str(client.create_key(Description="candor test KEK")["KeyMetadata"]["Arn"])

    client.new_key = new_key
    return client


def _use(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CANDOR_KMS_KEY_ID", value)
    vault.reset()


def _rows(owner: str, n: int = 3) -> list[VaultSelfTestRow]:
    rows = [VaultSelfTestRow.sealed(owner, "2026-11", f"{owner}-{i}".encode()) for i in range(n)]
    VaultSelfTestRow.objects.bulk_create(rows)
    return rows


def test_kms_round_trip_and_shred(kms: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, kms.new_key())
    rows = _rows("p-a") + _rows("p-b")
    vault.reset()  # drop the cache: opening must go through KMS Decrypt
    assert [r.open_payload() for r in rows[:3]] == [b"p-a-0", b"p-a-1", b"p-a-2"]
    key = DataKey.objects.get(owner="p-a")
    assert key.kek_version == 1 and len(bytes(key.wrapped or b"")) > 32  # a KMS ciphertext blob
    vault.shred_owner("p-a")
    assert not any(r.ok for r in VaultSelfTestRow.open_rows(rows[:3]))
    assert all(r.ok for r in VaultSelfTestRow.open_rows(rows[3:]))


def test_kms_rotation_to_a_new_key(kms: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = kms.new_key(), kms.new_key()
    _use(monkeypatch, first)
    rows = _rows("p-a")
    _use(monkeypatch, f"1:{first},2:{second}")
    report = vault.rotate_kek()
    assert (report.kek_version, report.rewrapped) == (2, 1)
    _use(monkeypatch, f"2:{second}")
    assert all(r.ok for r in VaultSelfTestRow.open_rows(rows))
    # The first key no longer opens the new wrapping.
    wrapped = bytes(DataKey.objects.get(owner="p-a").wrapped or b"")
    with pytest.raises(Exception):  # noqa: B017,PT011 - moto's error for a foreign key id
        kms.decrypt(CiphertextBlob=wrapped, KeyId=first)


def test_kms_wrong_or_missing_key(kms: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, kms.new_key())
    rows = _rows("p-a")
    # Another KMS key configured as version 1: the fingerprint no longer matches.
    _use(monkeypatch, kms.new_key())
    results = VaultSelfTestRow.open_rows(rows)
    assert all(isinstance(r.error, WrongKEK) for r in results)
    _use(monkeypatch, "arn:aws:kms:eu-west-1:123456789012:key/does-not-exist")
    results = VaultSelfTestRow.open_rows(rows)
    assert all(isinstance(r.error, KEKUnavailable) for r in results)
    assert rows[0].pk.hex[:8] in str(results[0].error).replace("-", "")


def test_kms_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("CANDOR_KEK_PROVIDER", "aws-kms")
    monkeypatch.setenv("CANDOR_KMS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    _use(monkeypatch, "alias/candor")
    with pytest.raises(KEKUnavailable, match="cannot reach AWS KMS"):
        vault.seal("p-a", "2026-11", "t", 1, b"x")
