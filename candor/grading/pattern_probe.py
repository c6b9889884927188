"""content-check for author patterns: each is tried on crafted answers at import time.

``text.regex_problem``'s cost model refuses the patterns it can show to be slow, but it is a
model. ``pattern_problem`` runs each pattern as the grader would (``patterns.AuthorPattern``)
on texts built to make backtracking matchers work hard (``crafted_answers``), and reports one
that needs more than ``PROBE_LIMIT`` on any of them, so authors meet a slow pattern before
learners do. It also refuses the one thing ``regex_compat`` cannot translate exactly: a
backreference compared without case.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # private, but stable within the pinned Python 3.11
import time
from collections.abc import Callable, Iterator
from typing import Any

from candor.grading.patterns import (
    MATCH_TIMEOUT,
    AuthorPattern,
    PatternError,
    Unfinished,
    compile_pattern,
)
from candor.grading.regex_compat import (
    _I,
    _ONE_CHAR,
    _REPEATS,
    _one_char_source,
    _parse,
    _re_flags,
    _walk,
)

# content-check: a pattern that needs more than this on a crafted answer is reported, leaving
# a margin below MATCH_TIMEOUT for a busier server than the author's.
PROBE_LIMIT = MATCH_TIMEOUT / 2
# ... on crafted answers this long (or the exercise's limit, if lower). Catastrophic patterns
# (exponential, or of a high degree) blow up well within it; a pattern that is merely quadratic
# on a long run of one character, like \d[\d.,]*x on 5,000 digits, passes: the cost model in
# text.py bounds those, and at grading time the timeout stops them.
PROBE_LENGTH = 200
PROBE_TOTAL = 2.0  # seconds of probing per pattern at most

_PUMP_CHARS = "aZ0 \t\n.,;:-_!?'\"()/é字"
_SUFFIXES = ("\x00", "\n")
_MAX_PUMPS = 48


def _literal_runs(items: Any) -> Iterator[str]:
    """Pieces of literal text in the pattern, two characters or longer."""
    run: list[str] = []
    for op, av in items:
        if op == sre_c.LITERAL:
            run.append(chr(av))
            continue
        if len(run) > 1:
            yield "".join(run)
        run = []
        if op in _REPEATS:
            yield from _literal_runs(av[2])
        elif op == sre_c.SUBPATTERN:
            yield from _literal_runs(av[3])
        elif op == sre_c.ATOMIC_GROUP:
            yield from _literal_runs(av)
        elif op == sre_c.BRANCH:
            for alternative in av[1]:
                yield from _literal_runs(alternative)
    if len(run) > 1:
        yield "".join(run)


def _literal_chars(walked: list[tuple[Any, Any, int]]) -> Iterator[str]:
    for op, av, _ in walked:
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL):
            yield chr(av)
        elif op == sre_c.IN:
            for o, a in av:
                if o in (sre_c.LITERAL, sre_c.RANGE):
                    yield chr(a if o == sre_c.LITERAL else a[0])


def _witness(items: Any, flags: int, candidates: str) -> str | None:
    """A short text that ``items`` match, or None when none comes easily."""
    text = []
    for op, av in items:
        if op in _ONE_CHAR:
            one = re.compile(_one_char_source(op, av), _re_flags(flags))
            found = next((c for c in candidates if one.fullmatch(c)), None)
        elif op in _REPEATS:
            body = _witness(av[2], flags, candidates)
            found = body * av[0] if body is not None else (None if av[0] else "")
        elif op == sre_c.SUBPATTERN:
            found = _witness(av[3], (flags | av[1]) & ~av[2], candidates)
        elif op == sre_c.BRANCH:
            found = _witness(av[1][0], flags, candidates)
        elif op == sre_c.ATOMIC_GROUP:
            found = _witness(av, flags, candidates)
        else:
            found = ""  # anchors and lookarounds add nothing; backreferences are left out
        if found is None:
            return None
        text.append(found)
    return "".join(text)


def crafted_answers(pattern: str, flags: int, length: int) -> Iterator[tuple[str, str]]:
    """Texts of about ``length`` characters that make backtracking matchers work hard: a long
    run of one character (or of a piece of the pattern's literal text) that several repeats can
    share, then a character that fails the match; behind nothing, or behind a match of the
    pattern's first items. Yields (description, text)."""
    parsed = _parse(pattern, flags)
    top = parsed.state.flags
    walked = list(_walk(parsed, top))
    literal = list(dict.fromkeys(_literal_chars(walked)))
    candidates = "".join(dict.fromkeys([*_PUMP_CHARS, *literal]))
    runs = list(dict.fromkeys(_literal_runs(parsed)))[:8]
    pumps = list(dict.fromkeys([*_PUMP_CHARS, *runs, "a ", "a1", "a,", *literal]))[:_MAX_PUMPS]
    prefixes = [""]
    items = list(parsed)
    for cut in range(1, len(items)):
        if len(prefixes) >= 4:
            break
        if items[cut][0] in (*_REPEATS, sre_c.SUBPATTERN, sre_c.BRANCH):
            prefix = _witness(items[:cut], top, candidates)
            if prefix and prefix not in prefixes:
                prefixes.append(prefix)
    for prefix in prefixes:
        for pump in pumps:
            for suffix in _SUFFIXES:
                count = max(1, (length - len(prefix) - len(suffix)) // len(pump))
                yield (
                    f"{prefix!r} + {pump!r} × {count} + {suffix!r}",
                    prefix + pump * count + suffix,
                )


def pattern_problem(
    pattern: str,
    flags: int,
    length: int,
    *,
    search: bool,
    prepare: Callable[[str], str] | None = None,
) -> str | None:
    """Why ``pattern`` cannot be used for grading answers of up to ``length`` characters, or
    None: it does not compile for ``regex``, it compares a backreference without case (which
    only ``re`` does its way), or it is slow on crafted answers (each passed through
    ``prepare`` first, as the grader would). Invalid ``re`` syntax and the cost model are
    ``text.regex_problem``'s part, and reported there."""
    try:
        compiled = compile_pattern(pattern, flags)
        parsed = _parse(pattern, flags)
    except PatternError as exc:
        return None if "not a valid regular expression" in str(exc) else str(exc)
    if any(op == sre_c.GROUPREF and f & _I for op, _, f in _walk(parsed, parsed.state.flags)):
        return (
            "uses a backreference (\\1, (?P=name)) while ignoring case, which the grader cannot "
            "match exactly as Python's re does; make that part case-sensitive with (?-i:...) "
            "(or case_sensitive: true), or do without the backreference"
        )
    length = min(length, PROBE_LENGTH)
    started = time.perf_counter()
    seen: set[str] = set()
    for description, raw in crafted_answers(pattern, flags, length):
        text = (prepare(raw) if prepare else raw)[:length]
        if not text or text in seen:
            continue
        seen.add(text)
        took = _probe(compiled, text, search)
        if took > PROBE_LIMIT:
            # Tried twice more: only a pattern that is slow every time is reported, not one
            # that met a busy moment of the machine.
            took = min(took, _probe(compiled, text, search), _probe(compiled, text, search))
        if took > PROBE_LIMIT:
            return (
                f"takes more than {PROBE_LIMIT * 1000:.0f} ms on a crafted {len(text)}-character "
                f"answer ({description}), so answers like it would run out of the "
                f"{MATCH_TIMEOUT * 1000:.0f} ms a pattern has and count as not matching. Avoid "
                "repeats that can match the same text in several ways, like (a|aa)+, "
                "(\\w|\\d)+ or (a\\1?)+"
            )
        if time.perf_counter() - started > PROBE_TOTAL:
            break
    return None


def _probe(compiled: AuthorPattern, text: str, search: bool) -> float:
    started = time.perf_counter()
    try:
        compiled.match(text, search=search, timeout=MATCH_TIMEOUT)
    except Unfinished:
        return float("inf")
    return time.perf_counter() - started
