"""Grader for ``code`` exercises: Python run against the author's tests in the sandbox.

The spec (docs/content-format.md): ``starter``, ``solution``, ``visible_tests`` (shown; "Run"
executes them), ``hidden_tests`` (never shown; "Submit" adds them), ``limits``. Tests are plain
``def test_*():`` functions with ``assert``; their names are found here, statically, so a run
that dies half-way still reports every test, and a learner's function called ``test_x`` is
never mistaken for one.

The wording of results for learners lives in ``candor.grading.sandbox.feedback``.
"""

from __future__ import annotations

import ast
from typing import Any, ClassVar

from candor.grading import sandbox
from candor.grading.base import AnswerError, GradeResult, SpecError
from candor.grading.sandbox.feedback import grade_result, unreadable_answer

COMMON_KEYS = frozenset({"id", "type", "kind", "title", "hints", "explanation", "max_attempts"})
_OWN_KEYS = frozenset({"starter", "solution", "visible_tests", "hidden_tests", "limits"})
# The answer a learner may send: plenty for an exercise, small enough to store per attempt.
MAX_CODE_BYTES = 64 * 1024
# Author texts (tests, solution) are trusted but still bounded: they are sent on every run.
MAX_SPEC_TEXT = 256 * 1024
# name: (default, lowest, highest). Defaults and maxima as documented; the lowest values keep
# an exercise runnable at all (the interpreter alone needs ~30 MB of address space).
LIMITS: dict[str, tuple[int, int, int]] = {
    "cpu_seconds": (5, 1, 20),
    "memory_mb": (512, 64, 1024),
    "output_kb": (64, 1, 256),
    "wall_seconds": (10, 1, 30),
}
MODES = ("run", "submit")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def limits_of(spec: dict[str, Any]) -> sandbox.Limits:
    """The effective limits; values ``check_spec`` would refuse fall back to the default."""
    raw = spec.get("limits")
    given: dict[str, Any] = raw if isinstance(raw, dict) else {}
    values = {}
    for name, (default, low, high) in LIMITS.items():
        value = given.get(name, default)
        values[name] = value if _whole(value) and low <= value <= high else default
    if "wall_seconds" not in given:
        # An author who raises only the CPU limit should not be cut short by the wall clock.
        values["wall_seconds"] = max(values["wall_seconds"], values["cpu_seconds"])
    return sandbox.Limits(**values)


def test_names(source: str) -> tuple[str, ...]:
    """Top-level ``def test_*`` functions, in file order (raises SyntaxError)."""
    tree = ast.parse(source)
    return tuple(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )


def _check_tests(spec: dict[str, Any], key: str, required: bool) -> list[SpecError]:
    source = spec.get(key)
    if source is None and not required:
        return []
    if not isinstance(source, str) or not source.strip():
        return [SpecError(f"{key} must be Python code with at least one test_ function.", key)]
    if len(source.encode()) > MAX_SPEC_TEXT:
        return [SpecError(f"{key} is longer than {MAX_SPEC_TEXT // 1024} KB.", key)]
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [SpecError(f"{key} is not valid Python: {exc.msg} (line {exc.lineno}).", key)]
    errors = []
    seen: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("test_"):
            errors.append(SpecError(f"{key}: {node.name} must be a plain def, not async.", key))
            seen.add(node.name)
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
            continue
        if node.name in seen:
            # A second def silently replaces the first: one test would never run.
            errors.append(SpecError(f"{key}: {node.name} is defined twice.", key))
        seen.add(node.name)
        args = node.args
        if args.args or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg:
            errors.append(SpecError(f"{key}: {node.name} must take no arguments.", key))
    if not seen:
        errors.append(SpecError(f"{key} defines no test: write functions named test_….", key))
    return errors


