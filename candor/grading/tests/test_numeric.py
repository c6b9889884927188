"""numeric: the ways people type numbers, tolerances, spec validation."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.grading.base import AnswerError
from candor.grading.numeric import NumericGrader

grader = NumericGrader()
PLAIN: dict[str, Any] = {"answer": 0.8, "feedback_wrong": "Precision is TP / (TP + FP)."}
PERCENT: dict[str, Any] = {"answer": 80, "unit": "%", "tolerance": 0.5}
FULL_WIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0.8", 0.8),
        (" 0,8 ", 0.8),
        ("0,8", 0.8),
        (".5", 0.5),
        ("5.", 5.0),
        ("+2", 2.0),
        ("- 3", -3.0),
        ("\u22123", -3.0),  # typographic minus
        ("1 234.5", 1234.5),
        ("1\u00a0234,5", 1234.5),  # no-break space groups thousands, comma is decimal
        ("1\u202f234", 1234.0),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234,567", 1234567.0),
        ("1.234.567", 1234567.0),
        ("12 345 678,9", 12345678.9),
        ("1e-3", 0.001),
        ("2.5E3", 2500.0),
        ("1,5e3", 1500.0),
        ("１２３", 123.0),
        ("０，８", 0.8),
        ("80%", 0.8),  # without a % unit, 80% can only mean 0.8
        ("5 %", 0.05),
        (3, 3.0),
        (0.25, 0.25),
    ],
)
def test_parses_what_people_type(raw: Any, value: float) -> None:
    assert grader.parse_answer({"answer": 1}, raw) == value


def test_percent_unit_makes_80_and_80_percent_the_same() -> None:
    assert grader.parse_answer(PERCENT, "80%") == 80.0
    assert grader.parse_answer(PERCENT, "80") == 80.0
    assert grader.parse_answer(PERCENT, " 80 ％ ") == 80.0  # full-width percent sign
    assert grader.parse_answer(PERCENT, "79,5 %") == 79.5


def test_other_units_may_trail_the_number() -> None:
    spec = {"answer": 5, "unit": "kg"}
    assert grader.parse_answer(spec, "5 kg") == 5.0
    assert grader.parse_answer(spec, "5KG") == 5.0
    with pytest.raises(AnswerError):
        grader.parse_answer(spec, "5 m")


BAD = [
    "",
    "   ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1_000",
    "0x10",
    "1 2",
    "1,2,3",
    "1..2",
    "1.2.3,4",
    "%",
    "-",
    "--3",
    "e5",
    "1e",
    "1e99999",
    "1e400",
    "٣",
    "1/2",
    "one",
    "1" * 41,
    " " * 41,
    "1\u0301",
    float("nan"),
    float("inf"),
    -math.inf,
    True,
    False,
    None,
    [],
    [1],
    {"a": 1},
    b"1",
    object(),
]


@pytest.mark.parametrize("raw", BAD, ids=repr)
def test_rejects_non_numbers_with_a_helpful_answer_error(raw: Any) -> None:
    with pytest.raises(AnswerError, match="Type a number, such as"):
        grader.parse_answer(PLAIN, raw)


def test_error_message_mentions_percent_when_the_unit_is_percent() -> None:
    with pytest.raises(AnswerError, match="80%"):
        grader.parse_answer(PERCENT, "eighty")


def test_huge_input_is_refused_before_any_work() -> None:
    with pytest.raises(AnswerError):
        grader.parse_answer(PLAIN, "9" * 10**6)


# --- grade --------------------------------------------------------------------------------


def test_exact_answer_without_tolerance() -> None:
    assert grader.grade(PLAIN, grader.parse_answer(PLAIN, "0,8")).correct
    wrong = grader.grade(PLAIN, grader.parse_answer(PLAIN, "0.9"))
    assert (wrong.correct, wrong.score) == (False, 0.0)
    assert [f.message for f in wrong.feedback] == [
        "0.9 is not the expected value.",
        "Precision is TP / (TP + FP).",
    ]
    assert not any("0.8" in f.message for f in wrong.feedback)  # never reveals the answer


def test_float_rounding_does_not_fail_exact_answers() -> None:
    spec = {"answer": 0.1 + 0.2}
    assert grader.grade(spec, grader.parse_answer(spec, "0.3")).correct


def test_absolute_tolerance_is_inclusive() -> None:
    spec = {"answer": 10, "tolerance": 0.5}
    assert grader.grade(spec, 10.5).correct
    assert grader.grade(spec, 9.5).correct
    assert not grader.grade(spec, 10.51).correct


def test_percent_tolerance_is_relative_to_the_expected_answer() -> None:
    spec = {"answer": 200, "tolerance_percent": 1}
    assert grader.grade(spec, 202.0).correct
    assert grader.grade(spec, 198.0).correct
    assert not grader.grade(spec, 202.1).correct
    negative = {"answer": -200, "tolerance_percent": 1}
    assert grader.grade(negative, -201.5).correct


def test_percent_tolerance_on_zero_falls_back_to_absolute() -> None:
    assert grader.grade({"answer": 0, "tolerance_percent": 5}, 0.0).correct
    assert not grader.grade({"answer": 0, "tolerance_percent": 5}, 0.001).correct
    both = {"answer": 0, "tolerance_percent": 5, "tolerance": 0.01}
    assert grader.grade(both, 0.01).correct
    assert not grader.grade(both, 0.02).correct


def test_percent_unit_answer() -> None:
    assert grader.grade(PERCENT, grader.parse_answer(PERCENT, "80%")).correct
    assert grader.grade(PERCENT, grader.parse_answer(PERCENT, "80,4")).correct
    assert not grader.grade(PERCENT, grader.parse_answer(PERCENT, "0.8")).correct


@pytest.mark.parametrize("answer", [None, "0.8", float("nan"), math.inf, True, [0.8]])
def test_grade_never_raises_on_unparsed_answers(answer: Any) -> None:
    assert grader.grade(PLAIN, answer).correct is False


def test_public_spec_shows_only_the_unit() -> None:
    assert grader.public_spec(PERCENT) == {"unit": "%"}
    assert grader.public_spec(PLAIN) == {"unit": ""}


# --- check_spec ---------------------------------------------------------------------------


def test_valid_specs() -> None:
    assert grader.check_spec(PLAIN) == []
    assert grader.check_spec(PERCENT) == []
    assert grader.check_spec({"answer": 0, "tolerance": 0.1, "tolerance_percent": 2}) == []
    common = {"title": "t", "type": "exercise", "kind": "numeric", "hints": ["h"], "id": "x"}
    assert grader.check_spec({**PLAIN, **common, "explanation": "e", "max_attempts": 2}) == []


BROKEN = [
    ("no answer", {}, {"answer"}),
    ("answer quoted", {"answer": "0.8"}, {"answer"}),
    ("answer boolean", {"answer": True}, {"answer"}),
    ("answer nan", {"answer": float("nan")}, {"answer"}),
    ("answer inf", {"answer": math.inf}, {"answer"}),
    ("answer list", {"answer": [1]}, {"answer"}),
    ("negative tolerance", {"answer": 1, "tolerance": -1}, {"tolerance"}),
    ("tolerance text", {"answer": 1, "tolerance": "0.1"}, {"tolerance"}),
    ("percent boolean", {"answer": 1, "tolerance_percent": True}, {"tolerance_percent"}),
    ("percent None", {"answer": 1, "tolerance_percent": None}, {"tolerance_percent"}),
    ("unit number", {"answer": 1, "unit": 5}, {"unit"}),
    ("unit with digits", {"answer": 1, "unit": "m2"}, {"unit"}),
    ("unit too long", {"answer": 1, "unit": "x" * 21}, {"unit"}),
    ("feedback empty", {"answer": 1, "feedback_wrong": " "}, {"feedback_wrong"}),
    ("feedback mapping", {"answer": 1, "feedback_wrong": {"a": 1}}, {"feedback_wrong"}),
    ("unknown key", {"answer": 1, "accepted": [1]}, {"accepted"}),
    ("hints empty", {"answer": 1, "hints": []}, {"hints"}),
]


@pytest.mark.parametrize(("name", "spec", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_specs_are_reported(name: str, spec: Any, expected: set[str]) -> None:
    errors = grader.check_spec(spec)
    assert {e.key for e in errors} == expected, name


def test_spec_must_be_a_mapping() -> None:
    assert grader.check_spec([1]) != []  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------

NUMBERS = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(
    raw=st.one_of(
        st.text(max_size=50), st.floats(), st.integers(), st.none(), st.lists(st.integers())
    )
)
def test_parse_raises_nothing_but_answer_error(raw: Any) -> None:
    for spec in (PLAIN, PERCENT, {"answer": 1, "unit": "kg"}):
        try:
            value = grader.parse_answer(spec, raw)
        except AnswerError:
            continue
        assert math.isfinite(value)
        result = grader.grade(spec, value)
        assert result.score in (0.0, 1.0)


@given(text=st.text(alphabet="0123456789 .,+-eE%１２％\u2212", max_size=40))
def test_number_like_garbage_raises_only_answer_error(text: str) -> None:
    with contextlib.suppress(AnswerError):
        grader.parse_answer(PERCENT, text)


@given(answer=NUMBERS, data=st.data())
def test_the_correct_answer_is_accepted_however_it_is_typed(
    answer: float, data: st.DataObject
) -> None:
    spec = {"answer": answer}
    typed = repr(answer)
    variants = [typed, f"  {typed} ", typed.translate(FULL_WIDTH)]
    if "e" not in typed and len(typed.partition(".")[2]) != 3:
        # "1,875" is asked about rather than guessed (see the test below); others are read.
        variants.append(typed.replace(".", ","))
    raw = data.draw(st.sampled_from(variants))
    assert grader.grade(spec, grader.parse_answer(spec, raw)).correct, raw


@given(
    whole=st.integers(min_value=1000, max_value=10**12), separator=st.sampled_from([" ", "\u00a0"])
)
def test_grouped_thousands_are_accepted(whole: int, separator: str) -> None:
    spec = {"answer": whole + 0.5}
    assert grader.grade(spec, grader.parse_answer(spec, f"{whole:,}.5")).correct
    grouped = f"{whole:,}".replace(",", separator)
    assert grader.grade(spec, grader.parse_answer(spec, f"{grouped},5")).correct


@given(answer=NUMBERS, tolerance=st.floats(0, 1e6), share=st.floats(-1, 1))
def test_anything_within_the_tolerance_is_accepted(
    answer: float, tolerance: float, share: float
) -> None:
    spec = {"answer": answer, "tolerance": tolerance}
    assert grader.check_spec(spec) == []
    assert grader.grade(spec, answer + share * tolerance).correct


@pytest.mark.parametrize("typed", ["1,234", "38,400", "-2,500", "12,345 kg"])
def test_a_lone_comma_before_three_digits_is_asked_about_not_guessed(typed: str) -> None:
    from candor.grading.base import AnswerError
    from candor.grading.numeric import NumericGrader

    with pytest.raises(AnswerError, match="without the comma"):
        NumericGrader().parse_answer({"answer": 1, "unit": "kg"}, typed)


@pytest.mark.parametrize("typed,value", [("0,8", 0.8), ("1,25", 1.25), ("3,1416", 3.1416)])
def test_a_decimal_comma_is_still_read(typed: str, value: float) -> None:
    from candor.grading.numeric import NumericGrader

    assert NumericGrader().parse_answer({"answer": 1}, typed) == pytest.approx(value)
