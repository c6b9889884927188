"""Grader for ``numeric`` exercises: accepts the ways people actually type numbers.

``0.8``, ``0,8`` (decimal comma), ``1 234.5``, ``1,234.5``, ``1.234,5``, ``1e-3``, full-width
digits, a typographic minus, and a trailing unit. Parsing goes through ``Decimal`` so that
``80%`` read as 0.8 is the same float as typing ``0.8``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeGuard

from candor.grading.base import AnswerError, Feedback, GradeResult, SpecError

COMMON_KEYS = frozenset({"id", "type", "kind", "title", "hints", "explanation", "max_attempts"})
MAX_INPUT = 40
MAX_UNIT = 20
_OWN_KEYS = frozenset({"answer", "tolerance", "tolerance_percent", "unit", "feedback_wrong"})
_NUMBER = re.compile(
    r"(?P<sign>[+-]?) ?(?P<mantissa>[0-9.,](?:[0-9., ]*[0-9.,])?)(?P<exponent>[eE][+-]?[0-9]{1,4})?"
)


def _nonempty_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _common_errors(spec: dict[str, Any], own: frozenset[str], kind: str) -> list[SpecError]:
    errors = [
        SpecError(f"Unknown key {key!r} for a {kind} exercise.", key=str(key))
        for key in spec
        if key not in own and key not in COMMON_KEYS
    ]
    if "hints" in spec:
        hints = spec["hints"]
        if not (isinstance(hints, list) and hints and all(_nonempty_str(h) for h in hints)):
            errors.append(SpecError("hints must be a non-empty list of texts.", key="hints"))
    return errors


def _is_number(value: Any) -> TypeGuard[int | float]:
    # bool is an int subclass, and YAML reads `answer: yes` as True: never a number here.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _unit(spec: dict[str, Any]) -> str:
    unit = spec.get("unit")
    return unicodedata.normalize("NFKC", unit).strip() if isinstance(unit, str) else ""


def _how(unit: str) -> str:
    examples = "80, 80% or 12,5" if unit == "%" else "0.8, 0,8, 1 234.5 or 1e-3"
    return f"Type a number, such as {examples}."


def _digits(whole: str, separators: str) -> str:
    """``1 234`` or ``1,234,567``: groups of three after the first, else not a number."""
    groups = re.split(f"[{re.escape(separators)}]", whole) if separators else [whole]
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise ValueError(whole)
    digits = "".join(groups)
    if not (digits.isascii() and (digits.isdigit() or not digits)):
        raise ValueError(whole)
    return digits


class AmbiguousSeparator(ValueError):
    """"1,234" is 1234 to an English reader and 1.234 to a German one: ask, don't guess."""


def parse_number(raw: str, unit: str = "") -> Decimal:
    """The number a learner typed, or ValueError; ``unit`` may trail the number."""
    # NFKC maps full-width digits, signs and no-break spaces to ASCII; it leaves U+2212 alone.
    text = " ".join(unicodedata.normalize("NFKC", raw).replace("\u2212", "-").split())
    if unit and unit != "%" and text.casefold().endswith(unit.casefold()):
        text = text[: -len(unit)].rstrip()
    percent = text.endswith("%")
    match = _NUMBER.fullmatch(text[:-1].rstrip() if percent else text)
    if not match or not any(c.isdigit() for c in match["mantissa"]):
        raise ValueError(raw)
    mantissa = match["mantissa"]
    # Whichever of "," and "." comes last separates the decimals and the other groups thousands
    # (1,234.5 and 1.234,5); on its own, a single one is decimal and repeats group thousands.
    comma, dot = mantissa.rfind(","), mantissa.rfind(".")
    if comma >= 0 and dot >= 0:
        point = "," if comma > dot else "."
    else:
        sep = "," if comma >= 0 else "."
        point = sep if mantissa.count(sep) == 1 else ""
        if point == "," and len(mantissa) - comma - 1 == 3 and comma > 0:
            raise AmbiguousSeparator(raw)
    whole, _, fraction = mantissa.rpartition(point) if point else (mantissa, "", "")
    grouping = " ,.".replace(point, "") if point else " ,."
    whole = _digits(whole, grouping)
    fraction = _digits(fraction, "")
    value = Decimal(f"{match['sign']}{whole or '0'}.{fraction or '0'}{match['exponent'] or ''}")
    # Without a % unit, "80%" can only mean 0.8; with one, "80%" and "80" both mean 80.
    return value / 100 if percent and unit != "%" else value


