"""Author patterns under a time limit: hostile patterns end in bounded time with a clear
outcome, normal patterns match exactly as Python's ``re`` does, content-check reports slow
patterns, and a submission that ran out of time is graded and kept."""

from __future__ import annotations

import re
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candor.grading import pattern_probe, patterns
from candor.grading.pattern_probe import pattern_problem
from candor.grading.patterns import (
    CHECK_TIMEOUT,
    MATCH_TIMEOUT,
    MAX_SUBJECT,
    SUBMISSION_BUDGET,
    Budget,
    compile_pattern,
)
from candor.grading.regex_compat import CASE_QUIRKS
from candor.grading.rubric import MAX_CHARS, RubricGrader
from candor.grading.text import HARD_MAX_LENGTH, ShortTextGrader, regex_problem

ATTACK = "a" * 40 + "!"
# Hostile patterns, and whether re would find them in ATTACK (worked out by hand: asking re
# takes minutes to ages, which is the point). None fullmatches ATTACK, which ends in "!".
HOSTILE = {r"(a+)+$": False, r"(a|aa)+$": False, r"(.*a){20}": True}
short_text = ShortTextGrader()
rubric = RubricGrader()


def regex_check(pattern: str, label: str = "R") -> dict[str, Any]:
    return {
        "label": label,
        "type": "regex",
        "pattern": pattern,
        "feedback_pass": f"{label}: yes",
        "feedback_fail": f"{label}: no",
    }


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


# --- hostile patterns: bounded time, documented outcome ------------------------------------


@pytest.mark.parametrize("pattern", HOSTILE)
def test_hostile_short_text_pattern_ends_in_bounded_time(pattern: str) -> None:
    result, took = timed(short_text.grade, {"patterns": [pattern]}, ATTACK)
    assert took < 1
    # Either the pattern finished and said "no", as re would, or it ran out of time and the
    # result says so: not matched either way, and never an exception.
    assert (result.correct, result.score) == (False, 0.0)
    assert result.error_kind in ("", CHECK_TIMEOUT)
    if result.error_kind:
        assert "did not finish in time" in result.error_message


@pytest.mark.parametrize("pattern", HOSTILE)
def test_hostile_rubric_pattern_ends_in_bounded_time(pattern: str) -> None:
    spec = {"checks": [regex_check(pattern)]}
    result, took = timed(rubric.grade, spec, ATTACK)
    assert took < 1
    (line,) = result.feedback
    if result.error_kind:
        assert result.error_kind == CHECK_TIMEOUT
        assert (result.correct, line.ok) == (False, False)
        assert "did not finish in time" in line.message
    else:  # finished: the same verdict as re
        assert (result.correct, line.ok) == (HOSTILE[pattern], HOSTILE[pattern])


def test_an_exponential_pattern_is_reported_as_unfinished() -> None:
    result, took = timed(short_text.grade, {"patterns": [r"(a|aa)+$"]}, ATTACK)
    assert took < 1
    assert result.error_kind == CHECK_TIMEOUT and not result.correct
    assert [f.message for f in result.feedback] == ["That is not the answer we were looking for."]


def test_many_hostile_patterns_share_one_budget() -> None:
    slow = [r"(a|aa)+$", r"(a|aa)+b", r"(a|aa)*c", r"(aa|a)+$"] * 5
    spec = {"patterns": slow, "max_length": HARD_MAX_LENGTH}
    result, took = timed(short_text.grade, spec, "a" * (HARD_MAX_LENGTH - 1) + "!")
    assert took < 1 and result.error_kind == CHECK_TIMEOUT and not result.correct
    checks = [regex_check(p, f"c{i}") for i, p in enumerate(slow[:12])]
    result, took = timed(rubric.grade, {"checks": checks}, "a" * (MAX_CHARS - 1) + "!")
    assert took < 1 and result.error_kind == CHECK_TIMEOUT and not result.correct
    assert all(f.ok is False for f in result.feedback)


def test_a_pattern_that_matches_still_wins_after_a_slow_one() -> None:
    spec = {"patterns": [r"(a|aa)+$", r"a+!"]}
    result = short_text.grade(spec, ATTACK)
    assert result.correct and result.error_kind == ""