class CodeGrader:
    kind: ClassVar[str] = "code"
    runs_async: ClassVar[bool] = True

    def check_spec(self, spec: dict[str, Any]) -> list[SpecError]:
        if not isinstance(spec, dict):
            return [SpecError("The exercise must be a mapping of keys to values.")]
        errors = [
            SpecError(f"Unknown key {key!r} for a code exercise.", key=str(key))
            for key in spec
            if key not in _OWN_KEYS and key not in COMMON_KEYS
        ]
        for key, required in (("starter", False), ("solution", True)):
            value = spec.get(key)
            if value is None and not required:
                continue
            if not isinstance(value, str) or (required and not value.strip()):
                errors.append(SpecError(f"{key} must be Python code (a text block: |).", key))
            elif len(value.encode()) > MAX_CODE_BYTES:
                limit = MAX_CODE_BYTES // 1024
                errors.append(
                    SpecError(f"{key} is longer than learners may send ({limit} KB).", key)
                )
            else:
                try:
                    ast.parse(value)
                except SyntaxError as exc:
                    msg = f"{key} is not valid Python: {exc.msg} (line {exc.lineno})."
                    errors.append(SpecError(msg, key))
        errors += _check_tests(spec, "visible_tests", required=True)
        errors += _check_tests(spec, "hidden_tests", required=False)
        errors += self._check_limits(spec.get("limits"))
        return errors

    def _check_limits(self, limits: Any) -> list[SpecError]:
        if limits is None:
            return []
        if not isinstance(limits, dict):
            return [SpecError("limits must be a mapping such as {cpu_seconds: 5}.", "limits")]
        errors = [
            SpecError(f"Unknown limit {name!r}; known: {', '.join(LIMITS)}.", "limits")
            for name in limits
            if name not in LIMITS
        ]
        for name, (_, low, high) in LIMITS.items():
            if name in limits and not (_whole(limits[name]) and low <= limits[name] <= high):
                errors.append(
                    SpecError(
                        f"limits.{name} must be a whole number from {low} to {high}.", "limits"
                    )
                )
        effective = limits_of({"limits": limits})
        if (
            "wall_seconds" in limits
            and not errors
            and effective.wall_seconds < effective.cpu_seconds
        ):
            errors.append(
                SpecError("limits.wall_seconds must be at least limits.cpu_seconds.", "limits")
            )
        return errors

    def parse_answer(self, spec: dict[str, Any], raw: Any) -> dict[str, str]:
        if isinstance(raw, dict):
            code, mode = raw.get("code"), raw.get("mode", "submit")
        else:
            code, mode = raw, "submit"
        if mode not in MODES:
            raise AnswerError("Choose Run or Submit.")
        if problem := unreadable_answer(code, MAX_CODE_BYTES):
            raise AnswerError(problem)
        text = code.decode() if isinstance(code, bytes) else str(code)
        # Browsers post CRLF line ends; Python and the learner's line numbers want LF.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise AnswerError("Your code is empty: write your solution in the editor first.")
        return {"code": text, "mode": mode}

    def grade(self, spec: dict[str, Any], answer: Any) -> GradeResult:
        code = answer.get("code") if isinstance(answer, dict) else None
        mode = answer.get("mode") if isinstance(answer, dict) else None
        # Unparsed input gets the same bounds as parsed input before anything runs it.
        if problem := unreadable_answer(code, MAX_CODE_BYTES):
            kind = "too_large" if "too long" in problem else "invalid"
            return GradeResult(correct=False, score=0.0, error_kind=kind, error_message=problem)
        assert isinstance(code, str)
        return self._run(spec, code, submit=mode != "run", reveal=False)

    def _run(self, spec: dict[str, Any], code: str, *, submit: bool, reveal: bool) -> GradeResult:
        suites = [
            sandbox.Suite("visible", spec["visible_tests"], test_names(spec["visible_tests"]), True)
        ]
        hidden = spec.get("hidden_tests")
        if submit and isinstance(hidden, str) and hidden.strip():
            suites.append(sandbox.Suite("hidden", hidden, test_names(hidden), reveal))
        limits = limits_of(spec)
        job = sandbox.Job(code=code, suites=tuple(suites), limits=limits)
        return grade_result(sandbox.run(job), job, submit=submit, reveal=reveal)

    def verify_reference(self, spec: dict[str, Any]) -> list[SpecError]:
        """Run the reference solution against every test in the sandbox (content-check)."""
        result = self._run(spec, spec["solution"], submit=True, reveal=True)
        if result.error_kind == "sandbox_unavailable":
            return [SpecError(f"The reference solution could not be run: {result.error_message}")]
        if result.correct:
            return []
        errors = [
            SpecError(f"The reference solution fails {t.name}: {t.message or 'failed'}", "solution")
            for t in result.tests
            if not t.passed
        ]
        if result.error_message:
            errors.insert(
                0, SpecError(f"The reference solution: {result.error_message}", "solution")
            )
        return errors or [SpecError("The reference solution does not pass its tests.", "solution")]

    def public_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        limits = limits_of(spec)
        raw = spec.get("visible_tests")
        visible = raw if isinstance(raw, str) else ""
        try:
            names = list(test_names(visible))
        except SyntaxError:
            names = []
        return {
            "starter": spec.get("starter") if isinstance(spec.get("starter"), str) else "",
            "visible_tests": visible,
            "visible_test_names": names,
            "has_hidden_tests": bool(spec.get("hidden_tests")),
            "limits": {
                "cpu_seconds": limits.cpu_seconds,
                "memory_mb": limits.memory_mb,
                "output_kb": limits.output_kb,
                "wall_seconds": limits.wall_seconds,
            },
        }
