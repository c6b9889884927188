"""Wire format v1 of an interaction-signal summary (PRODUCT.md §4), validated in one pass.

The pydantic models carry every bound a JSON Schema can express (they are what the OpenAPI
description shows); ``check_consistency`` adds the cross-field rules a schema cannot say
(``active + idle = time on task``, typing speed consistent with insertions and active time…).
Both report each problem with the path of the failing field, so a 422 names it exactly.

Why so strict: the summary is the only thing that leaves the learner's browser, so anything
else riding along in it — an extra field, a string where a count belongs, a time that is not
whole seconds — is either a bug or an attempt to smuggle finer-grained data past the rules of
PRODUCT.md §5 rule 1. Refusing it is the point.
"""

from __future__ import annotations

import copy
import math
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

SCHEMA_VERSION = 1
MAX_BATCH = 100
MAX_BODY_BYTES = 64 * 1024
MAX_MS = 86_400_000  # one day: no single attempt is longer
MAX_COUNT = 1_000_000
MAX_CPM = 3_000  # 600 words a minute: beyond any human typist
MAX_CORRECTION_RATE = 1_000
MAX_HINTS = 10
MAX_EXERCISE_ID = 2**31 - 1

Ms = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_MS,
        multiple_of=1000,
        description="Milliseconds, coarsened to whole seconds in the browser (0 – 86,400,000).",
    ),
]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT, description="A count (0 – 1,000,000).")]
Hints = Annotated[int, Field(ge=0, le=MAX_HINTS, description="Hints (0 – 10).")]


class _Strict(BaseModel):
    # strict: "5" is not a count and 5.0 is not an id; extra="forbid": unknown fields are
    # refused rather than ignored, so nothing can ride along unnoticed.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Pauses(_Strict):
    """Counts of gaps between consecutive answer edits, by length."""

    s2_15: Count = Field(description="Gaps of 2 s up to 15 s.")
    s15_180: Count = Field(description="Gaps of 15 s up to 3 min.")
    s180_600: Count = Field(description="Gaps of 3 min up to 10 min.")
    s600_plus: Count = Field(description="Gaps of 10 min or more (breaks).")


class Summary(_Strict):
    """One attempt's summary, computed and coarsened in the browser. No characters, no keys,
    no per-event timings: only these totals."""

    client_id: uuid.UUID = Field(
        description="Chosen by the browser; a retry with the same id and content is a no-op."
    )
    exercise_id: int = Field(ge=1, le=MAX_EXERCISE_ID, description="The exercise worked on.")
    attempt_token: uuid.UUID | None = Field(
        description="The answer form's token (the attempt's client_token) when the summary "
        "ended with a submission the server recorded; null when the page was left without one."
    )
    schema_: Literal[1] = Field(alias="schema", description="Wire-format version: 1.")
    ended_by: Literal["submit", "hide"] = Field(
        description="submit: the answer form was sent; hide: the page was left or hidden."
    )
    time_on_task_ms: Ms = Field(description="active_ms + idle_ms (breaks and hidden time out).")
    active_ms: Ms = Field(description="Sum of gaps under 2 s between answer edits.")
    idle_ms: Ms = Field(description="Sum of gaps of 2 s up to 10 min.")
    break_ms: Ms = Field(description="Sum of gaps of 10 min or more (not time on task).")
    hidden_ms: Ms = Field(description="Time the page was hidden.")
    focus_losses: Count = Field(description="Times the answer field lost focus to another window.")
    pauses: Pauses
    keystrokes: Count = Field(description="Key presses that added or removed text.")
    insertions: Count = Field(description="Characters inserted by typing (not pasting).")
    deletions: Count = Field(description="Characters removed by Backspace, Delete or cut.")
    typing_speed_cpm: int = Field(
        ge=0, le=MAX_CPM, description="insertions / (active time in minutes), whole characters."
    )
    correction_rate: float = Field(
        ge=0,
        le=MAX_CORRECTION_RATE,
        allow_inf_nan=False,
        description="deletions / max(1, insertions), rounded to two decimals.",
        json_schema_extra={"multipleOf": 0.01},
    )
    undo_count: Count = Field(description="Undo operations.")
    pastes: Count = Field(description="Paste operations (their content is never read).")
    pasted_chars: Count = Field(description="Characters pasted.")
    runs: Count = Field(description="Code runs in this attempt.")
    submissions: Count = Field(description="Submissions in this attempt.")
    hints_shown: Hints = Field(description="Hints the page offered because it looked stuck.")
    hints_used: Hints = Field(description="Hints the learner opened.")

    def client_fields(self) -> dict[str, Any]:
        """The summary as the browser sent it (JSON-ready): what idempotency compares."""
        return self.model_dump(mode="json", by_alias=True)


