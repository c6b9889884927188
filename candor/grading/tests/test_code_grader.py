"""code exercises: the spec as documented, bounded answers, what the learner sees, and real
grading of right and wrong answers in the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from candor.grading.base import AnswerError, GradeResult
from candor.grading.code import MAX_CODE_BYTES, CodeGrader, limits_of
from candor.grading.sandbox.feedback import grade_result
from candor.grading.sandbox.process import Job, Limits, RunReport, Suite

grader = CodeGrader()
VISIBLE = """\
import pandas as pd


def test_two_teams():
    df = pd.DataFrame({"team": ["a", "a", "b"], "hours": [1, 3, 5]})
    got = mean_by_team(df)
    assert got["a"] == 2, f"team a: expected 2, got {got['a']}"


def test_returns_series():
    df = pd.DataFrame({"team": ["a"], "hours": [1]})
    assert isinstance(mean_by_team(df), pd.Series)
"""
HIDDEN = """\
import pandas as pd

SECRET_INPUT = [7, 11]


def test_hidden_bare_assert():
    df = pd.DataFrame({"team": ["x", "x"], "hours": SECRET_INPUT})
    assert mean_by_team(df)["x"] == 9


def test_hidden_with_message():
    df = pd.DataFrame({"team": ["y"], "hours": [4]})
    assert mean_by_team(df)["y"] == 4, "one row: its own mean"
