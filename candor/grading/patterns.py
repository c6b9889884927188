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
- ``pattern_problem`` runs each pattern on crafted answers at import time (``candor
  content-check``), so authors meet a slow pattern before learners do.

Authors write Python ``re`` syntax, checked by ``re``, and are graded exactly as ``re`` would
match. ``regex`` VERSION0 is close to ``re`` but not equal: its ``\\w`` (so ``\\b``), ``\\s``
and ``\\d`` follow a newer Unicode and count combining marks as word characters where ``re``
counts superscripts and fractions; case-insensitive ``i``/``ı``/``İ``, ``(?a)`` with case
folding and ``\\B`` in an empty text differ too. So the pattern is parsed by ``re``'s own
parser and written out for ``regex`` (``_Writer``): the case quirks and ``(?a)`` are spelled out
as the characters ``re`` matches (asked of ``re`` itself, over every code point), and a text
holding one of the few characters on which ``\\w``, ``\\s`` or ``\\d`` differ
(``_disagreements``: combining marks, unassigned code points, ...) has each replaced by a
stand-in that the pattern treats alike (``AuthorPattern``). The one thing left out, a
backreference compared without case, is refused at import (``pattern_problem``).
tests/test_patterns.py compares the two engines on random patterns and texts.
"""

from __future__ import annotations

import array
import functools
import logging
import re
import re._constants as sre_c  # private, but stable within the pinned Python 3.11
import re._parser as sre_parse
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import regex

log = logging.getLogger(__name__)

# GradeResult.error_kind when a pattern could not be evaluated in time.
CHECK_TIMEOUT = "check_timeout"
MATCH_TIMEOUT = 0.05  # seconds: one pattern on one answer
SUBMISSION_BUDGET = 0.25  # seconds: every pattern of one submission together
MAX_SUBJECT = 10_000  # characters: the longest text a pattern ever sees (rubric answers)
# content-check: a pattern that needs more than this on a crafted answer is reported, leaving
# a margin below MATCH_TIMEOUT for a busier server than the author's.
PROBE_LIMIT = MATCH_TIMEOUT / 2
# ... on crafted answers this long (or the exercise's limit, if lower). Catastrophic patterns
# (exponential, or of a high degree) blow up well within it; a pattern that is merely quadratic
# on a long run of one character, like \d[\d.,]*x on 5,000 digits, passes: the cost model in
# text.py bounds those, and at grading time the timeout stops them.
PROBE_LENGTH = 200
PROBE_TOTAL = 2.0  # seconds of probing per pattern at most


class PatternError(ValueError):
    """The pattern cannot be compiled (``re`` refuses it, or ``regex`` cannot take it)."""


class Unfinished(Exception):
    """A pattern did not finish in the time it had."""


# --- re → regex -------------------------------------------------------------------------

_I, _M, _S = sre_c.SRE_FLAG_IGNORECASE, sre_c.SRE_FLAG_MULTILINE, sre_c.SRE_FLAG_DOTALL
_A, _U = sre_c.SRE_FLAG_ASCII, sre_c.SRE_FLAG_UNICODE
_REGEX_FLAG_LETTERS = ((_I, "i"), (_M, "m"), (_S, "s"))
_REPEATS = {sre_c.MAX_REPEAT: "", sre_c.MIN_REPEAT: "?", sre_c.POSSESSIVE_REPEAT: "+"}
_ONE_CHAR = {sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY}
_CATEGORY_ESCAPES = {
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
}
# Letters whose case-insensitive matching differs between the engines (re folds the dotless ı
# and the dotted İ with i and I in places where regex does not). tests/test_patterns.py checks
# every code point to keep this honest.
CASE_QUIRKS = frozenset("iIıİ")
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _char(code: int) -> str:
    """One code point in a form both engines read the same way, in and out of a class."""
    if chr(code) in _PLAIN:
        return chr(code)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


@functools.cache
def _every_code_point() -> str:
    codes = array.array("I", range(sys.maxunicode + 1)).tobytes()
    return codes.decode("utf-32-le", "surrogatepass")


def _spans(compiled: Any) -> list[tuple[int, int]]:
    """The code point ranges a one-character pattern ``(?:x)+`` matches, in order."""
    return [(m.start(), m.end() - 1) for m in compiled.finditer(_every_code_point())]


def _ranges(spans: list[tuple[int, int]]) -> str:
    return "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in spans)


def _class_source(items: Any) -> str:
    """A character class as source both engines read alike, from ``re``'s parse of it."""
    parts: list[str] = []
    for op, av in items:
        if op == sre_c.NEGATE:
            parts.insert(0, "^")
        elif op == sre_c.LITERAL:
            parts.append(_char(av))
        elif op == sre_c.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op == sre_c.CATEGORY:
            parts.append(_CATEGORY_ESCAPES[av])
        else:  # pragma: no cover - the 3.11 parser puts nothing else in a class
            raise PatternError(f"unsupported item in a character class: {op}")
    return "[" + "".join(parts) + "]"


