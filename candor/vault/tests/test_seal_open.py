"""Round trip, binding to the row, and clear errors for bad input."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import candor.vault as vault
from candor.vault import envelope
from candor.vault.errors import CiphertextCorrupted, InvalidInput, UnknownKeyVersion, VaultError
from candor.vault.models import VaultSelfTestRow

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
TABLE = VaultSelfTestRow._meta.db_table
PAYLOAD = b'{"exercise": "e1", "keystrokes": 120, "time_on_task_ms": 61000}'


def _row(owner: str = "p-alice", period: str = "2026-11", payload: bytes = PAYLOAD):
    row = VaultSelfTestRow.sealed(owner, period, payload)
    row.save()
    return VaultSelfTestRow.objects.get(pk=row.pk)


def test_round_trip_through_the_database() -> None:
    row = _row()
    assert row.open_payload() == PAYLOAD
    assert vault.open(row.owner, row.period, TABLE, row.pk, row.blob) == PAYLOAD
    assert PAYLOAD not in bytes(row.blob)
    assert row.key_version == 1 and bytes(row.blob)[0] == envelope.FORMAT_VERSION


def test_empty_and_large_payloads() -> None:
    for payload in (b"", bytes(range(256)) * 400):
        assert _row(payload=payload).open_payload() == payload


@pytest.mark.parametrize(
    "change",
    [
        {"row_id": uuid.uuid4()},
        {"owner": "p-bob"},
        {"table": "signals_other"},
        {"period": "2026-10"},
    ],
    ids=["other row", "other owner", "other table", "other period"],
)
def test_a_moved_ciphertext_does_not_open(change: dict[str, object]) -> None:
    row = _row()
    for owner, period in (("p-bob", "2026-11"), ("p-alice", "2026-10")):
        vault.seal(owner, period, TABLE, uuid.uuid4(), b"x")  # the target keys exist
    args = {"owner": row.owner, "period": row.period, "table": TABLE, "row_id": row.pk} | change
    with pytest.raises(VaultError) as caught:
        vault.open(args["owner"], args["period"], args["table"], args["row_id"], row.blob)
    assert isinstance(caught.value, CiphertextCorrupted)
    assert str(args["row_id"]) in str(caught.value) and str(args["table"]) in str(caught.value)


def test_a_blob_copied_onto_another_row_in_the_table_fails() -> None:
    a, b = _row(), _row()
    VaultSelfTestRow.objects.filter(pk=b.pk).update(blob=a.blob)
    with pytest.raises(CiphertextCorrupted, match=str(b.pk)):
        VaultSelfTestRow.objects.get(pk=b.pk).open_payload()


def test_changing_the_schema_version_in_the_header_fails() -> None:
    row = _row()
    blob = bytearray(row.blob)
    blob[2] ^= 1  # schema version low byte
    with pytest.raises(CiphertextCorrupted, match="authentication failed"):
        vault.open(row.owner, row.period, TABLE, row.pk, bytes(blob))


def test_truncated_and_corrupted_blobs_name_the_row_and_cause() -> None:
    row = _row()
    blob = bytes(row.blob)
    cases = {
        "shorter than the minimum": blob[:20],
        "authentication failed": blob[:-1],
        "unknown blob format": b"\x09" + blob[1:],
    }
    flipped = bytearray(blob)
    flipped[30] ^= 0x40
    cases["authentication failed "] = bytes(flipped)
    for cause, bad in cases.items():
        with pytest.raises(CiphertextCorrupted) as caught:
            vault.open(row.owner, row.period, TABLE, row.pk, bad)
        message = str(caught.value)
        assert TABLE in message and str(row.pk) in message and cause.strip() in message


def test_a_key_version_the_key_store_never_issued() -> None:
    row = _row()
    blob = bytearray(row.blob)
    blob[3:7] = (7).to_bytes(4, "big")
    with pytest.raises(UnknownKeyVersion, match="no data key version 7") as caught:
        vault.open(row.owner, row.period, TABLE, row.pk, bytes(blob))
    assert str(row.pk) in str(caught.value)


def test_open_many_reports_each_row_and_never_raises() -> None:
    good, corrupt, other = _row(), _row(), _row(owner="p-carol")
    VaultSelfTestRow.objects.filter(pk=corrupt.pk).update(blob=bytes(corrupt.blob)[:-3])
    forged = bytearray(other.blob)
    forged[3:7] = (9).to_bytes(4, "big")
    VaultSelfTestRow.objects.filter(pk=other.pk).update(blob=bytes(forged))
    rows = list(VaultSelfTestRow.objects.order_by("owner", "pk"))
    results = {r.row_id: r for r in VaultSelfTestRow.open_rows(rows)}
    assert results[str(good.pk)].value == PAYLOAD and results[str(good.pk)].ok
    assert isinstance(results[str(corrupt.pk)].error, CiphertextCorrupted)
    assert results[str(corrupt.pk)].value is None
    assert str(corrupt.pk) in str(results[str(corrupt.pk)].error)
    assert isinstance(results[str(other.pk)].error, UnknownKeyVersion)


def test_bad_arguments_are_refused_before_sealing() -> None:
    with pytest.raises(InvalidInput, match="period"):
        vault.seal("p-a", "2026-13", TABLE, uuid.uuid4(), b"x")
    with pytest.raises(InvalidInput, match="pseudonym"):
        vault.seal("alice@example.com", "2026-11", TABLE, uuid.uuid4(), b"x")
    with pytest.raises(InvalidInput, match="row id"):
        vault.seal("p-a", "2026-11", TABLE, None, b"x")
    with pytest.raises(InvalidInput, match="bytes"):
        vault.seal("p-a", "2026-11", TABLE, 1, "text")  # type: ignore[arg-type]


owners = st.text(alphabet="abcdef0123456789", min_size=1, max_size=32)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    owner=owners,
    row_id=st.integers(min_value=1),
    plaintext=st.binary(max_size=2000),
    schema=st.integers(min_value=0, max_value=0xFFFF),
)
def test_property_round_trip(owner: str, row_id: int, plaintext: bytes, schema: int) -> None:
    blob = vault.seal(owner, "2026-11", "t", row_id, plaintext, schema=schema)
    assert vault.open(owner, "2026-11", "t", row_id, blob) == plaintext
    assert envelope.read_header(blob).schema == schema


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plaintext=st.binary(max_size=500), data=st.data())
def test_property_any_single_byte_change_or_truncation_is_rejected(
    plaintext: bytes, data: st.DataObject
) -> None:
    blob = vault.seal("p-prop", "2026-11", "t", 1, plaintext)
    index = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    if data.draw(st.booleans()):
        bad = blob[:index]
    else:
        mask = data.draw(st.integers(min_value=1, max_value=255))
        bad = blob[:index] + bytes([blob[index] ^ mask]) + blob[index + 1 :]
    with pytest.raises(VaultError):
        vault.open("p-prop", "2026-11", "t", 1, bad)


def test_nonces_never_repeat_over_a_million_seals() -> None:
    seen: set[bytes] = set()
    count = 1_000_000
    for i in range(count):
        blob = vault.seal("p-nonce", "2026-11", "t", i, b"")
        seen.add(envelope.nonce_of(blob))
    assert len(seen) == count


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.tuples(owners, st.sampled_from(["2026-10", "2026-11"])), min_size=1, max_size=20)
)
def test_property_nonces_are_distinct_across_owners_and_periods(
    pairs: list[tuple[str, str]],
) -> None:
    nonces = [
        envelope.nonce_of(vault.seal(o, p, "t", i, b"s")) for i, (o, p) in enumerate(pairs * 50)
    ]
    assert len(set(nonces)) == len(nonces)
