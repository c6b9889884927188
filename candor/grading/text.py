"""Grader for ``short_text`` exercises, and the regex cost guard shared with the rubric grader.

Patterns come from content authors, but the text they run on comes from learners. At grading
time every pattern runs under a time limit (``patterns.py``). At import time ``regex_problem``
estimates the worst-case backtracking of a pattern on the longest answer it will ever see and
refuses patterns over budget (one innocent-looking pattern such as ``.*a.*b`` or ``(\\w+\\s?)*``
would otherwise run out of time on a crafted answer), and ``pattern_probe.pattern_problem`` tries
each pattern on crafted answers; answers are bounded so that both hold.
"""

from __future__ import annotations

import functools
import re
import re._constants as sre_c  # private, but stable within the pinned Python 3.11
import re._parser as sre_parse
import unicodedata
from typing import Any, ClassVar, TypeGuard

from candor.grading.base import AnswerError, Feedback, GradeResult, SpecError
from candor.grading.pattern_probe import pattern_problem
from candor.grading.patterns import CHECK_TIMEOUT, Budget, PatternError

COMMON_KEYS = frozenset({"id", "type", "kind", "title", "hints", "explanation", "max_attempts"})
DEFAULT_MAX_LENGTH = 200
HARD_MAX_LENGTH = 2000
MAX_PATTERN_LENGTH = 1000
# The worst case the model allows: one repeat re-entered from every start of a search over a
# 10,000-character answer (``\d+\s*%``). Measured on crafted input that costs CPython 1–4 s; what
# it refuses (``.*a.*b``, ``(a+)+``) costs minutes to centuries.
REGEX_BUDGET = 10**8

_WS = re.compile(r"\s+")
UNFINISHED_MESSAGE = (
    "Part of the check on your answer did not finish in time, so it counts as not matching. "
    "If you are sure your answer is right, write it more simply and submit it again, or tell "
    "the course author."
)


def normalise(text: str, *, case_sensitive: bool = False) -> str:
    """NFKC first, so full-width letters, ligatures and composed accents compare equal."""
    text = _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return text if case_sensitive else text.casefold()


# --- regex cost model ----------------------------------------------------------------------
# A learner can craft a text over some alphabet A (a set of characters) that several repeats
# could each consume: a backtracking matcher then tries every way of splitting it between them,
# so each repeat whose body covers A multiplies the work by its width, until an item that must
# match and accepts nothing from A ends the run. Per item and alphabet we track (through, prefix,
# suffix, best): the factor when an A-run crosses the whole item (None when it cannot), of runs
# entering/leaving the item, and the best run inside. Alphabets tried: each probe character and
# each repeat's own character set. Repeating a body that an A-run can cross in more than one way
# is exponential: (a+)+, (\w+\s?)*, (a|a)*.

_Run = tuple[float | None, float, float, float]
_NEUTRAL: _Run = (1.0, 1.0, 1.0, 1.0)
_BLOCKED: _Run = (None, 1.0, 1.0, 1.0)
_CHAR_OPS = {sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.ANY, sre_c.IN, sre_c.CATEGORY, sre_c.RANGE}
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT}
_CATEGORIES = {
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
}
_PROBES = "aZ0 \t\n.,;:-_!?'\"()/é字"


class _Exponential(Exception):
    pass


def _can_match(op: Any, av: Any, ch: str) -> bool:
    # Errs towards "yes" (case-insensitive, `.` matching newlines): a wider class only makes the
    # estimate stricter, never lets a slow pattern through.
    if op == sre_c.LITERAL:
        return chr(av).casefold() == ch.casefold()
    if op == sre_c.NOT_LITERAL:
        return chr(av) != ch
    if op == sre_c.RANGE:
        return any(av[0] <= ord(v) <= av[1] for v in {ch, ch.lower(), ch.upper()})
    if op == sre_c.CATEGORY:
        return re.fullmatch(_CATEGORIES.get(av, "(?s:.)"), ch) is not None
    if op == sre_c.IN:
        negated = any(o == sre_c.NEGATE for o, _ in av)
        return any(_can_match(o, a, ch) for o, a in av if o != sre_c.NEGATE) != negated
    return True


