"""short_text: normalisation, accepted answers and patterns, bounds, and the regex cost guard."""

from __future__ import annotations

import re
import time
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.grading.base import AnswerError
from candor.grading.text import HARD_MAX_LENGTH, ShortTextGrader, normalise, regex_problem

grader = ShortTextGrader()
SPEC: dict[str, Any] = {
    "accepted": ["precision", "positive predictive value"],
    "patterns": ["pre[cs]ision rate"],
    "feedback_wrong": "Think of how many flagged items were really positive.",
}


def grade(spec: dict[str, Any], raw: Any) -> bool:
    return grader.grade(spec, grader.parse_answer(spec, raw)).correct


@pytest.mark.parametrize(
    "raw",
    [
        "precision",
        "  Precision ",
        "PRECISION",
        "ｐｒｅｃｉｓｉｏｎ",  # full-width letters
        "positive\n predictive\tvalue",
        "Positive  Predictive  Value",
        "presision rate",  # a pattern, matched on the normalised text
        "PreCision   Rate",
    ],
)
def test_accepted_after_normalising(raw: str) -> None:
    assert grade(SPEC, raw)


@pytest.mark.parametrize("raw", ["precisions", "the precision", "recall", "precision rate!", "pre"])
def test_rejected(raw: str) -> None:
    result = grader.grade(SPEC, grader.parse_answer(SPEC, raw))
    assert (result.correct, result.score) == (False, 0.0)
    assert [f.message for f in result.feedback][-1] == SPEC["feedback_wrong"]


def test_combining_characters_compare_equal_to_composed_ones() -> None:
    spec = {"accepted": ["café"]}
    assert grade(spec, "cafe\u0301")
    assert grade(spec, "CAFÉ")
    assert not grade(spec, "cafe")


def test_casefolding_goes_beyond_lowercase() -> None:
    assert grade({"accepted": ["Straße"]}, "STRASSE")


def test_case_sensitive_answers() -> None:
    spec = {"accepted": ["NaCl"], "patterns": ["H2O|CO2"], "case_sensitive": True}
    assert grade(spec, " NaCl ")
    assert not grade(spec, "nacl")
    assert grade(spec, "CO2")
    assert not grade(spec, "co2")


def test_patterns_must_match_the_whole_answer() -> None:
    spec = {"patterns": [r"\d+ tokens?"]}
    assert grade(spec, "12 tokens")
    assert not grade(spec, "about 12 tokens")


# --- parse_answer -------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, 5, 1.5, True, [], ["precision"], {"a": "b"}, b"precision"])
def test_wrong_types_are_answer_errors(raw: Any) -> None:
    with pytest.raises(AnswerError):
        grader.parse_answer(SPEC, raw)


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\u3000"])
def test_empty_answers_are_answer_errors(raw: str) -> None:
    with pytest.raises(AnswerError, match="Type an answer"):
        grader.parse_answer(SPEC, raw)


def test_length_limits() -> None:
    assert grader.parse_answer(SPEC, "a" * 200) == "a" * 200
    assert grader.parse_answer(SPEC, " " * 500 + "a" + " " * 500) == "a"  # padding is not content
    with pytest.raises(AnswerError, match="200"):
        grader.parse_answer(SPEC, "a" * 201)
    with pytest.raises(AnswerError):
        grader.parse_answer(SPEC, "a" * 10**7)
    # NFKC can make text longer; the limit is on what the patterns will see.
    with pytest.raises(AnswerError):
        grader.parse_answer(SPEC, "\ufdfa" * 20)
    long_spec = {"accepted": ["x"], "max_length": HARD_MAX_LENGTH}
    assert len(grader.parse_answer(long_spec, "b" * HARD_MAX_LENGTH)) == HARD_MAX_LENGTH


def test_parse_keeps_the_learners_case() -> None:
    assert grader.parse_answer(SPEC, "  Positive   Value ") == "Positive Value"


@pytest.mark.parametrize("answer", [None, 5, ["precision"], "a" * 5000, ""])
def test_grade_never_raises_on_unparsed_answers(answer: Any) -> None:
    assert grader.grade(SPEC, answer).correct is False


def test_public_spec_reveals_no_answers() -> None:
    assert grader.public_spec(SPEC) == {"max_length": 200}
    assert grader.public_spec({**SPEC, "max_length": 50}) == {"max_length": 50}


# --- check_spec ---------------------------------------------------------------------------


def test_valid_specs() -> None:
    assert grader.check_spec(SPEC) == []
    assert grader.check_spec({"patterns": ["^pre[cs]ision$"], "case_sensitive": True}) == []
    common = {"title": "t", "type": "exercise", "kind": "short_text", "hints": ["h"], "id": "x"}
    assert grader.check_spec({**SPEC, **common, "explanation": "e", "max_attempts": 0}) == []