def test_rubric_scores_the_checks_that_finished() -> None:
    terms = {"label": "terms", "type": "mention_any", "terms": ["aaa"]}
    terms |= {"feedback_pass": "yes", "feedback_fail": "no"}
    spec = {
        "checks": [regex_check(r"(a|aa)+$", "slow"), regex_check(r"a{10}", "fast"), terms],
        "pass_threshold": 2,
    }
    result = rubric.grade(spec, ATTACK + " aaa")
    assert result.error_kind == CHECK_TIMEOUT
    assert {f.label: f.ok for f in result.feedback} == {"slow": False, "fast": True, "terms": True}
    assert result.correct and result.score == pytest.approx(2 / 3)


def test_budget() -> None:
    budget = Budget(seconds=0.12)
    assert budget.search("b", 0, "abc") is True
    assert budget.fullmatch("b", 0, "abc") is False
    assert budget.fullmatch(r"(a|aa)+$", 0, ATTACK) is None
    assert budget.fullmatch(r"(a|aa)+$", 0, ATTACK) is None
    assert budget.left <= 0.12 - MATCH_TIMEOUT
    assert budget.unfinished == 2
    while budget.left > 0:
        budget.fullmatch(r"(a|aa)+$", 0, ATTACK)
    assert budget.search("b", 0, "abc") is None  # nothing left: not even tried
    with pytest.raises(patterns.PatternError):
        Budget().search("(", 0, "abc")


def test_no_text_longer_than_the_bound_reaches_a_pattern() -> None:
    assert HARD_MAX_LENGTH <= MAX_SUBJECT and MAX_CHARS <= MAX_SUBJECT
    budget = Budget()
    assert budget.search("a", 0, "a" * (MAX_SUBJECT + 1)) is None
    assert budget.search("a", 0, "a" * MAX_SUBJECT) is True
    # The graders bound what they pass on: too-long input never matches.
    assert not short_text.grade({"patterns": ["a+"]}, "a" * (2 * HARD_MAX_LENGTH + 1)).correct
    # The rubric cuts an over-long answer to MAX_CHARS before any check sees it.
    too_long = "a" * (MAX_CHARS + 5)
    assert rubric.grade({"checks": [regex_check("a{10001}")]}, too_long).correct is False
    assert rubric.grade({"checks": [regex_check("a{10000}")]}, too_long).correct


def test_the_time_limits_are_sane() -> None:
    assert 0 < MATCH_TIMEOUT < SUBMISSION_BUDGET <= 1


# --- the same verdicts as re ---------------------------------------------------------------

# Characters where the two engines' classes, boundaries or case folding differ, and neighbours.
TRICKY = [*"abxkKKiIıİſsSß_09 \n\t.-@é字", *"\u0301\u0903²½\x1cⅰẞ\u0378ï\ue000\u2028"]
TRICKY.append("\U00010d40")
ATOMS = [
    "a", "b", "i", "I", "ı", "k", "s", "é", "\\.", "-", " ",
    r"\w", r"\W", r"\s", r"\S", r"\d", r"\D", ".",
    "[a-z]", "[A-Z]", r"[^\W\d]", r"[\w.-]", "[iı]", r"[\sa-z]", "[^a]", r"[\u0300-\u036f]",
]  # fmt: skip
ZERO_WIDTH = [r"\b", r"\B", "^", "$", r"\A", r"\Z", r"(?=\w)", r"(?<!\w)", r"(?<=a)", r"(?!b)"]


@st.composite
def re_patterns(draw: st.DrawFn, depth: int = 0) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 9 if depth < 2 else 5))
        if kind <= 3:
            piece = draw(st.sampled_from(ATOMS))
        elif kind == 4:
            piece = draw(st.sampled_from(ZERO_WIDTH))
        elif kind == 5:
            piece = draw(st.sampled_from(ATOMS)) + draw(
                st.sampled_from(["*", "+", "?", "{1,2}", "*?", "++", "{2}"])
            )
        elif kind <= 7:
            inner = draw(re_patterns(depth + 1))
            opening = draw(st.sampled_from(["(", "(?:", "(?>", "(?i:", "(?-i:"]))
            piece = f"{opening}{inner})" + draw(st.sampled_from(["", "*", "+", "?"]))
        else:
            alternatives = draw(st.lists(re_patterns(depth + 1), min_size=2, max_size=3))
            piece = "(?:" + "|".join(alternatives) + ")"
        pieces.append(piece)
    return "".join(pieces)


