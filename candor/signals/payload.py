"""What is sealed inside a signal row, and how it is read back.

The plaintext is compact JSON with positional values — ``{"v": 1, "s": [...], "p": [...],
"t": "...", "g": [...] | null}`` — rather than the wire format's named fields: every row
carries the same two dozen names, and leaving them out halves what is stored per summary
(docs/benchmarks.md, bytes per learner-hour). The names live here, once; ``decode`` gives
back exactly the dictionary the browser sent, plus the arrival time and the grader's
indicators, so nothing outside this module sees the layout.

Changing the layout means a new ``PAYLOAD_VERSION`` and a branch in ``decode``: rows sealed
with an older version must keep opening.
"""

from __future__ import annotations

import json
from typing import Any

from candor.signals.schemas import Summary

PAYLOAD_VERSION = 1

# The wire fields in a fixed order ("pauses" is stored apart, as its four bins).
FIELDS = (
    "client_id",
    "exercise_id",
    "attempt_token",
    "schema",
    "ended_by",
    "time_on_task_ms",
    "active_ms",
    "idle_ms",
    "break_ms",
    "hidden_ms",
    "focus_losses",
    "keystrokes",
    "insertions",
    "deletions",
    "typing_speed_cpm",
    "correction_rate",
    "undo_count",
    "pastes",
    "pasted_chars",
    "runs",
    "submissions",
    "hints_shown",
    "hints_used",
)
PAUSES = ("s2_15", "s15_180", "s180_600", "s600_plus")
# The grader's indicators (struggle.indicators); the last two exist for code exercises only.
SERVER = (
    "attempt_number",
    "attempt_graded",
    "attempt_correct",
    "submissions_so_far",
    "attempts_to_pass",
    "errors_so_far",
    "repeated_error_density",
)
_ABSENT = "-"  # a key the indicators did not have (not the same as null)


def encode(summary: Summary, server: dict[str, Any] | None, received_at: str) -> bytes:
    s = summary
    values = [
        str(s.client_id),
        s.exercise_id,
        str(s.attempt_token) if s.attempt_token else None,
        s.schema_,
        s.ended_by,
        s.time_on_task_ms,
        s.active_ms,
        s.idle_ms,
        s.break_ms,
        s.hidden_ms,
        s.focus_losses,
        s.keystrokes,
        s.insertions,
        s.deletions,
        s.typing_speed_cpm,
        s.correction_rate,
        s.undo_count,
        s.pastes,
        s.pasted_chars,
        s.runs,
        s.submissions,
        s.hints_shown,
        s.hints_used,
    ]
    p = s.pauses
    graded = None if server is None else [server.get(k, _ABSENT) for k in SERVER]
    doc = {
        "v": PAYLOAD_VERSION,
        "s": values,
        "p": [p.s2_15, p.s15_180, p.s180_600, p.s600_plus],
        "t": received_at,
        "g": graded,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def decode(plaintext: bytes) -> dict[str, Any]:
    """{"summary": the wire dict, "received_at": str, "server": dict | None}."""
    doc = json.loads(plaintext)
    if doc.get("v") != PAYLOAD_VERSION:
        raise ValueError(f"unknown payload version {doc.get('v')!r}")
    summary = dict(zip(FIELDS, doc["s"], strict=True))
    pauses = dict(zip(PAUSES, doc["p"], strict=True))
    # The wire order: pauses sit between focus_losses and keystrokes.
    ordered = {}
    for key, value in summary.items():
        ordered[key] = value
        if key == "focus_losses":
            ordered["pauses"] = pauses
    graded = doc.get("g")
    server = (
        None
        if graded is None
        else {k: v for k, v in zip(SERVER, graded, strict=True) if v != _ABSENT}
    )
    return {"summary": ordered, "received_at": doc["t"], "server": server}