def _one_char_source(op: Any, av: Any) -> str:
    if op == sre_c.LITERAL:
        return _char(av)
    if op == sre_c.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op == sre_c.IN:
        return _class_source(av)
    return "."


def _re_flags(flags: int) -> int:
    return flags & (_I | _A | _S | _U)


@functools.lru_cache(maxsize=1024)
def _explicit_class(source: str, flags: int) -> str:
    """Exactly the characters ``re`` matches with the one-character pattern ``source``, written
    out as code point ranges (negated when that is shorter). Asking ``re`` itself, over every
    code point, is what makes this exact."""
    members = _spans(re.compile(f"(?:{source})+", _re_flags(flags)))
    gaps, start = [], 0
    for low, high in members:
        if low > start:
            gaps.append((start, low - 1))
        start = high + 1
    if start <= sys.maxunicode:
        gaps.append((start, sys.maxunicode))
    if not members:
        return "(?!)"
    if not gaps:
        return r"[\x00-\U0010ffff]"
    return f"[{_ranges(members)}]" if len(members) <= len(gaps) else f"[^{_ranges(gaps)}]"


def _points(spans: list[tuple[int, int]]) -> set[int]:
    return {c for low, high in spans for c in range(low, high + 1)}


@functools.cache
def _disagreements() -> frozenset[str]:
    """The characters on which the engines' ``\\w``, ``\\s`` or ``\\d`` (so ``\\b``) differ,
    with the case quirks: what a text must avoid to be matched natively."""
    found = {ord(c) for c in CASE_QUIRKS - set("iI")}
    for category in (r"\w", r"\s", r"\d"):
        mine = _spans(re.compile(f"(?:{category})+"))
        theirs = _spans(regex.compile(f"(?:{category})+", regex.V0))
        if mine != theirs:
            found |= _points(mine) ^ _points(theirs)
    return frozenset(map(chr, found))


def _case_sensitive(body: str, flags: int) -> str:
    return f"(?-i:{body})" if flags & _I else body


class _Writer:
    """Writes ``re``'s parse tree out as ``regex`` source.

    ``exact``: with every character class, ``\\b`` and ``\\B`` spelled out as what ``re``
    matches; right on any text, but many times slower on long ones. Otherwise (native):
    ``\\w``, ``\\s``, ``\\d``, ``\\b`` stay as they are, fast, and right on every text without
    a character of ``_disagreements()``; the case quirks and ``(?a)`` are spelled out in both.
    """

    def __init__(self, exact: bool) -> None:
        self.exact = exact
        self.out: list[str] = []

    def items(self, items: Any, flags: int) -> None:
        for op, av in items:
            self.item(op, av, flags)

    def group(self, items: Any, flags: int, opening: str = "(?:") -> None:
        self.out.append(opening)
        self.items(items, flags)
        self.out.append(")")

    def one_char(self, op: Any, av: Any, flags: int) -> str:
        """The ``regex`` source of one single-character item."""
        source = _one_char_source(op, av)
        if op == sre_c.ANY:
            return "."  # the same in both engines, under the same (?s)
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL):
            spell_out = flags & _I and (chr(av) in CASE_QUIRKS or flags & _A)
        else:
            categories = any(o == sre_c.CATEGORY for o, _ in av)
            foreign = any(
                o in (sre_c.LITERAL, sre_c.RANGE) and (a if o == sre_c.LITERAL else a[1]) > 0x7F
                for o, a in av
            )
            spell_out = (
                self.exact
                or (categories and flags & _A)
                or (flags & _I and (not categories or foreign))
            )
        return _case_sensitive(_explicit_class(source, flags), flags) if spell_out else source

    def item(self, op: Any, av: Any, flags: int) -> None:
        out = self.out
        if op in _ONE_CHAR:
            out.append(self.one_char(op, av, flags))
        elif op in _REPEATS:
            low, high, body = av
            self.group(body, flags)
            if (low, high) == (0, sre_c.MAXREPEAT):
                out.append("*")
            elif (low, high) == (1, sre_c.MAXREPEAT):
                out.append("+")
            elif (low, high) == (0, 1):
                out.append("?")
            elif high == sre_c.MAXREPEAT:
                out.append(f"{{{low},}}")
            else:
                out.append(f"{{{low},{high}}}")
            out.append(_REPEATS[op])
        elif op == sre_c.SUBPATTERN:
            gid, add, delete, body = av
            inner = (flags | add) & ~delete
            if gid is not None:
                self.group(body, inner, "(")
            else:
                on = "".join(c for f, c in _REGEX_FLAG_LETTERS if add & f)
                off = "".join(c for f, c in _REGEX_FLAG_LETTERS if delete & f)
                self.group(body, inner, f"(?{on}-{off}:" if off else f"(?{on}:")
        elif op == sre_c.BRANCH:
            out.append("(?:")
            for i, alternative in enumerate(av[1]):
                if i:
                    out.append("|")
                self.items(alternative, flags)
            out.append(")")
        elif op == sre_c.ATOMIC_GROUP:
            self.group(av, flags, "(?>")
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            direction, body = av
            kind = "=" if op == sre_c.ASSERT else "!"
            self.group(body, flags, f"(?<{kind}" if direction < 0 else f"(?{kind}")
        elif op == sre_c.GROUPREF:
            out.append(f"(?:\\g<{av}>)")
        elif op == sre_c.GROUPREF_EXISTS:
            gid, yes, no = av
            out.append(f"(?({gid})")
            self.items(yes, flags)
            if no is not None:
                out.append("|")
                self.items(no, flags)
            out.append(")")
        elif op == sre_c.AT:
            self.at(av, flags)
        else:  # pragma: no cover - every op the 3.11 parser produces is handled above
            raise PatternError(f"unsupported regular expression construct: {op}")

    def at(self, where: Any, flags: int) -> None:
        simple = {
            sre_c.AT_BEGINNING: "^",
            sre_c.AT_BEGINNING_STRING: r"\A",
            sre_c.AT_END: "$",
            sre_c.AT_END_STRING: r"\Z",
        }
        if where in simple:
            self.out.append(simple[where])  # the same in both engines, under the same (?m)
            return
        # re finds neither \b nor \B in an empty text; regex finds \B there.
        if not (self.exact or flags & _A):
            self.out.append(r"\b" if where == sre_c.AT_BOUNDARY else r"(?!\A\Z)\B")
            return
        w = _case_sensitive(_explicit_class(r"[\w]", flags & _A), flags)
        if where == sre_c.AT_BOUNDARY:
            self.out.append(f"(?:(?<={w})(?!{w})|(?<!{w})(?={w}))")
        else:
            self.out.append(f"(?!\\A\\Z)(?:(?<={w})(?={w})|(?<!{w})(?!{w}))")


