"""Turning a posted exercise form into the raw answer its grader parses."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import QueryDict

MAX_FIELD_CHARS = 100_000  # graders bound each kind further; this stops absurd posts early


class FormProblem(ValueError):
    pass


def parse_token(data: QueryDict) -> uuid.UUID:
    try:
        return uuid.UUID(str(data.get("token", "")))
    except ValueError:
        raise FormProblem(
            "This form has expired or was changed. Reload the page and answer again."
        ) from None


def raw_answer(kind: str, data: QueryDict) -> Any:
    """The grader's raw input for each kind; types and sizes are checked by the grader."""
    if kind == "multiple_choice":
        values = data.getlist("answer")
        if len(values) > 20:
            raise FormProblem("Too many options selected.")
        return values
    if kind == "code":
        code = data.get("code", "")
        if len(code) > MAX_FIELD_CHARS:
            raise FormProblem("Your code is too long (more than 100,000 characters).")
        return {"code": code, "mode": data.get("mode", "submit")}
    value = data.get("answer")
    if value is None:
        raise FormProblem("Choose or enter an answer first.")
    if len(value) > MAX_FIELD_CHARS:
        raise FormProblem("Your answer is too long.")
    return value