class SignalBatch(_Strict):
    summaries: list[Summary] = Field(
        min_length=1, max_length=MAX_BATCH, description="1 to 100 summaries."
    )


BATCH = TypeAdapter(SignalBatch)


class BatchInvalid(Exception):
    """The body parsed as JSON but broke the schema; ``errors`` lists each failing field."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


class MalformedJSON(Exception):
    pass


def _error(loc: tuple[Any, ...], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"type": kind, "loc": ["body", *loc], "msg": msg}


def parse_batch(body: bytes) -> SignalBatch:
    """Validate the raw body in one pass; raise ``MalformedJSON`` or ``BatchInvalid``."""
    try:
        batch = BATCH.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        if any(e["type"] in {"json_invalid", "json_type"} for e in errors):
            raise MalformedJSON(errors[0]["msg"]) from None
        raise BatchInvalid([_error(tuple(e["loc"]), e["msg"], e["type"]) for e in errors]) from None
    problems = [
        problem
        for i, summary in enumerate(batch.summaries)
        for problem in check_consistency(summary, ("summaries", i))
    ]
    if problems:
        raise BatchInvalid(problems)
    return batch


def _two_decimals(value: float) -> bool:
    return abs(value * 100 - round(value * 100)) < 1e-6


def check_consistency(s: Summary, at: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Cross-field rules. Tolerances are the browser's coarsening (±0.5 s per time field)."""
    out = []
    if abs(s.time_on_task_ms - (s.active_ms + s.idle_ms)) > 1000:
        out.append(_error((*at, "time_on_task_ms"), "must equal active_ms + idle_ms"))
    if not _two_decimals(s.correction_rate):
        out.append(_error((*at, "correction_rate"), "must be rounded to two decimals"))
    elif abs(s.correction_rate - s.deletions / max(1, s.insertions)) > 0.0051:
        out.append(_error((*at, "correction_rate"), "must equal deletions / max(1, insertions)"))
    if not _cpm_consistent(s.typing_speed_cpm, s.insertions, s.active_ms):
        out.append(
            _error(
                (*at, "typing_speed_cpm"),
                "must equal insertions per minute of active time (within the coarsening)",
            )
        )
    if s.keystrokes > s.insertions + s.deletions:
        out.append(
            _error((*at, "keystrokes"), "each keystroke adds or removes at least one character")
        )
    if s.pastes > s.pasted_chars:
        out.append(_error((*at, "pastes"), "each paste inserts at least one character"))
    p = s.pauses
    if 2000 * p.s2_15 + 15_000 * p.s15_180 + 180_000 * p.s180_600 > s.idle_ms + 1000:
        out.append(_error((*at, "pauses"), "idle pauses add up to more than idle_ms"))
    if 600_000 * p.s600_plus > s.break_ms + 1000:
        out.append(_error((*at, "pauses", "s600_plus"), "breaks add up to more than break_ms"))
    if s.ended_by == "hide" and s.submissions:
        out.append(_error((*at, "submissions"), "a summary ended by hiding has no submission"))
    return out


def _cpm_consistent(cpm: int, insertions: int, active_ms: int) -> bool:
    if insertions == 0:
        return cpm == 0
    if active_ms == 0:
        return True  # under half a second of active typing: the speed is not measurable
    # active_ms was rounded to the nearest second: the exact value lies within ±500 ms.
    low = insertions * 60_000 / (active_ms + 500)
    high = insertions * 60_000 / (active_ms - 500)
    if cpm == MAX_CPM and high >= MAX_CPM:
        return True  # the browser caps the speed at the bound
    return math.floor(low) - 1 <= cpm <= math.ceil(high) + 1


def batch_json_schema() -> dict[str, Any]:
    """The request body's JSON Schema with every $ref inlined (for the OpenAPI description)."""
    schema = SignalBatch.model_json_schema(by_alias=True, mode="validation")
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]])
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return inline({**target, **rest})
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)