def _children(op: Any, av: Any) -> list[Any]:
    if op in _REPEATS:
        return [av[2]]
    if op == sre_c.SUBPATTERN:
        return [av[-1]]
    if op == sre_c.ATOMIC_GROUP:
        return [av]
    if op == sre_c.BRANCH:
        return list(av[1])
    if op == sre_c.GROUPREF_EXISTS:
        return [av[1]] + ([av[2]] if av[2] else [])
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        return [av[1]]
    return []


def _chars(items: Any, alphabet: frozenset[str]) -> frozenset[str]:
    """Characters of ``alphabet`` that some single-character item inside ``items`` accepts."""
    found: set[str] = set()
    for op, av in items:
        if op in _CHAR_OPS:
            found.update(ch for ch in alphabet if _can_match(op, av, ch))
        for child in _children(op, av):
            found |= _chars(child, alphabet)
    return frozenset(found)


def _repeat_sets(items: Any, probes: frozenset[str], out: set[frozenset[str]]) -> None:
    for op, av in items:
        if op in _REPEATS:
            out.add(_chars(av[2], probes))
        for child in _children(op, av):
            _repeat_sets(child, probes, out)


def _concat(x: _Run, y: _Run) -> _Run:
    tx, px, sx, bx = x
    ty, py, sy, by = y
    through = tx * ty if tx is not None and ty is not None else None
    prefix = max(px, tx * py) if tx is not None else px
    suffix = max(sy, sx * ty) if ty is not None else sy
    return through, prefix, suffix, max(bx, by, sx * py)


def _runs(items: Any, alphabet: frozenset[str], n: int) -> _Run:
    result = _NEUTRAL
    for op, av in items:
        result = _concat(result, _item(op, av, alphabet, n))
    return result


def _item(op: Any, av: Any, alphabet: frozenset[str], n: int) -> _Run:
    if op in _CHAR_OPS:
        # The attacker can always place a character this item accepts, if there is one in A.
        return _NEUTRAL if any(_can_match(op, av, ch) for ch in alphabet) else _BLOCKED
    if op in _REPEATS:
        low, high, body = av
        t, p, s, b = _runs(body, alphabet, n)
        # A possessive repeat never gives back what it took, so it cannot multiply the work; a
        # body that cannot consume every character of A cannot take an arbitrary share of it.
        covers = _chars(body, alphabet) == alphabet
        width = 1 if op == sre_c.POSSESSIVE_REPEAT or high <= 1 or not covers else min(high, n)
        if t is not None:
            if width > 1 and t > 1 and (high == sre_c.MAXREPEAT or t >= n):
                raise _Exponential
            crossed = width * t
            return crossed, crossed, crossed, max(crossed, b)
        return (1.0 if low == 0 else None), p, s, max(b, s * p) if width > 1 else b
    if op == sre_c.SUBPATTERN:
        return _runs(av[-1], alphabet, n)
    if op == sre_c.ATOMIC_GROUP:
        return _runs(av, alphabet, n)
    if op in (sre_c.BRANCH, sre_c.GROUPREF_EXISTS):
        alternatives = av[1] if op == sre_c.BRANCH else [av[1], av[2] or []]
        runs = [_runs(alt, alphabet, n) for alt in alternatives]
        # Alternatives that all match the same single character are all tried, so their work
        # adds up ((.|\s)* is exponential); over a wider alphabet they may need different text.
        throughs = [t for t, _, _, _ in runs if t is not None]
        combine = sum if len(alphabet) == 1 else max
        return (
            combine(throughs) if throughs else None,
            max(r[1] for r in runs),
            max(r[2] for r in runs),
            max(r[3] for r in runs),
        )
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        # A lookaround consumes nothing but is re-run for every way of reaching it.
        t, p, s, b = _runs(av[1], alphabet, n)
        work = max(b, p, s, t or 1.0)
        return 1.0, work, work, work
    return _NEUTRAL  # anchors and backreferences consume nothing we can reason about


