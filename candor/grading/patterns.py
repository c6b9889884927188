"""Author regular expressions, run on learners' text with a time limit.

Patterns come from content authors, the text they run on from learners. ``text.regex_problem``
refuses the patterns it can show to be slow at import time, but it is a model: a pattern that
slips past it, with a crafted answer, must not pin a worker. So every author pattern is run
here, with the ``regex`` package, which (unlike ``re``) can stop a match after a timeout:

- one pattern gets at most ``MATCH_TIMEOUT`` on one answer, and all the patterns of one
  submission together at most ``SUBMISSION_BUDGET``; a pattern that runs out of time, or that
  the budget no longer reaches, is *unfinished*: the grader counts it as not matched and says so
  in the result (``error_kind="check_timeout"``); the attempt is graded and stored as usual;
- no text longer than ``MAX_SUBJECT`` reaches a pattern (the graders' own limits are lower);
- ``pattern_probe.pattern_problem`` runs each pattern on crafted answers at import time
  (``candor content-check``), so authors meet a slow pattern before learners do.

Authors write Python ``re`` syntax, checked by ``re``, and are graded exactly as ``re`` would
match: ``regex_compat`` writes the pattern out for ``regex``, and ``AuthorPattern`` replaces
each character of a text on which the engines disagree with a stand-in the pattern treats
alike, or falls back to the exact (slower) translation. tests/test_patterns.py compares the two
engines on random patterns and texts.
"""

from __future__ import annotations

import functools
import logging
import re
import re._constants as sre_c  # private, but stable within the pinned Python 3.11
import time
from typing import Any

import regex

# PatternError is defined in regex_compat (which raises it and must not import this module);
# this is its public home.
from candor.grading.regex_compat import (
    _A,
    _MAX_FOREIGN,
    _ONE_CHAR,
    _STAND_INS,
    _U,
    PatternError,
    _disagreements,
    _explicit_class,
    _one_char_source,
    _parse,
    _re_flags,
    _regex_flags,
    _walk,
    _Writer,
    to_regex,
)

__all__ = [
    "CHECK_TIMEOUT",
    "MATCH_TIMEOUT",
    "MAX_SUBJECT",
    "SUBMISSION_BUDGET",
    "AuthorPattern",
    "Budget",
    "PatternError",
    "Unfinished",
    "compile_pattern",
]

log = logging.getLogger(__name__)

# GradeResult.error_kind when a pattern could not be evaluated in time.
CHECK_TIMEOUT = "check_timeout"
MATCH_TIMEOUT = 0.05  # seconds: one pattern on one answer
SUBMISSION_BUDGET = 0.25  # seconds: every pattern of one submission together
MAX_SUBJECT = 10_000  # characters: the longest text a pattern ever sees (rubric answers)


class Unfinished(Exception):
    """A pattern did not finish in the time it had."""


