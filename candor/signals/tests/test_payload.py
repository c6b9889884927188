"""The sealed payload: compact, and read back to exactly what the browser sent."""

from __future__ import annotations

import json

import pytest

from candor.signals import payload
from candor.signals.schemas import Summary, parse_batch

from .conftest import make_summary


def _summary(**change: object) -> Summary:
    return parse_batch(json.dumps({"summaries": [make_summary(4, **change)]}).encode()).summaries[0]


@pytest.mark.parametrize(
    "server",
    [
        None,
        {"attempt_number": 2, "attempt_graded": True, "attempt_correct": False,
         "submissions_so_far": 2, "attempts_to_pass": None},
        {"attempt_number": 5, "attempt_graded": True, "attempt_correct": True,
         "submissions_so_far": 4, "attempts_to_pass": 4, "errors_so_far": 3,
         "repeated_error_density": 1.333},
    ],
)  # fmt: skip
def test_round_trip(server: dict[str, object] | None) -> None:
    s = _summary(attempt_token="0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", ended_by="submit")
    out = payload.decode(payload.encode(s, server, "2026-11-29T08:00:00+00:00"))
    assert out["summary"] == s.client_fields()
    assert list(out["summary"]) == list(s.client_fields())
    assert out["server"] == server
    assert out["received_at"] == "2026-11-29T08:00:00+00:00"


def test_it_is_much_smaller_than_named_json() -> None:
    s = _summary()
    named = json.dumps({"v": 1, "summary": s.client_fields()}, separators=(",", ":"))
    assert len(payload.encode(s, None, "2026-11-29T08:00:00+00:00")) < 0.6 * len(named)


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError):
        payload.decode(b'{"v": 99}')