FLAGS = [0, re.IGNORECASE, re.MULTILINE | re.DOTALL, re.ASCII, re.ASCII | re.IGNORECASE]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pattern=re_patterns(),
    flags=st.sampled_from(FLAGS),
    texts=st.lists(st.text(alphabet=TRICKY, max_size=8), min_size=1, max_size=12),
)
def test_random_patterns_match_exactly_as_re_does(
    pattern: str, flags: int, texts: list[str]
) -> None:
    try:
        expected = re.compile(pattern, flags)
    except re.error:
        return
    compiled = compile_pattern(pattern, flags)
    for text in texts:
        for search in (True, False):
            want = (expected.search(text) if search else expected.fullmatch(text)) is not None
            got = compiled.match(text, search=search, timeout=5)
            assert got == want, (pattern, flags, text, search)


@pytest.mark.parametrize(
    "pattern",
    [
        r"(\w)\1",  # a backreference, case-sensitive
        r"(?P<x>a)?(?(x)b|c)",
        r"(?<![\w.])x(?![\w])",
        r"[\w.+-]+@[\w-]+\.[a-z]{2,}",
        r"^(?![\s\S]*(@|BL-77\d*|77031))",
        r"(?ai)\bk\B",
        r"(?i)[\u0130-\u0131]",
        r"(?i)na[iï]ve",
        r"(?m)^\d+$",
    ],
)
def test_constructs_match_exactly_as_re_does(pattern: str) -> None:
    expected, compiled = re.compile(pattern), compile_pattern(pattern)
    texts = ["", *TRICKY, "a@b.cd", "BL-7712", "x\u0301", "Kk", "naïve", "1\n22\n"]
    texts += [a + b + c for a in TRICKY[::3] for b in TRICKY[1::4] for c in "x@k"]
    for text in texts:
        for search in (True, False):
            want = (expected.search(text) if search else expected.fullmatch(text)) is not None
            assert compiled.match(text, search=search, timeout=5) == want, (pattern, text)


def _content_patterns() -> list[tuple[str, int, bool]]:
    import yaml

    found = []
    root = Path(__file__).resolve().parents[3]
    files = [*root.glob("content/**/*.md"), *root.glob("tests/fixtures/content/**/*.md")]
    for path in sorted(files):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---"):
            continue
        meta = yaml.safe_load(text.split("\n---", 1)[0][3:])
        if not isinstance(meta, dict):
            continue
        flags = 0 if meta.get("case_sensitive") else re.IGNORECASE
        found += [(p, flags, False) for p in meta.get("patterns") or []]
        found += [
            (c["pattern"], 0, True)
            for c in meta.get("checks") or []
            if isinstance(c, dict) and c.get("type") == "regex"
        ]
    return found


CONTENT_PATTERNS = _content_patterns()