"""
SPEC: dict[str, Any] = {
    "title": "Mean by team",
    "hints": ["groupby"],
    "starter": "def mean_by_team(df):\n    ...\n",
    "solution": "def mean_by_team(df):\n    return df.groupby('team')['hours'].mean()\n",
    "visible_tests": VISIBLE,
    "hidden_tests": HIDDEN,
}


def answer(code: str, mode: str = "submit") -> dict[str, str]:
    return grader.parse_answer(SPEC, {"code": code, "mode": mode})


# --- the spec ------------------------------------------------------------------------------


def test_the_documented_spec_is_valid() -> None:
    assert grader.check_spec(SPEC) == []
    assert grader.check_spec({**SPEC, "limits": {"cpu_seconds": 20, "memory_mb": 1024}}) == []


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"solution": None}, "solution", "must be Python code"),
        ({"solution": "def f(:\n"}, "solution", "not valid Python"),
        ({"visible_tests": "def helper():\n    pass\n"}, "visible_tests", "defines no test"),
        ({"visible_tests": "def test_a(x):\n    pass\n"}, "visible_tests", "no arguments"),
        (
            {"visible_tests": "def test_a():\n    pass\ndef test_a():\n    pass\n"},
            "visible_tests",
            "twice",
        ),
        ({"visible_tests": "async def test_a():\n    pass\n"}, "visible_tests", "not async"),
        ({"hidden_tests": "x = 1\n"}, "hidden_tests", "defines no test"),
        ({"hidden_tests": ""}, "hidden_tests", "at least one"),
        ({"limits": {"cpu_seconds": 21}}, "limits", "from 1 to 20"),
        ({"limits": {"memory_mb": True}}, "limits", "whole number"),
        ({"limits": {"gpu": 1}}, "limits", "Unknown limit"),
        ({"limits": {"cpu_seconds": 9, "wall_seconds": 5}}, "limits", "at least"),
        ({"limits": [1]}, "limits", "mapping"),
        ({"answer": 3}, "answer", "Unknown key"),
        ({"starter": 3}, "starter", "must be Python code"),
    ],
)
def test_spec_errors_name_their_key(change: dict[str, Any], key: str, words: str) -> None:
    spec = {k: v for k, v in {**SPEC, **change}.items() if v is not None}
    errors = grader.check_spec(spec)
    assert [e.key for e in errors] == [key], errors
    assert words in errors[0].message


def test_limits_default_and_clamp() -> None:
    assert limits_of({}) == Limits(cpu_seconds=5, memory_mb=512, output_kb=64, wall_seconds=10)
    assert limits_of({"limits": {"cpu_seconds": 99, "output_kb": 8}}).cpu_seconds == 5
    assert limits_of({"limits": {"output_kb": 8}}).output_kb == 8
    # Raising only the CPU limit raises the wall clock with it.
    assert limits_of({"limits": {"cpu_seconds": 20}}).wall_seconds == 20


def test_public_spec_has_no_solution_or_hidden_tests() -> None:
    public = grader.public_spec(SPEC)
    assert public["starter"] == SPEC["starter"]
    assert public["visible_tests"] == VISIBLE
    assert public["visible_test_names"] == ["test_two_teams", "test_returns_series"]
    assert public["limits"] == {
        "cpu_seconds": 5,
        "memory_mb": 512,
        "output_kb": 64,
        "wall_seconds": 10,
    }
    text = repr(public)
    assert "groupby" not in text and "SECRET_INPUT" not in text and "hidden_bare" not in text


# --- answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"code": ""}, "empty"),
        ({"code": "   \n\t\n"}, "empty"),
        ({"code": "x = 1\n" * 200_000}, "too long"),  # ~1.2 MB
        ({"code": b"x = '\xff\xfe'\n"}, "not valid UTF-8"),
        ({"code": "x = 1\x00\n"}, "NUL"),
        ({"code": b"x = 1\x00\n"}, "NUL"),
        ({"code": "x = '\ud800'"}, "not valid text"),
        ({"code": ["x = 1"]}, "as text"),
        ({"code": "x = 1", "mode": "debug"}, "Run or Submit"),
    ],
)
def test_unreadable_answers_are_refused_in_words(raw: dict[str, Any], words: str) -> None:
    with pytest.raises(AnswerError, match=words):
        grader.parse_answer(SPEC, raw)


def test_answers_are_normalised_and_parse_their_own_output() -> None:
    parsed = grader.parse_answer(SPEC, {"code": b"x = 1\r\ny = 2\r\n", "mode": "run"})
    assert parsed == {"code": "x = 1\ny = 2\n", "mode": "run"}
    # The learning app stores the parsed answer and parses it again in the worker.
    assert grader.parse_answer(SPEC, parsed) == parsed
    assert grader.parse_answer(SPEC, {"code": "x = 1"})["mode"] == "submit"
    just_fits = "#" * (MAX_CODE_BYTES - 1) + "\n"
    assert grader.parse_answer(SPEC, {"code": just_fits})["code"] == just_fits


def test_grade_bounds_unparsed_answers_without_running_them() -> None:
    result = grader.grade(SPEC, {"code": "x = 1\n" * 200_000, "mode": "submit"})
    assert result.error_kind == "too_large" and not result.correct
    result = grader.grade(SPEC, {"code": None})
    assert result.error_kind == "invalid"


# --- results, from synthetic run reports (no sandbox needed) -------------------------------

JOB = Job(
    code="x = 1\n",
    suites=(
        Suite("visible", "", ("test_a", "test_b"), True),
        Suite("hidden", "", ("test_h",), False),
    ),
    limits=Limits(),
)


def report(*events: dict[str, Any], **kw: Any) -> RunReport:
    return RunReport(outcome=kw.pop("outcome", "finished"), events=[{"ev": "ready"}, *events], **kw)


def test_a_timeout_names_the_running_test_and_keeps_earlier_results() -> None:
    result = grade_result(
        report(
            {"ev": "start", "suite": "visible", "index": 0, "name": "test_a"},
            {"ev": "result", "suite": "visible", "index": 0, "passed": True, "message": ""},
            {"ev": "start", "suite": "visible", "index": 1, "name": "test_b"},
            outcome="timeout",
            wall_ms=10_500,
            returncode=-9,
        ),
        JOB,
        submit=True,
        reveal=False,
    )
    assert result.error_kind == "timeout" and "while test_b was running" in result.error_message
    assert [(t.name, t.passed) for t in result.tests] == [
        ("test_a", True), ("test_b", False), ("Hidden test 1", False)
    ]  # fmt: skip
    assert result.tests[1].message.startswith("Stopped: the time limit")
    assert result.tests[2].message.startswith("Not run")
    assert result.time_ms == 10_500 and result.error_signature == "timeout"


def test_output_is_cleaned_and_truncated_for_storage() -> None:
    result = grade_result(
        report({"ev": "done", "ms": 3}, stdout=b"a\x00b\xff" + b"x" * 20_000, stderr=b"warn\n"),
        JOB,
        submit=False,
        reveal=False,
    )
    assert "\x00" not in result.stdout and "\ufffd" in result.stdout
    assert len(result.stdout) < 8200 and "more characters not shown" in result.stdout
    assert result.stderr == "warn\n" and result.time_ms == 3
    result.stdout.encode("utf-8")  # storable as UTF-8 (no lone surrogates)


def test_hidden_messages_never_show_test_source() -> None:
    result = grade_result(
        report(
            {
                "ev": "result",
                "suite": "hidden",
                "index": 0,
                "passed": False,
                "message": "",
                "type": "AssertionError",
                "line": None,
            },
        ),  # fmt: skip
        JOB,
        submit=True,
        reveal=False,
    )
    hidden = result.tests[2]
    assert (hidden.name, hidden.message, hidden.visible) == (
        "Hidden test 1", "This hidden test failed; its details are not shown.", False
    )  # fmt: skip


def test_unavailable_and_busy_runs_do_not_count() -> None:
    for detail in ("busy", "bwrap failed"):
        result = grade_result(
            RunReport("unavailable", detail=detail), JOB, submit=True, reveal=False
        )
        assert result.error_kind == "sandbox_unavailable" and not result.tests


# --- real grading in the sandbox -----------------------------------------------------------


def outcomes(result: GradeResult) -> list[tuple[str, bool, str]]:
    return [(t.name, t.passed, t.message) for t in result.tests]


@pytest.mark.sandbox
def test_the_reference_solution_passes_everything() -> None:
    assert grader.verify_reference(SPEC) == []
    result = grader.grade(SPEC, answer(SPEC["solution"]))
    assert result.correct and result.score == 1.0 and result.error_kind == ""
    assert [t.name for t in result.tests] == [
        "test_two_teams", "test_returns_series", "Hidden test 1", "Hidden test 2"
    ]  # fmt: skip
    assert result.feedback[0].message == "All 4 tests passed."
    assert result.time_ms is not None and result.time_ms < 10_000


@pytest.mark.sandbox
def test_run_executes_only_the_visible_tests_and_shows_the_assertion_message() -> None:
    wrong = (
        "def mean_by_team(df):\n"
        "    print('summing')\n"
        "    return df.groupby('team')['hours'].sum()\n"
    )
    result = grader.grade(SPEC, answer(wrong, "run"))
    assert not result.correct and result.score == 0.5
    assert outcomes(result) == [
        ("test_two_teams", False, "team a: expected 2, got 4"),
        ("test_returns_series", True, ""),
    ]
    assert result.stdout == "summing\nsumming\n"
    assert result.error_signature == "AssertionError@test_two_teams"


@pytest.mark.sandbox
def test_submit_reports_hidden_tests_without_their_code_or_output() -> None:
    wrong = (
        "def mean_by_team(df):\n"
        "    print(df.to_dict())\n"
        "    return df.groupby('team')['hours'].max()\n"
    )
    result = grader.grade(SPEC, answer(wrong))
    assert not result.correct
    assert outcomes(result)[2:] == [
        ("Hidden test 1", False, "This hidden test failed; its details are not shown."),
        ("Hidden test 2", True, ""),
    ]
    assert all(not t.visible for t in result.tests[2:])
    # What the learner's code printed during hidden tests is not shown: it held their inputs.
    assert "'x'" not in result.stdout and "7" not in result.stdout
    assert "SECRET_INPUT" not in repr(result) and "== 9" not in repr(result)


@pytest.mark.sandbox
def test_errors_in_the_learners_code_point_at_their_line() -> None:
    code = "def mean_by_team(df):\n    total = 0\n    return df.groupby('team')['hourz'].mean()\n"
    result = grader.grade(SPEC, answer(code, "run"))
    assert result.tests[0].message == "KeyError: 'Column not found: hourz' (line 3 of your code)"
    assert result.error_signature == "KeyError@3"


@pytest.mark.sandbox
def test_a_syntax_error_is_explained_plainly() -> None:
    result = grader.grade(SPEC, answer("def mean_by_team(df)\n    return df\n", "run"))
    assert result.error_kind == "syntax_error"
    assert result.error_message.startswith("Python cannot read your code: expected ':' on line 1.")
    assert result.error_signature == "SyntaxError@1"
    assert all(t.message == "Not run: fix the syntax error first." for t in result.tests)


@pytest.mark.sandbox
def test_a_learner_function_named_like_a_test_is_not_a_test() -> None:
    code = (
        SPEC["solution"]
        + "\ndef test_mine():\n    assert False\n\ndef test_two_teams():\n    pass\n"
    )
    result = grader.grade(SPEC, answer(code, "run"))
    # The author's test_two_teams replaces the learner's; test_mine is never collected.
    assert result.correct and [t.name for t in result.tests] == [
        "test_two_teams",
        "test_returns_series",
    ]


@pytest.mark.sandbox
def test_verify_reference_reports_a_broken_solution() -> None:
    broken = {**SPEC, "solution": "def mean_by_team(df):\n    return df['hours'].mean()\n"}
    errors = grader.verify_reference(broken)
    assert errors and all(e.key == "solution" for e in errors)
    # Authors see their hidden tests' real names.
    assert any("test_hidden_with_message" in e.message for e in errors), errors
