"""Reading an organisation CSV: bytes → rows with line numbers, or problems with line numbers.

Strict on purpose: a file that is not UTF-8 is refused rather than guessed at (a guessed
Windows-1252 would silently garble names like "Łukasz"), and every problem names its line, so
whoever prepared the file can fix all of them in one pass.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

MAX_BYTES = 5 * 1024 * 1024  # ~50 000 people; bigger organisations split by department
MAX_ROWS = 50_000
MAX_FIELD = 500


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 0: the file as a whole
    message: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def decode(data: bytes, filename: str) -> tuple[str | None, list[Problem]]:
    """UTF-8, with or without the byte-order mark Excel writes; anything else is refused."""
    if len(data) > MAX_BYTES:
        return None, [
            Problem(filename, 0, f"is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
        ]
    if not data.strip():
        return None, [Problem(filename, 0, "is empty.")]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, [
            Problem(
                filename,
                0,
                "is UTF-16 text. Save it as “CSV UTF-8 (comma delimited)” and try again.",
            )
        ]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        return None, [
            Problem(
                filename,
                line,
                f"is not UTF-8 text (byte 0x{byte:02x}). Candor reads only UTF-8 so that names "
                "are never garbled: save the file as “CSV UTF-8 (comma delimited)” and try "
                "again. Nothing was imported.",
            )
        ]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(filename, line, "contains a NUL character: is it really CSV?")]
    return text, []


def read_rows(
    text: str, filename: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[list[Row], list[Problem]]:
    """Rows keyed by lower-cased column names. Blank lines are skipped; every malformed row,
    missing or unknown column is reported with its line."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        return [], [Problem(filename, 1, f"has no readable header row ({exc}).")]
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    expected = ", ".join((*required, *optional))
    if len(columns) == 1 and ";" in header[0]:
        return [], [
            Problem(
                filename,
                1,
                "columns are separated by semicolons; Candor expects commas (“CSV UTF-8 "
                f"(comma delimited)”). Expected columns: {expected}.",
            )
        ]
    missing = [c for c in required if c not in columns]
    if missing:
        problems.append(
            Problem(filename, 1, f"missing column(s): {', '.join(missing)}. Expected: {expected}.")
        )
    for name in columns:
        if name not in required and name not in optional:
            problems.append(Problem(filename, 1, f"unknown column “{name}”. Expected: {expected}."))
        elif columns.count(name) > 1:
            problems.append(Problem(filename, 1, f"column “{name}” appears more than once."))
    if problems:
        return [], list(dict.fromkeys(problems))
    rows: list[Row] = []
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(filename, start, f"cannot be read as CSV ({exc})."))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(columns):
            problems.append(
                Problem(
                    filename,
                    line,
                    f"has {len(fields)} field(s) but the header has {len(columns)}. "
                    'A name with a comma needs quotes: "Doe, Jane".',
                )
            )
            continue
        too_long = [c for c, f in zip(columns, fields, strict=True) if len(f) > MAX_FIELD]
        if too_long:
            problems.append(
                Problem(filename, line, f"{too_long[0]} is longer than {MAX_FIELD} characters.")
            )
            continue
        rows.append(Row(line, {c: f.strip() for c, f in zip(columns, fields, strict=True)}))
        if len(rows) > MAX_ROWS:
            problems.append(Problem(filename, line, f"more than {MAX_ROWS} rows; split the file."))
            break
    return rows, problems


def cycles(parent_of: dict[str, str]) -> list[list[str]]:
    """Each circle in a child → parent map, once, starting from its smallest member."""
    found: list[list[str]] = []
    done: set[str] = set()
    for start in sorted(parent_of):
        path: list[str] = []
        node = start
        while node and node not in done and node not in path:
            path.append(node)
            node = parent_of.get(node, "")
        if node and node in path:
            cycle = path[path.index(node) :]
            pivot = cycle.index(min(cycle))
            found.append(cycle[pivot:] + cycle[:pivot])
        done.update(path)
    return found
