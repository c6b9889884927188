"""The grader interface: one grader per exercise kind.

A grader is pure: ``grade(spec, answer) -> GradeResult``. It never touches the database, so it
can be tested with plain values and run anywhere (the request thread for cheap kinds, a bounded
worker pool for code). ``check_spec`` validates an exercise's content at import time and
``parse_answer`` turns raw form/API input into the answer the grader expects, raising
``AnswerError`` with a message for the learner.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol


class AnswerError(ValueError):
    """The answer cannot be graded as given; the message tells the learner what to fix."""


@dataclass(frozen=True)
class Feedback:
    """One line of feedback: ``ok`` is True (passed), False (failed) or None (neutral)."""

    message: str
    ok: bool | None = None
    label: str = ""


@dataclass(frozen=True)
class TestOutcome:
    name: str
    passed: bool
    message: str = ""
    visible: bool = True


@dataclass(frozen=True)
class GradeResult:
    correct: bool
    score: float  # 0.0 – 1.0
    feedback: list[Feedback] = field(default_factory=list)
    # Code exercises: per-test outcomes, captured output, time used and a plain error kind
    # ("syntax_error", "timeout", "memory", "output_limit", "sandbox_unavailable", …).
    tests: list[TestOutcome] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    time_ms: int | None = None
    error_kind: str = ""
    error_message: str = ""
    # Grader-side struggle data (e.g. a normalised error signature for Repeated Error Density).
    error_signature: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GradeResult:
        data = dict(data)
        data["feedback"] = [Feedback(**f) for f in data.get("feedback", [])]
        data["tests"] = [TestOutcome(**t) for t in data.get("tests", [])]
        return cls(**data)


@dataclass(frozen=True)
class SpecError:
    """A problem in an exercise's content: ``key`` is the front-matter key it concerns."""

    message: str
    key: str = ""


class Grader(Protocol):
    kind: ClassVar[str]
    # Slow graders (code) are run off the request thread by the grading queue.
    runs_async: ClassVar[bool]

    def check_spec(self, spec: dict[str, Any]) -> list[SpecError]: ...

    def parse_answer(self, spec: dict[str, Any], raw: Any) -> Any: ...

    def grade(self, spec: dict[str, Any], answer: Any) -> GradeResult: ...

    def public_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        """What the learner's page may see (never the answer, hidden tests or solution)."""
        ...
