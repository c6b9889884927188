"""Bad input: every schema violation is a 422 naming the failing field; never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from candor.signals.schemas import MAX_BODY_BYTES, BatchInvalid, MalformedJSON, parse_batch

from .conftest import make_summary


def _errors(summary: dict[str, Any]) -> list[list[Any]]:
    with pytest.raises(BatchInvalid) as caught:
        parse_batch(json.dumps({"summaries": [summary]}).encode())
    return [e["loc"] for e in caught.value.errors]


def test_a_valid_summary_passes() -> None:
    batch = parse_batch(json.dumps({"summaries": [make_summary(3)]}).encode())
    assert batch.summaries[0].keystrokes == 36


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"keystrokes": -1}, ["keystrokes"]),
        ({"keystrokes": 1_000_001}, ["keystrokes"]),
        ({"keystrokes": "36"}, ["keystrokes"]),  # strict: a string is not a count
        ({"keystrokes": 36.0}, ["keystrokes"]),
        ({"active_ms": 12_345, "time_on_task_ms": 42_345}, ["active_ms"]),  # not whole seconds
        ({"hidden_ms": 86_401_000}, ["hidden_ms"]),
        ({"typing_speed_cpm": 3001}, ["typing_speed_cpm"]),
        ({"correction_rate": 1000.01}, ["correction_rate"]),
        ({"hints_used": 11}, ["hints_used"]),
        ({"schema": 2}, ["schema"]),
        ({"ended_by": "timeout"}, ["ended_by"]),
        ({"client_id": "not-a-uuid"}, ["client_id"]),
        ({"exercise_id": 0}, ["exercise_id"]),
        ({"key_timings": [120, 95, 140]}, ["key_timings"]),  # unknown fields are refused
        ({"typed_text": "hello"}, ["typed_text"]),
        ({"pauses": {"s2_15": 0, "s15_180": 0, "s180_600": 0}}, ["pauses", "s600_plus"]),
        (
            {"pauses": {"s2_15": 0, "s15_180": 0, "s180_600": 0, "s600_plus": 0, "s0_2": 9}},
            ["pauses", "s0_2"],
        ),
    ],
)
def test_each_violation_names_its_field(change: dict[str, Any], path: list[Any]) -> None:
    assert ["body", "summaries", 0, *path] in _errors(make_summary(3, **change))


def test_a_missing_field_is_named() -> None:
    summary = make_summary(3)
    del summary["undo_count"]
    assert ["body", "summaries", 0, "undo_count"] in _errors(summary)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"time_on_task_ms": 60_000}, ["time_on_task_ms"]),
        ({"correction_rate": 0.5}, ["correction_rate"]),
        ({"correction_rate": 0.123}, ["correction_rate"]),
        ({"typing_speed_cpm": 900}, ["typing_speed_cpm"]),
        ({"keystrokes": 37}, ["keystrokes"]),
        ({"pastes": 3, "pasted_chars": 2}, ["pastes"]),
        ({"pauses": {"s2_15": 0, "s15_180": 3, "s180_600": 0, "s600_plus": 0}}, ["pauses"]),
        (
            {"pauses": {"s2_15": 0, "s15_180": 0, "s180_600": 0, "s600_plus": 1}},
            ["pauses", "s600_plus"],
        ),
        ({"submissions": 1}, ["submissions"]),  # ended_by hide
    ],
)
def test_cross_field_rules_name_the_field(change: dict[str, Any], path: list[Any]) -> None:
    assert _errors(make_summary(3, **change)) == [["body", "summaries", 0, *path]]


def test_typing_speed_tolerates_the_coarsening_of_active_time() -> None:
    # 30 characters in 12 s (rounded from 11.6 s – 12.4 s): 145 – 155 cpm are all honest.
    for cpm in (146, 150, 154):
        parse_batch(json.dumps({"summaries": [make_summary(3, typing_speed_cpm=cpm)]}).encode())
    # Under half a second of active typing, the speed cannot be checked: any bounded value.
    quick = make_summary(
        3,
        active_ms=0,
        idle_ms=42_000,
        insertions=5,
        deletions=0,
        keystrokes=5,
        correction_rate=0.0,
        typing_speed_cpm=750,
    )
    parse_batch(json.dumps({"summaries": [quick]}).encode())


def test_batch_size_bounds() -> None:
    with pytest.raises(BatchInvalid) as caught:
        parse_batch(b'{"summaries": []}')
    assert caught.value.errors[0]["loc"] == ["body", "summaries"]
    with pytest.raises(BatchInvalid):
        parse_batch(json.dumps({"summaries": [make_summary(3)] * 101}).encode())
    # 100 summaries of the largest honest size still fit in the 64 KB limit.
    big = make_summary(3, client_id="ffffffff-ffff-4fff-bfff-ffffffffffff")
    assert len(json.dumps({"summaries": [big] * 100}).encode()) < MAX_BODY_BYTES


@pytest.mark.parametrize("body", [b"", b"{", b"not json", b'{"summaries": [}', b"\xff\xfe"])
def test_malformed_json_is_its_own_error(body: bytes) -> None:
    with pytest.raises(MalformedJSON):
        parse_batch(body)


@pytest.mark.parametrize("body", [b"[]", b"null", b"42", b'"text"', b'{"summaries": 1}'])
def test_json_of_the_wrong_shape_is_a_schema_error(body: bytes) -> None:
    with pytest.raises(BatchInvalid):
        parse_batch(body)