@pytest.mark.parametrize(("pattern", "flags", "search"), CONTENT_PATTERNS)
def test_content_patterns_match_exactly_as_re_does(pattern: str, flags: int, search: bool) -> None:
    expected, compiled = re.compile(pattern, flags), compile_pattern(pattern, flags)
    words = re.findall(r"[^\W\d_]{2,}|\d+|[^\w\s]", pattern) + ["\u0301", "²", "ı", "İ", "\x1c"]
    texts = [" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words))]
    texts += [t.casefold() for t in texts] + [t.replace(" ", "") for t in texts]
    texts += [text for _, text in pattern_probe.crafted_answers(pattern, flags, 60)]
    for text in texts:
        want = (expected.search(text) if search else expected.fullmatch(text)) is not None
        assert compiled.match(text, search=search, timeout=5) == want, (pattern, text)


def test_case_quirks_are_all_the_literal_case_differences() -> None:
    """Every literal whose case-insensitive matching differs between the engines is in
    CASE_QUIRKS (so it is spelled out); checked over every character with a case partner."""
    groups: dict[str, set[str]] = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        for key in {char.lower(), char.upper(), char.casefold()}:
            groups.setdefault(key, set()).add(char)
    differing = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        for char in members:
            mine = re.compile(re.escape(char), re.IGNORECASE)
            theirs = regex.compile(regex.escape(char), regex.IGNORECASE | regex.V0)
            for other in members:
                if bool(mine.fullmatch(other)) != bool(theirs.fullmatch(other)):
                    differing.add(char)
    assert differing <= CASE_QUIRKS


def test_a_case_insensitive_backreference_is_refused() -> None:
    assert "backreference" in str(pattern_problem(r"(a)\1", re.IGNORECASE, 200, search=False))
    assert pattern_problem(r"(a)\1", 0, 200, search=False) is None
    assert pattern_problem(r"(a)(?-i:\1)", re.IGNORECASE, 200, search=False) is None
    errors = short_text.check_spec({"patterns": [r"(\w)\1"]})
    assert [e.key for e in errors] == ["patterns"] and "backreference" in errors[0].message
    assert short_text.check_spec({"patterns": [r"(\w)\1"], "case_sensitive": True}) == []


# --- content-check ---------------------------------------------------------------------------

# Slips past the cost model (it cannot see through backreferences), yet backtracks
# exponentially on a run of a's.
SLIPS_PAST = r"(?:(a)\1?)+$"


def test_the_cost_model_misses_it_and_the_crafted_answers_catch_it() -> None:
    assert regex_problem(SLIPS_PAST, 0, MAX_CHARS, search=True) is None
    problem = pattern_problem(SLIPS_PAST, 0, MAX_CHARS, search=True)
    assert problem is not None and "takes more than" in problem and "crafted" in problem
    errors = rubric.check_spec({"checks": [regex_check(SLIPS_PAST)]})
    assert [e.key for e in errors] == ["checks"] and "takes more than" in errors[0].message


def test_short_text_patterns_are_tried_on_crafted_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern_probe, "PROBE_LIMIT", -1.0)  # everything is "slow"
    errors = short_text.check_spec({"patterns": ["^pre[cs]ision$"]})
    assert [e.key for e in errors] == ["patterns"] and "takes more than" in errors[0].message


@pytest.mark.parametrize(("pattern", "flags", "search"), CONTENT_PATTERNS)
def test_content_patterns_pass_the_crafted_answers(pattern: str, flags: int, search: bool) -> None:
    length = MAX_CHARS if search else HARD_MAX_LENGTH
    assert pattern_problem(pattern, flags, length, search=search) is None


def test_content_check_reports_a_slow_pattern_with_path_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from conftest import FIXTURE_CONTENT

    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    rubric_file = root / "test-track" / "01-how-candor-works" / "06-rubric.md"
    text = rubric_file.read_text(encoding="utf-8")
    text = text.replace(
        "checks:\n",
        "checks:\n"
        "  - label: Slow\n"
        "    type: regex\n"
        f"    pattern: '{SLIPS_PAST}'\n"
        "    feedback_pass: Fast.\n"
        "    feedback_fail: Slow.\n",
        1,
    )
    rubric_file.write_text(text, encoding="utf-8")
    line = text.splitlines().index("checks:") + 1
    with pytest.raises(CommandError, match="1 error"):
        call_command("content_check", str(root), "--no-run")
    err = capsys.readouterr().err
    assert f"test-track/01-how-candor-works/06-rubric.md:{line}: Check 1: pattern" in err
    assert "takes more than 25 ms" in err


# --- the attempt is kept ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_submission_that_runs_out_of_time_is_graded_and_kept(
    assigned: Any, client_for: Any
) -> None:
    from django.urls import reverse

    from candor.catalog.models import Exercise
    from candor.learning.models import Attempt

    ex = Exercise.objects.select_related("module__track").get(slug="short-text")
    ex.spec = {**ex.spec, "patterns": [r"(a|aa)+$"]}  # as if it had slipped past the checks
    ex.save(update_fields=["spec"])
    client = client_for(assigned.lena)
    url = reverse("learning:exercise", args=[ex.module.track.slug, ex.module.slug, ex.slug])
    started = time.perf_counter()
    response = client.post(url, {"answer": "a" * 40 + "!", "token": str(uuid.uuid4())})
    assert time.perf_counter() - started < 5
    assert response.status_code == 302
    attempt = Attempt.objects.get(user=assigned.lena, exercise=ex)
    assert attempt.status == Attempt.Status.GRADED and attempt.correct is False
    assert attempt.result is not None and attempt.result["error_kind"] == CHECK_TIMEOUT
    page = client.get(response["Location"])
    assert page.status_code == 200 and "did not finish in time" in page.content.decode()