class NumericGrader:
    kind: ClassVar[str] = "numeric"
    runs_async: ClassVar[bool] = False

    def check_spec(self, spec: dict[str, Any]) -> list[SpecError]:
        if not isinstance(spec, dict):
            return [SpecError("The exercise must be a mapping of keys to values.")]
        errors = _common_errors(spec, _OWN_KEYS, self.kind)
        if "answer" not in spec:
            errors.append(SpecError("answer is required: the expected number.", "answer"))
        elif not _is_number(spec["answer"]):
            errors.append(SpecError("answer must be a number, written without quotes.", "answer"))
        for key in ("tolerance", "tolerance_percent"):
            value = spec.get(key, 0)
            if not _is_number(value) or value < 0:
                errors.append(SpecError(f"{key} must be a number of 0 or more.", key))
        unit = spec.get("unit", "")
        if not isinstance(unit, str) or len(unit) > MAX_UNIT or any(c.isdigit() for c in unit):
            errors.append(
                SpecError(
                    f"unit must be a short label without digits (at most {MAX_UNIT} characters).",
                    "unit",
                )
            )
        if "feedback_wrong" in spec and not _nonempty_str(spec["feedback_wrong"]):
            errors.append(SpecError("feedback_wrong must be a non-empty text.", "feedback_wrong"))
        return errors

    def parse_answer(self, spec: dict[str, Any], raw: Any) -> float:
        unit = _unit(spec)
        if _is_number(raw):
            return float(raw)
        if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_INPUT:
            raise AnswerError(_how(unit))
        try:
            value = float(parse_number(raw, unit))
        except AmbiguousSeparator:
            raise AnswerError(
                f"Is {raw.strip()} a whole number with a thousands separator, or a decimal? "
                "Type it without the comma (e.g. 38400) or with a decimal point (e.g. 38.4)."
            ) from None
        except (ValueError, InvalidOperation, ArithmeticError):
            raise AnswerError(_how(unit)) from None
        if not math.isfinite(value):
            raise AnswerError(f"That number is too large. {_how(unit)}")
        return value

    def grade(self, spec: dict[str, Any], answer: Any) -> GradeResult:
        expected = spec.get("answer")
        if not _is_number(answer) or not _is_number(expected):
            return GradeResult(
                correct=False, score=0.0, feedback=[Feedback(_how(_unit(spec)), ok=False)]
            )
        tolerance = spec.get("tolerance", 0) if _is_number(spec.get("tolerance", 0)) else 0
        percent = (
            spec.get("tolerance_percent", 0) if _is_number(spec.get("tolerance_percent", 0)) else 0
        )
        # Relative tolerance is a share of the expected answer; at 0 that share is 0, so the
        # absolute tolerance is what is left. The slack absorbs float rounding only.
        allowed = max(abs(tolerance), abs(percent) / 100 * abs(expected))
        allowed += 1e-9 * max(abs(expected), allowed)
        if abs(answer - expected) <= allowed:
            return GradeResult(correct=True, score=1.0, feedback=[Feedback("Correct.", ok=True)])
        shown = f"{format(answer, '.15g')}{_unit(spec)}"
        feedback = [Feedback(f"{shown} is not the expected value.", ok=False)]
        if _nonempty_str(spec.get("feedback_wrong")):
            feedback.append(Feedback(spec["feedback_wrong"], ok=False))
        return GradeResult(correct=False, score=0.0, feedback=feedback)

    def public_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {"unit": _unit(spec)}