def _parse(pattern: str, flags: int) -> Any:
    try:
        re.compile(pattern, flags)
        return sre_parse.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        raise PatternError(f"is not a valid regular expression ({exc})") from exc


def _regex_flags(flags: int) -> int:
    result = regex.V0 | (regex.I if flags & _I else 0)
    return result | (regex.M if flags & _M else 0) | (regex.S if flags & _S else 0)


def to_regex(pattern: str, flags: int = 0, *, exact: bool = False) -> tuple[str, int]:
    """``regex`` (VERSION0) source and flags for ``pattern`` (see ``_Writer``)."""
    parsed = _parse(pattern, flags)
    writer = _Writer(exact)
    writer.items(parsed, parsed.state.flags)
    return "".join(writer.out), _regex_flags(parsed.state.flags)


def _walk(items: Any, flags: int) -> Iterator[tuple[Any, Any, int]]:
    """Every item of a parse tree, with the flags in force where it stands."""
    for op, av in items:
        yield op, av, flags
        if op in _REPEATS:
            yield from _walk(av[2], flags)
        elif op == sre_c.SUBPATTERN:
            yield from _walk(av[3], (flags | av[1]) & ~av[2])
        elif op == sre_c.ATOMIC_GROUP:
            yield from _walk(av, flags)
        elif op == sre_c.BRANCH:
            for alternative in av[1]:
                yield from _walk(alternative, flags)
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            yield from _walk(av[1], flags)
        elif op == sre_c.GROUPREF_EXISTS:
            yield from _walk(av[1], flags)
            if av[2] is not None:
                yield from _walk(av[2], flags)


# Stand-ins for characters the engines disagree on: characters they agree on, of every kind
# (private use, punctuation, letters, digits and spaces of several scripts). Never "\n", which
# anchors look at.
_STAND_INS = (
    "".join(map(chr, range(0xE000, 0xE010)))
    + "".join(chr(c) for c in range(0x20, 0x7F))
    + "\t\r\x0b\x0c\x00\x01\xa0\u2000\u2007\u3000\xaa\xb5\xba\xc0\xdf\xe0\xff"
    + "\u0660\u0966\u0e50\uff10\ua500\u1401\u4e00\u3041\u05d0\u0627\u0905\u0391\u03b1"
    + "\u0410\u0430\u2160\u2170\u3007\U00010400\U00010428"
)
_MAX_FOREIGN = 256  # distinct disagreeing characters one text may bring to the native path


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


# --- content-check: crafted answers -------------------------------------------------------

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
