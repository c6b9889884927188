"""Grader for ``rubric`` exercises: free text and prompt writing, judged by explicit checks.

The rubric cannot tell a good answer from a bad one; it can tell whether an answer does the
concrete things the author asked for, and say which ones are missing. Top-level ``min_words`` /
``max_words`` are one extra check that must pass whatever ``pass_threshold`` says, since the
threshold counts the author's ``checks`` only (the example in docs/content-format.md sets it to
the number of checks listed).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, ClassVar, TypeGuard

from candor.grading.base import AnswerError, Feedback, GradeResult, SpecError

# Author patterns run under a time limit (patterns.py); the regex cost guard is subtle enough
# that two copies would drift. These modules are as pure as this one (no Django, no database).
from candor.grading.pattern_probe import pattern_problem
from candor.grading.patterns import CHECK_TIMEOUT, Budget, PatternError
from candor.grading.text import regex_problem

COMMON_KEYS = frozenset({"id", "type", "kind", "title", "hints", "explanation", "max_attempts"})
MAX_CHARS = 10_000
MAX_CHECKS = 12
MAX_TERMS = 50
MAX_TERM_LENGTH = 200
_OWN_KEYS = frozenset({"checks", "min_words", "max_words", "pass_threshold"})
_CHECK_KEYS = frozenset({"label", "type", "feedback_pass", "feedback_fail"})
_TYPE_KEYS: dict[str, frozenset[str]] = {
    "mention_any": frozenset({"terms"}),
    "mention_all": frozenset({"terms"}),
    "avoid": frozenset({"terms"}),
    "regex": frozenset({"pattern"}),
    "has_list": frozenset({"min_items"}),
    "word_count": frozenset({"min", "max"}),
}
# Combining marks are not \w in Python, yet they belong to the word they sit on: without them a
# term would match inside a word whose accent NFKC could not compose.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD = re.compile(rf"[\w{_MARKS}]+(?:['’-][\w{_MARKS}]+)*")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•]|[0-9]{1,3}[.)])[ \t]+\S", re.MULTILINE)
_NEVER = re.compile(r"(?!)")
UNFINISHED_CHECK = (
    "This check did not finish in time, so it counts as not met. A simpler or shorter answer "
    "may get through it."
)
UNFINISHED_MESSAGE = (
    "Part of the check on your answer did not finish in time, so it counts as not met. If you "
    "are sure your answer meets it, write it more simply and submit it again, or tell the "
    "course author."
)


def _nonempty_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _whole(value: Any, low: int, high: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


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


@functools.lru_cache(maxsize=2048)
def _term_regex(term: str) -> re.Pattern[str]:
    words = unicodedata.normalize("NFKC", term).casefold().split()
    if not words:
        return _NEVER
    # Boundaries only where the term itself starts or ends with a letter: "C++" and ".NET"
    # have no word edge on their symbol side. Any spacing, line breaks included, joins a phrase.
    body = r"\s+".join(re.escape(w) for w in words)
    edge = rf"[\w{_MARKS}]"
    before = rf"(?<!{edge})" if re.match(edge, words[0]) else ""
    after = rf"(?!{edge})" if re.match(edge, words[-1][-1]) else ""
    return re.compile(before + body + after)


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _bounds(spec: dict[str, Any]) -> tuple[int | None, int | None]:
    low, high = spec.get("min_words"), spec.get("max_words")
    return (
        low if _whole(low, 0, MAX_CHARS) else None,
        high if _whole(high, 0, MAX_CHARS) else None,
    )


def _check_errors(number: int, check: Any) -> list[SpecError]:
    where = f"Check {number}"
    if not isinstance(check, dict):
        return [
            SpecError(
                f"{where} must be a mapping with label, type, feedback_pass and feedback_fail.",
                "checks",
            )
        ]
    kind = check.get("type")
    errors: list[SpecError] = []
    if kind not in _TYPE_KEYS:
        errors.append(SpecError(f"{where}: type must be one of {', '.join(_TYPE_KEYS)}.", "checks"))
    # With an unknown type, any type's keys may be meant: report the type, not each key.
    type_keys = _TYPE_KEYS.get(str(kind), frozenset().union(*_TYPE_KEYS.values()))
    known = _CHECK_KEYS | type_keys
    errors += [
        SpecError(f"{where} has an unknown key {key!r} for type {kind}.", "checks")
        for key in check
        if key not in known
    ]
    for key in ("label", "feedback_pass", "feedback_fail"):
        if not _nonempty_str(check.get(key)):
            errors.append(SpecError(f"{where} needs {key}: a non-empty text.", "checks"))
    if kind in ("mention_any", "mention_all", "avoid"):
        terms = check.get("terms")
        if not (
            isinstance(terms, list)
            and 1 <= len(terms) <= MAX_TERMS
            and all(_nonempty_str(t) and len(t) <= MAX_TERM_LENGTH for t in terms)
        ):
            errors.append(
                SpecError(
                    f"{where} needs terms: a list of 1–{MAX_TERMS} non-empty texts "
                    f"(each ≤ {MAX_TERM_LENGTH} characters).",
                    "checks",
                )
            )
    elif kind == "regex":
        pattern = check.get("pattern")
        if not _nonempty_str(pattern):
            errors.append(SpecError(f"{where} needs pattern: a regular expression.", "checks"))
        elif problem := regex_problem(pattern, 0, MAX_CHARS, search=True) or pattern_problem(
            pattern, 0, MAX_CHARS, search=True, prepare=_prepare
        ):
            errors.append(SpecError(f"{where}: pattern {pattern!r} {problem}.", "checks"))
    elif kind == "has_list" and "min_items" in check and not _whole(check["min_items"], 1, 100):
        errors.append(
            SpecError(f"{where}: min_items must be a whole number from 1 to 100.", "checks")
        )
    elif kind == "word_count":
        low, high = check.get("min"), check.get("max")
        if low is None and high is None:
            errors.append(
                SpecError(f"{where} needs min, max or both (numbers of words).", "checks")
            )
        for key, value in (("min", low), ("max", high)):
            if value is not None and not _whole(value, 0, MAX_CHARS):
                errors.append(
                    SpecError(f"{where}: {key} must be a whole number of words.", "checks")
                )
        if _whole(low, 0, MAX_CHARS) and _whole(high, 0, MAX_CHARS) and low > high:
            errors.append(SpecError(f"{where}: min is larger than max.", "checks"))
    return errors


def _prepare(raw: str) -> str:
    """What the checks run on (``grade``)."""
    return unicodedata.normalize("NFKC", raw[:MAX_CHARS].replace("\r\n", "\n"))[:MAX_CHARS]


def _passes(check: dict[str, Any], text: str, folded: str, budget: Budget) -> bool | None:
    """Whether the answer passes the check; None when its pattern did not finish in time."""
    kind = check.get("type")
    terms = [t for t in check.get("terms") or [] if isinstance(t, str)]
    if kind == "mention_any":
        return any(_term_regex(t).search(folded) for t in terms)
    if kind == "mention_all":
        return bool(terms) and all(_term_regex(t).search(folded) for t in terms)
    if kind == "avoid":
        return not any(_term_regex(t).search(folded) for t in terms)
    if kind == "regex":
        try:
            return budget.search(str(check.get("pattern")), 0, text)
        except PatternError:
            return False  # check_spec reports it; a broken pattern must not break grading
    if kind == "has_list":
        minimum = check.get("min_items", 2)
        return len(_LIST_ITEM.findall(text)) >= (minimum if _whole(minimum, 1, 100) else 2)
    if kind == "word_count":
        count, low, high = _word_count(text), check.get("min"), check.get("max")
        return (not _whole(low, 0, MAX_CHARS) or count >= low) and (
            not _whole(high, 0, MAX_CHARS) or count <= high
        )
    return False


def _length_feedback(count: int, low: int | None, high: int | None, ok: bool) -> Feedback:
    if low is not None and high is not None:
        label = f"Length: {low}–{high} words"
    else:
        label = f"At least {low} words" if low is not None else f"At most {high} words"
    if ok:
        message = f"{count} words: a good length."
    elif low is not None and count < low:
        message = f"{count} words: write at least {low}."
    elif high is not None and count > high:
        message = f"{count} words: keep it to {high} at most."
    else:
        message = "Write your answer first."
    return Feedback(message, ok=ok, label=label)


class RubricGrader:
    kind: ClassVar[str] = "rubric"
    runs_async: ClassVar[bool] = False

    def check_spec(self, spec: dict[str, Any]) -> list[SpecError]:
        if not isinstance(spec, dict):
            return [SpecError("The exercise must be a mapping of keys to values.")]
        errors = _common_errors(spec, _OWN_KEYS, self.kind)
        checks = spec.get("checks")
        if not isinstance(checks, list) or not 1 <= len(checks) <= MAX_CHECKS:
            errors.append(SpecError(f"checks must be a list of 1–{MAX_CHECKS} checks.", "checks"))
        checks = checks if isinstance(checks, list) else []
        for number, check in enumerate(checks, start=1):
            errors.extend(_check_errors(number, check))
        for key in ("min_words", "max_words"):
            if key in spec and not _whole(spec[key], 0, MAX_CHARS):
                errors.append(SpecError(f"{key} must be a whole number of words.", key))
        low, high = _bounds(spec)
        if low is not None and high is not None and low > high:
            errors.append(SpecError("min_words is larger than max_words.", "min_words"))
        if "pass_threshold" in spec and not _whole(spec["pass_threshold"], 1, max(1, len(checks))):
            errors.append(
                SpecError(
                    f"pass_threshold must be a whole number from 1 to the number of checks "
                    f"({len(checks)}).",
                    "pass_threshold",
                )
            )
        return errors

    def parse_answer(self, spec: dict[str, Any], raw: Any) -> str:
        if not isinstance(raw, str):
            raise AnswerError("Write your answer as text.")
        text = raw.replace("\r\n", "\n")
        # Checked after NFKC too: that is the text the checks run on, and it can be longer.
        if len(text) > MAX_CHARS or len(unicodedata.normalize("NFKC", text)) > MAX_CHARS:
            raise AnswerError(f"Your answer is too long: keep it under {MAX_CHARS:,} characters.")
        return text

    def grade(self, spec: dict[str, Any], answer: Any) -> GradeResult:
        text = _prepare(answer) if isinstance(answer, str) else ""
        folded = text.casefold()
        # An empty answer avoids every banned term; it still must not earn any credit.
        empty = not text.strip()
        checks = [c for c in spec.get("checks") or [] if isinstance(c, dict)]
        feedback = (
            [Feedback("Your answer is empty: write it, then submit.", ok=False)] if empty else []
        )
        passed = 0
        budget = Budget()
        for check in checks:
            outcome = not empty and _passes(check, text, folded, budget)
            ok = outcome is True
            passed += ok
            message = check.get("feedback_pass") if ok else check.get("feedback_fail")
            if outcome is None:
                message = UNFINISHED_CHECK  # its pattern ran out of time (patterns.py): not met
            feedback.append(Feedback(str(message or ""), ok=ok, label=str(check.get("label", ""))))
        total, length_ok = len(checks), True
        low, high = _bounds(spec)
        if low is not None or high is not None:
            count = _word_count(text)
            length_ok = (
                not empty and (low is None or count >= low) and (high is None or count <= high)
            )
            feedback.append(_length_feedback(count, low, high, length_ok))
            total += 1
        threshold = spec.get("pass_threshold", len(checks))
        if not _whole(threshold, 1, len(checks)):
            threshold = len(checks)
        correct = bool(checks) and length_ok and passed >= threshold
        score = (passed + (length_ok and total > len(checks))) / total if total else 0.0
        if budget.unfinished:
            return GradeResult(
                correct=correct,
                score=score,
                feedback=feedback,
                error_kind=CHECK_TIMEOUT,
                error_message=UNFINISHED_MESSAGE,
            )
        return GradeResult(correct=correct, score=score, feedback=feedback)

    def public_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        # Labels are the criteria, shown up front like any marking rubric; terms and patterns
        # stay hidden, or the rubric turns into a list of words to paste in.
        low, high = _bounds(spec)
        checks = [c for c in spec.get("checks") or [] if isinstance(c, dict)]
        public: dict[str, Any] = {
            "max_length": MAX_CHARS,
            "checks": [{"label": str(c.get("label", ""))} for c in checks],
        }
        if low is not None:
            public["min_words"] = low
        if high is not None:
            public["max_words"] = high
        return public