def _total(run: _Run, length: int, search: bool) -> float:
    through, prefix, suffix, best = run
    if search:
        # A search restarts at every position, but only runs the pattern can start with are
        # re-entered from each of them; runs behind a mandatory other character are entered once.
        return max(prefix * length, suffix, best)
    return max(through or 1.0, prefix, suffix, best)


def _anchored(parsed: Any) -> bool:
    """Whether the pattern can only match at the start of the text (^ or \\A first)."""
    if not len(parsed):
        return False
    op, av = parsed[0]
    multiline = parsed.state.flags & re.MULTILINE
    return op == sre_c.AT and (
        av == sre_c.AT_BEGINNING_STRING or (av == sre_c.AT_BEGINNING and not multiline)
    )


def regex_problem(pattern: str, flags: int, length: int, *, search: bool) -> str | None:
    """Why ``pattern`` is unusable on answers of up to ``length`` characters, or None if fine."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        re.compile(pattern, flags)
        parsed = sre_parse.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"is not a valid regular expression ({exc})"
    search = search and not _anchored(parsed)
    # Literal characters of the pattern are probes too, so ``x*x*x*`` is caught.
    probes = frozenset(_PROBES + pattern)
    alphabets: set[frozenset[str]] = {frozenset(ch) for ch in probes}
    try:
        _repeat_sets(parsed, probes, alphabets)
        alphabets.discard(frozenset())
        worst = max(_total(_runs(parsed, a, length), length, search) for a in alphabets)
    except _Exponential:
        return (
            "repeats a group that itself repeats, like (a+)+ or (\\w+\\s?)*: some inputs make "
            "that take exponential time. Rewrite it, or make the outer repeat possessive (*+, ++)"
        )
    except RecursionError:
        return "is nested too deeply"
    if worst > REGEX_BUDGET:
        return (
            f"could take very long on a {length}-character answer: several repeats (*, +, {{n,}}) "
            "can match the same text one after another, like .*a.*b. Use bounded repeats such "
            "as .{0,80}, or character classes that exclude what follows"
        )
    return None


# --- the grader ---------------------------------------------------------------------------

_OWN_KEYS = frozenset({"accepted", "patterns", "case_sensitive", "max_length", "feedback_wrong"})


def _nonempty_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


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


def _whole(value: Any, low: int, high: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _max_length(spec: dict[str, Any]) -> int:
    value = spec.get("max_length", DEFAULT_MAX_LENGTH)
    return min(value, HARD_MAX_LENGTH) if _whole(value, 1, 10**9) else DEFAULT_MAX_LENGTH


def _flags(spec: dict[str, Any]) -> int:
    return 0 if spec.get("case_sensitive") is True else re.IGNORECASE


class ShortTextGrader:
    kind: ClassVar[str] = "short_text"
    runs_async: ClassVar[bool] = False

    def check_spec(self, spec: dict[str, Any]) -> list[SpecError]:
        if not isinstance(spec, dict):
            return [SpecError("The exercise must be a mapping of keys to values.")]
        errors = _common_errors(spec, _OWN_KEYS, self.kind)
        case_sensitive = spec.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            errors.append(SpecError("case_sensitive must be true or false.", "case_sensitive"))
        if not _whole(spec.get("max_length", DEFAULT_MAX_LENGTH), 1, HARD_MAX_LENGTH):
            message = f"max_length must be a whole number from 1 to {HARD_MAX_LENGTH}."
            errors.append(SpecError(message, "max_length"))
        if "feedback_wrong" in spec and not _nonempty_str(spec["feedback_wrong"]):
            errors.append(SpecError("feedback_wrong must be a non-empty text.", "feedback_wrong"))
        for key in ("accepted", "patterns"):
            value = spec.get(key, [])
            if not isinstance(value, list) or not all(_nonempty_str(v) for v in value):
                errors.append(
                    SpecError(f'{key} must be a list of non-empty texts, like {key}: ["…"].', key)
                )
        accepted, patterns = spec.get("accepted", []), spec.get("patterns", [])
        if not (isinstance(accepted, list) and accepted) and not (
            isinstance(patterns, list) and patterns
        ):
            errors.append(SpecError("Give at least one of accepted or patterns.", "accepted"))
        limit = _max_length(spec)
        for answer in accepted if isinstance(accepted, list) else []:
            if _nonempty_str(answer) and len(normalise(answer)) > limit:
                message = (
                    f"Accepted answer {answer!r} is longer than max_length: nobody can type it."
                )
                errors.append(SpecError(message, "accepted"))
        flags = _flags(spec)
        for pattern in patterns if isinstance(patterns, list) else []:
            if _nonempty_str(pattern) and (
                problem := regex_problem(pattern, flags, limit, search=False)
                or pattern_problem(
                    pattern,
                    flags,
                    limit,
                    search=False,
                    prepare=functools.partial(normalise, case_sensitive=case_sensitive is True),
                )
            ):
                errors.append(SpecError(f"Pattern {pattern!r} {problem}.", "patterns"))
        return errors

    def parse_answer(self, spec: dict[str, Any], raw: Any) -> str:
        if not isinstance(raw, str):
            raise AnswerError("Type your answer as text.")
        limit = _max_length(spec)
        # Bound the normalisation work before doing it; NFKC can lengthen text, so the real
        # limit is checked on the normalised form, which is what patterns will run on.
        if (
            len(raw) > 2 * HARD_MAX_LENGTH
            or len(text := normalise(raw, case_sensitive=True)) > limit
        ):
            raise AnswerError(f"Your answer is too long: keep it to {limit} characters at most.")
        if not text:
            raise AnswerError("Type an answer first.")
        return text

    def grade(self, spec: dict[str, Any], answer: Any) -> GradeResult:
        case_sensitive = spec.get("case_sensitive") is True
        # Unparsed input gets the same bounds as parsed input before any regex sees it.
        bounded = isinstance(answer, str) and len(answer) <= 2 * HARD_MAX_LENGTH
        text = normalise(answer, case_sensitive=case_sensitive) if bounded else ""
        budget = Budget()
        ok = 0 < len(text) <= _max_length(spec) and self._matches(
            spec, text, case_sensitive, budget
        )
        if ok:
            return GradeResult(correct=True, score=1.0, feedback=[Feedback("Correct.", ok=True)])
        feedback = [Feedback("That is not the answer we were looking for.", ok=False)]
        if _nonempty_str(spec.get("feedback_wrong")):
            feedback.append(Feedback(spec["feedback_wrong"], ok=False))
        if budget.unfinished:
            # A pattern ran out of time (patterns.py): not matched, and the learner is told so.
            return GradeResult(
                correct=False,
                score=0.0,
                feedback=feedback,
                error_kind=CHECK_TIMEOUT,
                error_message=UNFINISHED_MESSAGE,
            )
        return GradeResult(correct=False, score=0.0, feedback=feedback)

    def _matches(
        self, spec: dict[str, Any], text: str, case_sensitive: bool, budget: Budget
    ) -> bool:
        accepted = [a for a in spec.get("accepted") or [] if isinstance(a, str)]
        if text in {normalise(a, case_sensitive=case_sensitive) for a in accepted}:
            return True
        for pattern in spec.get("patterns") or []:
            try:
                if isinstance(pattern, str) and budget.fullmatch(pattern, _flags(spec), text):
                    return True
            except PatternError:
                continue  # check_spec reports it; a broken pattern must not break grading
        return False

    def public_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {"max_length": _max_length(spec)}
