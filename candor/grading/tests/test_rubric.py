"""rubric: term matching, lists, word counts, thresholds, spec validation, bounds."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.grading.base import AnswerError, GradeResult
from candor.grading.rubric import MAX_CHARS, RubricGrader

grader = RubricGrader()


def check(label: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "label": label,
        "type": kind,
        "feedback_pass": f"{label}: yes",
        "feedback_fail": f"{label}: no",
        **extra,
    }


SPEC: dict[str, Any] = {
    "min_words": 8,
    "max_words": 80,
    "checks": [
        check("Role", "mention_any", terms=["you are", "act as", "as a"]),
        check("Format", "mention_any", terms=["table", "bullet", "list", "json"]),
        check("No customer names", "avoid", terms=["Müller GmbH", "customer name"]),
    ],
}
GOOD = "You are a support agent. Summarise the ticket below as a table with three columns."


def result(spec: dict[str, Any], raw: Any) -> GradeResult:
    return grader.grade(spec, grader.parse_answer(spec, raw))


def oks(res: GradeResult) -> dict[str, bool | None]:
    return {f.label: f.ok for f in res.feedback}


def test_a_good_answer_passes_every_check() -> None:
    res = result(SPEC, GOOD)
    assert (res.correct, res.score) == (True, 1.0)
    assert oks(res) == {
        "Role": True,
        "Format": True,
        "No customer names": True,
        "Length: 8–80 words": True,
    }
    assert res.feedback[0].message == "Role: yes"


@pytest.mark.parametrize("raw", ["", "   \n\t  ", "\r\n"])
def test_an_empty_answer_is_graded_and_fails_every_check(raw: str) -> None:
    res = result(SPEC, raw)
    assert (res.correct, res.score) == (False, 0.0)
    assert res.feedback[0].message.startswith("Your answer is empty")
    assert [f.ok for f in res.feedback[1:]] == [False] * 4  # even "avoid" earns nothing
    assert "No customer names: no" in [f.message for f in res.feedback]


def test_terms_are_whole_words_and_phrases_case_insensitive() -> None:
    spec = {"checks": [check("Role", "mention_any", terms=["as a", "act as"])]}
    assert result(spec, "Please ACT\n  AS an editor").correct
    assert result(spec, "Answer as a lawyer would").correct
    assert not result(spec, "She has a cat and acts astutely").correct
    tables = {"checks": [check("Format", "mention_any", terms=["table"])]}
    assert not result(tables, "Use tables and timetable").correct


def test_avoid_matches_unicode_terms_in_any_case_and_form() -> None:
    spec = {"checks": [check("No names", "avoid", terms=["Müller GmbH"])]}
    assert result(spec, "Write to our partner.").correct
    assert not result(spec, "Write to MÜLLER GMBH today.").correct
    assert not result(spec, "Write to Mu\u0308ller  GmbH today.").correct  # decomposed ü
    assert not result(spec, "Write to Ｍüller GmbH.").correct  # full-width M
    assert result(spec, "Write to Müllerei GmbH.").correct


def test_terms_with_symbols_and_accents_keep_sensible_boundaries() -> None:
    cpp = {"checks": [check("Lang", "mention_all", terms=["C++", ".NET"])]}
    assert result(cpp, "We use C++ and ASP.NET here.").correct
    cafe = {"checks": [check("Cafe", "mention_any", terms=["cafe"])]}
    assert not result(cafe, "the cafe\u0301 opens").correct  # composes to café: another word
    x = {"checks": [check("x", "mention_any", terms=["x"])]}
    assert result(x, "x\u0301 is not x on its own").correct  # the second, bare "x" counts
    assert not result(
        x, "only x\u0301 here"
    ).correct  # a mark NFKC cannot compose stays on its letter


def test_mention_all_needs_every_term() -> None:
    spec = {"checks": [check("All", "mention_all", terms=["hardware", "software", "access"])]}
    assert result(spec, "Hardware, software or access?").correct
    assert not result(spec, "hardware or software").correct


def test_regex_check_searches_the_text() -> None:
    spec = {"checks": [check("Placeholder", "regex", pattern=r"\{[^{}\n]{1,40}\}")]}
    assert result(spec, "Ticket: {new ticket}").correct
    assert not result(spec, "Ticket: new ticket").correct


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("- one\n- two", 2),
        ("* one\n  * two\n• three", 3),
        ("1. one\n2) two\n10. ten", 3),
        ("１. full-width\n２. digits", 2),
        ("-not a bullet\n*emphasis* here\n1.5 is a number", 0),
        ("one - two - three", 0),
    ],
)
def test_list_items(text: str, count: int) -> None:
    for minimum in (1, 2, 3):
        spec = {"checks": [check("List", "has_list", min_items=minimum)]}
        assert result(spec, text).correct == (count >= minimum), (text, minimum)
    assert result({"checks": [check("List", "has_list")]}, text).correct == (count >= 2)


def test_word_count_check() -> None:
    spec = {"checks": [check("Short", "word_count", min=3, max=5)]}
    assert result(spec, "don't over-think it").correct  # contractions and hyphens are one word
    assert not result(spec, "two words").correct
    assert not result(spec, "one two three four five six").correct


def test_word_bounds_are_enforced_whatever_the_threshold() -> None:
    spec = {**copy.deepcopy(SPEC), "pass_threshold": 1}
    short = result(spec, "You are a table.")
    assert short.correct is False
    length = short.feedback[-1]
    assert (length.label, length.ok, length.message) == (
        "Length: 8–80 words",
        False,
        "4 words: write at least 8.",
    )
    assert short.score == pytest.approx(3 / 4)
    long = result(spec, GOOD + " word" * 80)
    assert long.feedback[-1].message.endswith("keep it to 80 at most.")


def test_pass_threshold_allows_missing_checks() -> None:
    spec = {**copy.deepcopy(SPEC), "pass_threshold": 2}
    res = result(spec, "You are an assistant. Please summarise the ticket briefly for me.")
    assert res.correct is True
    assert res.score == pytest.approx(3 / 4)
    assert oks(res)["Format"] is False


# --- parse_answer -------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, 1, 2.5, True, [], ["text"], {"text": "a"}, b"text"])
def test_wrong_types_are_answer_errors(raw: Any) -> None:
    with pytest.raises(AnswerError):
        grader.parse_answer(SPEC, raw)


def test_length_bound() -> None:
    assert grader.parse_answer(SPEC, "a" * MAX_CHARS) == "a" * MAX_CHARS
    assert grader.parse_answer(SPEC, "a\r\nb") == "a\nb"
    for raw in ("a" * (MAX_CHARS + 1), "a" * 10**7, "\ufdfa" * 1000):
        with pytest.raises(AnswerError, match="too long"):
            grader.parse_answer(SPEC, raw)


@pytest.mark.parametrize("answer", [None, 1, ["a"], "x" * (MAX_CHARS * 3)])
def test_grade_never_raises_on_unparsed_answers(answer: Any) -> None:
    assert 0.0 <= grader.grade(SPEC, answer).score <= 1.0


def test_public_spec_shows_criteria_but_not_how_they_are_checked() -> None:
    public = grader.public_spec(SPEC)
    assert public == {
        "max_length": MAX_CHARS,
        "min_words": 8,
        "max_words": 80,
        "checks": [{"label": "Role"}, {"label": "Format"}, {"label": "No customer names"}],
    }
    dumped = json.dumps(public)
    assert "Müller" not in dumped and "act as" not in dumped and "yes" not in dumped
    assert set(grader.public_spec({"checks": SPEC["checks"]})) == {"max_length", "checks"}


# --- check_spec ---------------------------------------------------------------------------


def test_valid_specs() -> None:
    assert grader.check_spec(SPEC) == []
    every_kind = {
        "pass_threshold": 5,
        "checks": [
            check("a", "mention_all", terms=["x"]),
            check("b", "regex", pattern=r"\d+\s*%"),
            check("c", "has_list", min_items=3),
            check("d", "word_count", max=10),
            check("e", "word_count", min=1, max=10),
            check("f", "has_list"),
        ],
    }
    assert grader.check_spec(every_kind) == []
    common = {"title": "t", "type": "exercise", "kind": "rubric", "hints": ["h"], "id": "x"}
    assert grader.check_spec({**SPEC, **common, "explanation": "e", "max_attempts": 1}) == []


def with_check(**fields: Any) -> dict[str, Any]:
    return {"checks": [{**check("L", "mention_any", terms=["x"]), **fields}]}


BROKEN = [
    ("no checks", {}, {"checks"}),
    ("checks empty", {"checks": []}, {"checks"}),
    ("checks a mapping", {"checks": {"label": "x"}}, {"checks"}),
    ("thirteen checks", {"checks": [check(f"c{i}", "has_list") for i in range(13)]}, {"checks"}),
    ("check a string", {"checks": ["mention_any"]}, {"checks"}),
    ("unknown type", with_check(type="sentiment"), {"checks"}),
    (
        "label missing",
        {"checks": [{k: v for k, v in check("L", "has_list").items() if k != "label"}]},
        {"checks"},
    ),
    ("feedback_fail empty", with_check(feedback_fail=""), {"checks"}),
    ("feedback_pass a list", with_check(feedback_pass=["x"]), {"checks"}),
    ("terms a string", with_check(terms="table"), {"checks"}),
    ("terms empty", with_check(terms=[]), {"checks"}),
    ("terms not texts", with_check(terms=["ok", 3]), {"checks"}),
    ("term too long", with_check(terms=["x" * 201]), {"checks"}),
    ("key of another type", with_check(pattern="x"), {"checks"}),
    ("regex without pattern", {"checks": [check("R", "regex")]}, {"checks"}),
    ("regex invalid", {"checks": [check("R", "regex", pattern="(")]}, {"checks"}),
    ("regex catastrophic", {"checks": [check("R", "regex", pattern="(\\w+\\s?)*$")]}, {"checks"}),
    ("regex cubic", {"checks": [check("R", "regex", pattern=".*step.*then.*done")]}, {"checks"}),
    ("min_items zero", {"checks": [check("L", "has_list", min_items=0)]}, {"checks"}),
    ("min_items text", {"checks": [check("L", "has_list", min_items="2")]}, {"checks"}),
    ("word_count without bounds", {"checks": [check("W", "word_count")]}, {"checks"}),
    ("word_count min > max", {"checks": [check("W", "word_count", min=5, max=2)]}, {"checks"}),
    ("word_count negative", {"checks": [check("W", "word_count", min=-1)]}, {"checks"}),
    ("min_words text", {**SPEC, "min_words": "20"}, {"min_words"}),
    ("min_words boolean", {**SPEC, "min_words": True}, {"min_words"}),
    ("max_words negative", {**SPEC, "max_words": -5}, {"max_words"}),
    ("min_words > max_words", {**SPEC, "min_words": 100}, {"min_words"}),
    ("threshold zero", {**SPEC, "pass_threshold": 0}, {"pass_threshold"}),
    ("threshold above checks", {**SPEC, "pass_threshold": 4}, {"pass_threshold"}),
    ("threshold boolean", {**SPEC, "pass_threshold": True}, {"pass_threshold"}),
    ("unknown key", {**SPEC, "accepted": ["x"]}, {"accepted"}),
    ("hints blank", {**SPEC, "hints": [" "]}, {"hints"}),
]


@pytest.mark.parametrize(("name", "spec", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_specs_are_reported(name: str, spec: Any, expected: set[str]) -> None:
    errors = grader.check_spec(spec)
    assert {e.key for e in errors} == expected, name


def test_spec_must_be_a_mapping() -> None:
    assert grader.check_spec(None) != []  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéß", min_size=2, max_size=10)


@given(
    raw=st.one_of(st.text(max_size=2000), st.none(), st.integers(), st.lists(st.text(max_size=5)))
)
def test_parse_and_grade_raise_nothing_but_answer_error(raw: Any) -> None:
    try:
        answer = grader.parse_answer(SPEC, raw)
    except AnswerError:
        return
    res = grader.grade(SPEC, answer)
    assert 0.0 <= res.score <= 1.0
    assert len(res.feedback) >= len(SPEC["checks"])


@given(
    wanted=st.lists(WORDS, min_size=1, max_size=5, unique=True),
    banned=st.lists(WORDS, min_size=1, max_size=3, unique=True),
    filler=st.lists(WORDS, max_size=20),
    data=st.data(),
)
def test_an_answer_that_does_what_was_asked_passes(
    wanted: list[str], banned: list[str], filler: list[str], data: st.DataObject
) -> None:
    used = {w.casefold() for w in [*wanted, *filler, "first", "item", "second"]}
    banned = [b for b in banned if b.casefold() not in used] or ["zzzzzzzzzzz"]
    spec = {
        "min_words": 1,
        "checks": [
            check("all", "mention_all", terms=wanted),
            check("any", "mention_any", terms=[*banned, wanted[0]]),
            check("avoid", "avoid", terms=banned),
            check("list", "has_list", min_items=2),
        ],
    }
    assert grader.check_spec(spec) == []
    words = data.draw(st.permutations([*wanted, *filler]))
    cased = [w.upper() if data.draw(st.booleans()) else w for w in words]
    answer = " ".join(cased) + "\n- first item\n2. second item"
    res = result(spec, answer)
    assert res.correct, (answer, [(f.label, f.ok) for f in res.feedback])
    assert res.score == 1.0
