"""Struggle indicators from grader outcomes (PRODUCT.md §4), computed on the server.

Pure functions over one learner's attempts at one exercise, oldest first. They are computed at
ingestion for the summary's attempt and sealed with it, so they get the same protection as
the keyboard-derived numbers (they describe the same person's struggle).

- attempts to pass: counted submissions up to and including the first correct one.
- Repeated Error Density (Becker, ITiCSE 2016): over the sequence of error signatures of code
  runs and submissions, each maximal string of consecutive identical errors with r repeats
  (r + 1 occurrences) contributes r² / (r + 1). Unlike Jadud's Error Quotient it needs no
  session boundaries and is meaningful for short sequences; it is 0 when no error repeats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What the grader said about one attempt: no answer text, no output."""

    number: int
    counted: bool  # a submission that counts (mode=submit, graded); runs do not
    graded: bool
    correct: bool | None
    error_signature: str  # "" when the attempt raised no error


def attempts_to_pass(outcomes: Iterable[Outcome]) -> int | None:
    submitted = 0
    for o in outcomes:
        if not o.counted:
            continue
        submitted += 1
        if o.correct:
            return submitted
    return None


def repeated_error_density(signatures: Iterable[str]) -> float:
    """Becker's RED over error signatures in order; "" (no error) breaks a string."""
    total = 0.0
    previous = ""
    repeats = 0
    for sig in signatures:
        if sig and sig == previous:
            repeats += 1
            continue
        total += repeats * repeats / (repeats + 1)
        repeats = 0
        previous = sig
    total += repeats * repeats / (repeats + 1)
    return round(total, 3)


def indicators(outcomes: list[Outcome], upto: int, *, code: bool) -> dict[str, object]:
    """Indicators as of attempt number ``upto`` (that attempt included)."""
    seen = [o for o in outcomes if o.number <= upto]
    current = next((o for o in seen if o.number == upto), None)
    graded = [o for o in seen if o.graded]
    out: dict[str, object] = {
        "attempt_number": upto,
        "attempt_graded": bool(current and current.graded),
        "attempt_correct": current.correct if current and current.graded else None,
        "submissions_so_far": sum(1 for o in seen if o.counted),
        "attempts_to_pass": attempts_to_pass(seen),
    }
    if code:
        errors = [o.error_signature for o in graded]
        out["errors_so_far"] = sum(1 for e in errors if e)
        out["repeated_error_density"] = repeated_error_density(errors)
    return out
