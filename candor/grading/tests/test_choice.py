"""single_choice and multiple_choice: spec validation, answer parsing, grading, public spec."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.grading.base import AnswerError, GradeResult
from candor.grading.choice import MultipleChoiceGrader, SingleChoiceGrader

single = SingleChoiceGrader()
multiple = MultipleChoiceGrader()

SINGLE: dict[str, Any] = {
    "options": [
        {"text": "It searches the web.", "feedback": "Not by default."},
        {"text": "It predicts likely next tokens.", "correct": True, "feedback": "Yes."},
        {"text": "It looks facts up in a database.", "correct": False, "feedback": "No database."},
    ]
}
MULTI: dict[str, Any] = {
    "options": [
        {"text": "Invented numbers", "correct": True, "feedback": "Right: check every number."},
        {"text": "Superlatives", "correct": True, "feedback": "Right: they need proof."},
        {"text": "Plain descriptions", "feedback": "Usually safe."},
        {"text": "Prices", "correct": True, "feedback": "Right: prices go stale."},
        {"text": "The company name", "feedback": "Rarely a problem."},
    ]
}
COMMON = {"title": "T", "type": "exercise", "kind": "x", "hints": ["h"], "explanation": "e"}
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


def keys(errors: list[Any]) -> set[str]:
    return {e.key for e in errors}


def with_options(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(base)
    for index, change in changes.items():
        spec["options"][int(index[1:])] = change
    return spec


# --- check_spec ---------------------------------------------------------------------------


def test_valid_specs_have_no_errors_and_common_keys_are_known() -> None:
    assert single.check_spec(SINGLE) == []
    assert multiple.check_spec(MULTI) == []
    assert single.check_spec({**SINGLE, **COMMON, "id": "old-slug", "max_attempts": 3}) == []


BROKEN_SINGLE = [
    ("not a mapping", ["options"], {""}),
    ("no options", {}, {"options"}),
    ("options is a dict", {"options": {"text": "a"}}, {"options"}),
    ("one option", {"options": SINGLE["options"][1:2]}, {"options"}),
    (
        "eleven options",
        {"options": [*SINGLE["options"], *[{"text": f"x{i}", "feedback": "f"} for i in range(8)]]},
        {"options"},
    ),
    ("option is a string", with_options(SINGLE, o0="just text"), {"options"}),
    ("option is None", with_options(SINGLE, o0=None), {"options"}),
    ("text missing", with_options(SINGLE, o0={"feedback": "f"}), {"options"}),
    ("text is a number", with_options(SINGLE, o0={"text": 42, "feedback": "f"}), {"options"}),
    ("text blank", with_options(SINGLE, o0={"text": "  ", "feedback": "f"}), {"options"}),
    ("feedback missing", with_options(SINGLE, o0={"text": "a"}), {"options"}),
    ("feedback is a list", with_options(SINGLE, o0={"text": "a", "feedback": ["f"]}), {"options"}),
    (
        "correct is a string",
        with_options(SINGLE, o0={"text": "a", "feedback": "f", "correct": "yes"}),
        {"options"},
    ),
    (
        "unknown option key",
        with_options(SINGLE, o0={"text": "a", "feedback": "f", "hint": "h"}),
        {"options"},
    ),
    (
        "duplicate text",
        with_options(SINGLE, o0={"text": "IT PREDICTS likely  next tokens.", "feedback": "f"}),
        {"options"},
    ),
    ("no correct option", with_options(SINGLE, o1={"text": "b", "feedback": "f"}), {"options"}),
    (
        "two correct options",
        with_options(SINGLE, o0={"text": "a", "feedback": "f", "correct": True}),
        {"options"},
    ),
    ("unknown top-level key", {**SINGLE, "answer": 1}, {"answer"}),
    ("hints empty", {**SINGLE, "hints": []}, {"hints"}),
    ("hints not texts", {**SINGLE, "hints": [{"a": 1}]}, {"hints"}),
]


@pytest.mark.parametrize(
    ("name", "spec", "expected"), BROKEN_SINGLE, ids=[b[0] for b in BROKEN_SINGLE]
)
def test_broken_single_specs_are_reported(name: str, spec: Any, expected: set[str]) -> None:
    errors = single.check_spec(spec)
    assert errors, name
    assert keys(errors) == expected
    assert all(e.message for e in errors)


def test_multiple_choice_needs_a_correct_option_but_allows_several() -> None:
    none_correct = {"options": [{"text": "a", "feedback": "f"}, {"text": "b", "feedback": "f"}]}
    assert keys(multiple.check_spec(none_correct)) == {"options"}
    assert multiple.check_spec(MULTI) == []


def test_every_problem_in_one_option_is_reported() -> None:
    spec = with_options(SINGLE, o0={"text": 1, "feedback": "", "correct": "no", "x": 1})
    assert len(single.check_spec(spec)) == 4


# --- parse_answer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "index"), [("0", 0), ("2", 2), (" 1 ", 1), (1, 1), ("１", 1), ("02", 2)]
)
def test_single_parses_form_values(raw: Any, index: int) -> None:
    assert single.parse_answer(SINGLE, raw) == index


BAD_SINGLE = [
    "",
    " ",
    "a",
    "-1",
    "3",
    "99",
    "1.0",
    "1e0",
    "٣",
    "1\u0301",
    "0" * 1000,
    -1,
    3,
    10**100,
    True,
    False,
    None,
    1.0,
    [1],
    ["1"],
    {"0": 1},
    b"1",
    object(),
]


@pytest.mark.parametrize("raw", BAD_SINGLE, ids=repr)
def test_single_rejects_anything_else_with_answer_error(raw: Any) -> None:
    with pytest.raises(AnswerError):
        single.parse_answer(SINGLE, raw)


def test_multiple_parses_lists_and_ignores_duplicate_picks() -> None:
    assert multiple.parse_answer(MULTI, ["3", "0"]) == [0, 3]
    assert multiple.parse_answer(MULTI, ["1", 1, "１", " 1"]) == [1]
    assert multiple.parse_answer(MULTI, ("4",)) == [4]


BAD_MULTI = [
    [],
    "0",
    0,
    None,
    {"0": True},
    [None],
    [[0]],
    ["5"],
    ["0", "x"],
    ["0"] * 51,
    [True],
    set(),
]


@pytest.mark.parametrize("raw", BAD_MULTI, ids=repr)
def test_multiple_rejects_anything_else_with_answer_error(raw: Any) -> None:
    with pytest.raises(AnswerError):
        multiple.parse_answer(MULTI, raw)


# --- grade --------------------------------------------------------------------------------


def test_single_right_and_wrong_with_the_picked_options_feedback() -> None:
    right = single.grade(SINGLE, 1)
    assert (right.correct, right.score) == (True, 1.0)
    assert [(f.message, f.ok, f.label) for f in right.feedback] == [
        ("Yes.", True, "It predicts likely next tokens.")
    ]
    wrong = single.grade(SINGLE, 0)
    assert (wrong.correct, wrong.score) == (False, 0.0)
    assert [(f.message, f.ok) for f in wrong.feedback] == [("Not by default.", False)]


@pytest.mark.parametrize("answer", [99, -1, None, "1", True, [1], 1.5])
def test_single_grade_never_raises_on_unparsed_answers(answer: Any) -> None:
    assert single.grade(SINGLE, answer).correct is False


def test_multiple_exact_set_is_correct() -> None:
    result = multiple.grade(MULTI, [0, 1, 3])
    assert (result.correct, result.score) == (True, 1.0)
    assert [f.ok for f in result.feedback] == [True, True, True]


def test_multiple_partial_credit_and_missed_options() -> None:
    result = multiple.grade(MULTI, [0, 2])
    assert result.correct is False
    assert result.score == 0.0  # one right pick, cancelled by one wrong pick
    messages = [f.message for f in result.feedback]
    assert messages[0] == "You picked 1 of the 3 right options and 1 wrong one."
    assert "Right: check every number." in messages
    assert "Usually safe." in messages
    assert "You missed: Superlatives — Right: they need proof." in messages
    assert "You missed: Prices — Right: prices go stale." in messages
    assert multiple.grade(MULTI, [0, 1]).score == pytest.approx(2 / 3)


def test_ticking_every_box_earns_nothing() -> None:
    result = multiple.grade(MULTI, [0, 1, 2, 3, 4])
    assert result.correct is False
    assert result.score == pytest.approx(1 / 3)
    everything_wrong = {
        "options": [
            {"text": "a", "feedback": "f", "correct": True},
            {"text": "b", "feedback": "f"},
            {"text": "c", "feedback": "f"},
        ]
    }
    assert multiple.grade(everything_wrong, [0, 1, 2]).score == 0.0


@pytest.mark.parametrize("answer", [None, [], [99], "0", [True], {0: 1}, [0, 0, 1, 3]])
def test_multiple_grade_never_raises_on_unparsed_answers(answer: Any) -> None:
    result = multiple.grade(MULTI, answer)
    assert 0.0 <= result.score <= 1.0


# --- public_spec --------------------------------------------------------------------------


@pytest.mark.parametrize(("grader", "spec"), [(single, SINGLE), (multiple, MULTI)])
def test_public_spec_shows_option_texts_only(grader: Any, spec: dict[str, Any]) -> None:
    public = grader.public_spec(spec)
    assert public == {"options": [{"text": o["text"]} for o in spec["options"]]}
    dumped = json.dumps(public)
    assert "correct" not in dumped
    assert not any(o["feedback"] in dumped for o in spec["options"])


# --- properties ---------------------------------------------------------------------------


@st.composite
def choice_specs(draw: st.DrawFn, multi: bool) -> dict[str, Any]:
    texts = draw(
        st.lists(
            st.text(min_size=1, max_size=20).filter(str.strip),
            min_size=2,
            max_size=10,
            unique_by=lambda t: " ".join(t.split()).casefold(),
        )
    )
    if multi:
        correct = draw(st.sets(st.integers(0, len(texts) - 1), min_size=1))
    else:
        correct = {draw(st.integers(0, len(texts) - 1))}
    return {
        "options": [
            {"text": t, "feedback": f"fb {i}", "correct": i in correct} for i, t in enumerate(texts)
        ]
    }


@given(raw=JSONISH)
def test_parse_raises_nothing_but_answer_error(raw: Any) -> None:
    for grader, spec in ((single, SINGLE), (multiple, MULTI)):
        try:
            answer = grader.parse_answer(spec, raw)
        except AnswerError:
            continue
        result = grader.grade(spec, answer)
        assert isinstance(result, GradeResult)
        assert 0.0 <= result.score <= 1.0


@given(spec=choice_specs(multi=False), data=st.data())
def test_single_generated_specs_are_valid_and_the_correct_answer_wins(
    spec: dict[str, Any], data: st.DataObject
) -> None:
    assert single.check_spec(spec) == []
    right = next(i for i, o in enumerate(spec["options"]) if o["correct"])
    raw = data.draw(st.sampled_from([right, str(right), f" {right} "]))
    assert single.grade(spec, single.parse_answer(spec, raw)).correct
    any_pick = data.draw(st.integers(0, len(spec["options"]) - 1))
    result = single.grade(spec, single.parse_answer(spec, str(any_pick)))
    assert result.correct == (any_pick == right)


@given(spec=choice_specs(multi=True), data=st.data())
def test_multiple_generated_specs_are_valid_and_the_correct_set_wins(
    spec: dict[str, Any], data: st.DataObject
) -> None:
    assert multiple.check_spec(spec) == []
    right = [str(i) for i, o in enumerate(spec["options"]) if o["correct"]]
    raw = data.draw(
        st.permutations(right + data.draw(st.lists(st.sampled_from(right), max_size=3)))
    )
    result = multiple.grade(spec, multiple.parse_answer(spec, raw))
    assert (result.correct, result.score) == (True, 1.0)
    picks = data.draw(st.sets(st.integers(0, len(spec["options"]) - 1), min_size=1))
    other = multiple.grade(spec, multiple.parse_answer(spec, sorted(picks)))
    assert other.correct == (picks == {int(i) for i in right})
    assert 0.0 <= other.score <= 1.0