class AuthorPattern:
    """One author pattern, compiled for ``regex`` to match exactly as ``re`` would.

    A text without a character of ``_disagreements()`` is matched by the native translation. A
    text with some is first rewritten: each such character is replaced by a stand-in that every
    one-character item of the pattern (and ``\\w``, ``\\s``, ``\\d``, for ``\\b``) treats in
    ``regex`` exactly as ``re`` treats the original; one for one, so positions stay. Where no
    stand-in fits, or the pattern has backreferences (which compare the text itself), the exact
    translation is used: right, but slower, so more likely to run out of time.
    """

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        parsed = _parse(pattern, flags)
        top = parsed.state.flags
        source, self.regex_flags = to_regex(pattern, flags)
        try:
            self.native = regex.compile(source, self.regex_flags)
        except (regex.error, RecursionError, OverflowError, ValueError) as exc:
            raise PatternError(f"cannot be used ({exc})") from exc
        self._flags = flags
        self._exact: Any = None
        walked = list(_walk(parsed, top))
        self.backreferences = any(op == sre_c.GROUPREF for op, _, _ in walked)
        writer = _Writer(exact=False)
        atoms = {
            (_one_char_source(op, av), _re_flags(f)): writer.one_char(op, av, f)
            for op, av, f in walked
            if op in _ONE_CHAR
        }
        for category in (r"\w", r"\s", r"\d"):
            atoms[(category, _U)] = category
        if any(op == sre_c.AT and f & _A for op, _, f in walked):
            atoms[(r"[\w]", _A)] = _explicit_class(r"[\w]", _A)  # what (?a)\b looks at
        self._atoms = [
            (re.compile(mine, re_flags), regex.compile(theirs, _regex_flags(re_flags)))
            for (mine, re_flags), theirs in atoms.items()
        ]
        self._by_behaviour: dict[tuple[bool, ...], str] | None = None
        self._stand_in: dict[str, str | None] = {}
        _disagreements()  # once per process, here rather than in a timed match

    def exact(self) -> Any:
        """The exact translation, compiled on first need."""
        if self._exact is None:
            source, flags = to_regex(self.pattern, self._flags, exact=True)
            self._exact = regex.compile(source, flags)
        return self._exact

    def subject(self, text: str) -> tuple[Any, str]:
        """The compiled pattern and text to run for ``text``."""
        foreign = _disagreements().intersection(text)
        if not foreign:
            return self.native, text
        if self.backreferences or len(foreign) > _MAX_FOREIGN:
            return self.exact(), text
        table = {}
        for char in foreign:
            stand_in = self._stand_in_for(char)
            if stand_in is None:
                return self.exact(), text
            table[ord(char)] = stand_in
        return self.native, text.translate(table)

    def _stand_in_for(self, char: str) -> str | None:
        if char not in self._stand_in:
            if self._by_behaviour is None:
                self._by_behaviour = {}
                for candidate in _STAND_INS:
                    behaviour = tuple(bool(t.fullmatch(candidate)) for _, t in self._atoms)
                    self._by_behaviour.setdefault(behaviour, candidate)
            wanted = tuple(bool(m.fullmatch(char)) for m, _ in self._atoms)
            if len(self._stand_in) < 4096:
                self._stand_in[char] = self._by_behaviour.get(wanted)
            else:
                return self._by_behaviour.get(wanted)
        return self._stand_in[char]

    def match(self, text: str, *, search: bool, timeout: float) -> bool:
        """Whether the pattern matches ``text`` (anywhere, or all of it); ``Unfinished`` after
        ``timeout`` seconds."""
        started = time.perf_counter()
        compiled, subject = self.subject(text)
        method = compiled.search if search else compiled.fullmatch
        left = timeout - (time.perf_counter() - started)
        if left <= 0:
            raise Unfinished
        try:
            # concurrent=True lets other threads run meanwhile (a str cannot change under it).
            return method(subject, concurrent=True, timeout=left) is not None
        except TimeoutError as exc:
            raise Unfinished from exc
        except (regex.error, RecursionError) as exc:
            raise PatternError(f"cannot be used ({exc})") from exc


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str, flags: int = 0) -> AuthorPattern:
    """The pattern, ready to grade exactly as ``re.compile(pattern, flags)`` would match."""
    return AuthorPattern(pattern, flags)


# --- matching under a budget -------------------------------------------------------------


class Budget:
    """The time one submission may spend in author patterns. ``search``/``fullmatch`` return
    True or False, or None when the pattern could not be evaluated in time (``unfinished``
    counts those); a pattern that cannot be compiled raises ``PatternError``."""

    def __init__(self, seconds: float = SUBMISSION_BUDGET) -> None:
        self.left = seconds
        self.unfinished = 0

    def search(self, pattern: str, flags: int, text: str) -> bool | None:
        return self._run(pattern, flags, text, search=True)

    def fullmatch(self, pattern: str, flags: int, text: str) -> bool | None:
        return self._run(pattern, flags, text, search=False)

    def _run(self, pattern: str, flags: int, text: str, *, search: bool) -> bool | None:
        compiled = compile_pattern(pattern, flags)
        if len(text) > MAX_SUBJECT or self.left <= 0:
            self.unfinished += 1
            return None
        timeout = min(MATCH_TIMEOUT, self.left)
        started = time.perf_counter()
        try:
            return compiled.match(text, search=search, timeout=timeout)
        except Unfinished:
            self.unfinished += 1
            # The pattern is content, not personal data; the answer is neither logged nor kept.
            log.warning(
                "author pattern %r did not finish in %.0f ms on a %d-character answer",
                pattern,
                timeout * 1000,
                len(text),
            )
            return None
        finally:
            self.left -= time.perf_counter() - started