BROKEN = [
    ("neither accepted nor patterns", {"feedback_wrong": "f"}, {"accepted"}),
    ("both empty", {"accepted": [], "patterns": []}, {"accepted"}),
    ("accepted is a string", {"accepted": "precision"}, {"accepted"}),
    ("accepted has a number", {"accepted": ["a", 1]}, {"accepted"}),
    ("accepted has a blank", {"accepted": ["a", " "]}, {"accepted"}),
    ("accepted longer than max_length", {"accepted": ["abcdef"], "max_length": 5}, {"accepted"}),
    ("invalid pattern", {"patterns": ["pre(cision"]}, {"patterns"}),
    ("pattern not a string", {"patterns": [None]}, {"patterns"}),
    ("exponential pattern", {"patterns": ["(a+)+b"]}, {"patterns"}),
    ("alternation blow-up", {"patterns": ["(.|\\s)*x"]}, {"patterns"}),
    ("cubic on a long answer", {"patterns": [".*a.*b.*c.*d"], "max_length": 2000}, {"patterns"}),
    ("case_sensitive text", {"accepted": ["a"], "case_sensitive": "no"}, {"case_sensitive"}),
    ("max_length zero", {"accepted": ["a"], "max_length": 0}, {"max_length"}),
    ("max_length above cap", {"accepted": ["a"], "max_length": 2001}, {"max_length"}),
    ("max_length boolean", {"accepted": ["a"], "max_length": True}, {"max_length"}),
    ("max_length text", {"accepted": ["a"], "max_length": "200"}, {"max_length"}),
    ("feedback_wrong number", {"accepted": ["a"], "feedback_wrong": 3}, {"feedback_wrong"}),
    ("unknown key", {"accepted": ["a"], "answer": "a"}, {"answer"}),
    ("hints not a list", {"accepted": ["a"], "hints": "h"}, {"hints"}),
]


@pytest.mark.parametrize(("name", "spec", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_specs_are_reported(name: str, spec: Any, expected: set[str]) -> None:
    errors = grader.check_spec(spec)
    assert {e.key for e in errors} == expected, name


def test_spec_must_be_a_mapping() -> None:
    assert grader.check_spec("accepted: precision") != []  # type: ignore[arg-type]


def test_a_slow_pattern_is_fine_on_short_answers() -> None:
    assert grader.check_spec({"patterns": [".*a.*b.*c.*d"], "max_length": 30}) == []


# --- the regex cost guard -----------------------------------------------------------------

SAFE_FOR_SEARCH = [
    r".*",
    r"\d+\s*%",
    r"\d+(\.\d+)?\s*%",
    r"\b(you are|act as)\b",
    r"(cat|dog)*",
    r"(\d+\.)+x",
    r"(\w+,\s*)+x",
    r".{0,80}a.{0,80}b",
    r"(?i)step.*then",
    r"(?:\w+\s?)*+x",
    r"(?=.*x).*y",
    r"[a-z]+\d+.*x",
    r"(?:[-*•]|\d+[.)])\s+\S",
]
SLOW_FOR_SEARCH = [
    r"(a+)+$",
    r"(\w+\s?)*$",
    r"(a|a)*b",
    r"(.|\s)*x",
    r".*a.*b",
    r"\s*\s*x",
    r"x*x*x*y",
    r".*[a-z]+.*x",
    r"[a-m]+[h-z]+x",
    r"\bstep\b.*\bthen\b.*\bdone\b",
]


@pytest.mark.parametrize("pattern", SAFE_FOR_SEARCH)
def test_guard_accepts_patterns_that_stay_fast(pattern: str) -> None:
    assert regex_problem(pattern, re.IGNORECASE, 10_000, search=True) is None


@pytest.mark.parametrize("pattern", SLOW_FOR_SEARCH)
def test_guard_refuses_patterns_that_can_blow_up(pattern: str) -> None:
    assert regex_problem(pattern, re.IGNORECASE, 10_000, search=True)


def test_guard_reports_invalid_and_oversized_patterns() -> None:
    assert "not a valid regular expression" in str(regex_problem("(", 0, 200, search=False))
    assert "longer than" in str(regex_problem("a" * 1001, 0, 200, search=False))


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\d+\s*%", "1" * 5_000),
        (r"(\w+,\s*)+x", "ab, " * 1250),
        (r"(?i)step.*then", "step " * 1000),
    ],
)
def test_accepted_patterns_finish_quickly_on_hostile_input(pattern: str, text: str) -> None:
    assert regex_problem(pattern, 0, len(text), search=True) is None
    started = time.perf_counter()
    re.search(pattern, text)
    # About half a second at this length; what the guard refuses takes hours.
    assert time.perf_counter() - started < 10


# --- properties ---------------------------------------------------------------------------

ANSWERS = st.text(min_size=1, max_size=60).filter(lambda a: 0 < len(normalise(a)) <= 200)


@given(
    raw=st.one_of(st.text(max_size=300), st.none(), st.integers(), st.lists(st.text(max_size=3)))
)
def test_parse_raises_nothing_but_answer_error(raw: Any) -> None:
    try:
        answer = grader.parse_answer(SPEC, raw)
    except AnswerError:
        return
    assert 0.0 <= grader.grade(SPEC, answer).score <= 1.0


@given(accepted=ANSWERS, data=st.data())
def test_an_accepted_answer_is_always_accepted(accepted: str, data: st.DataObject) -> None:
    spec = {"accepted": [accepted]}
    assert grader.check_spec(spec) == []
    typed = data.draw(
        st.sampled_from(
            [
                accepted,
                f"  {accepted}\n",
                unicodedata.normalize("NFD", accepted),
                "  ".join(accepted.split(" ")),
            ]
        )
    )
    assert grade(spec, typed), typed


@given(
    accepted=st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=40).filter(
        str.strip
    )
)
def test_case_and_spacing_never_matter_unless_asked(accepted: str) -> None:
    spec = {"accepted": [accepted]}
    assert grade(spec, accepted.upper())
    assert grade(spec, " \t".join(accepted.split()))


@given(accepted=ANSWERS)
def test_an_escaped_pattern_of_the_answer_is_accepted(accepted: str) -> None:
    spec = {"patterns": [re.escape(normalise(accepted))]}
    if grader.check_spec(spec) == []:
        assert grade(spec, accepted)
