"""Python ``re`` patterns, written out for the ``regex`` package to match exactly as ``re`` would.

Author patterns run with ``regex`` because it can stop a match after a timeout (``patterns.py``).
Authors write Python ``re`` syntax, checked by ``re``, and are graded exactly as ``re`` would
match. ``regex`` VERSION0 is close to ``re`` but not equal: its ``\\w`` (so ``\\b``), ``\\s``
and ``\\d`` follow a newer Unicode and count combining marks as word characters where ``re``
counts superscripts and fractions; case-insensitive ``i``/``ı``/``İ``, ``(?a)`` with case
folding and ``\\B`` in an empty text differ too. So the pattern is parsed by ``re``'s own
parser and written out for ``regex`` (``_Writer``, ``to_regex``): the case quirks and ``(?a)``
are spelled out as the characters ``re`` matches (asked of ``re`` itself, over every code
point), and a text holding one of the few characters on which ``\\w``, ``\\s`` or ``\\d`` differ
(``_disagreements``: combining marks, unassigned code points, ...) has each replaced by a
stand-in (``_STAND_INS``) that the pattern treats alike (``patterns.AuthorPattern``). The one
thing left out, a backreference compared without case, is refused at import
(``pattern_probe.pattern_problem``). tests/test_patterns.py compares the two engines on random
patterns and texts.

``PatternError`` is defined here so that this module needs nothing from ``patterns.py``, which
re-exports it: import it from there.
"""

from __future__ import annotations

import array
import functools
import re
import re._constants as sre_c  # private, but stable within the pinned Python 3.11
import re._parser as sre_parse
import sys
from collections.abc import Iterator
from typing import Any

import regex


class PatternError(ValueError):
    """The pattern cannot be compiled (``re`` refuses it, or ``regex`` cannot take it)."""


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
