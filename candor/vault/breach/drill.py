"""The breach drill: what an attacker holding a copy of the database can read.

Without the KEK and the pseudonym secret, table by table: plaintext personal fields (expected
where people are managed), readable signal values (expected: none) and links from signal
rows to people (expected: none). See docs/privacy.md, "Breach drill", for what it checks and
what it cannot.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from candor.vault.breach import classify as cl
from candor.vault.breach.source import Column, ForeignKey, Source

JOIN_WINDOW = timedelta(minutes=5)
_HASHES = ("md5", "sha1", "sha256", "sha512")


@dataclass
class TableData:
    name: str
    columns: list[Column]
    fks: list[ForeignKey]
    count: int
    rows: list[tuple[Any, ...]]

    def values(self, index: int) -> list[Any]:
        return [row[index] for row in self.rows if row[index] is not None]

    def index(self, column: str) -> int:
        return [c.name for c in self.columns].index(column)


@dataclass
class TableReport:
    table: str
    rows: int
    sampled: int
    personal: dict[str, int] = field(default_factory=dict)
    sealed: dict[str, int] = field(default_factory=dict)
    readable_signals: dict[str, int] = field(default_factory=dict)
    signal_fields: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    structural_signal_table: bool = False

    @property
    def signal_bearing(self) -> bool:
        return bool(self.sealed or self.readable_signals or self.structural_signal_table)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rows": self.rows,
            "rows_examined": self.sampled,
            "signal_table": self.signal_bearing,
            "personal_plaintext": self.personal,
            "sealed_values": self.sealed,
            "readable_signal_values": self.readable_signals,
            "readable_signal_fields": sorted(self.signal_fields),
            "links_to_people": self.links,
            "notes": self.notes,
        }


@dataclass
class DrillReport:
    database: str
    max_rows: int
    tables: list[TableReport]

    @property
    def readable_signal_values(self) -> int:
        return sum(sum(t.readable_signals.values()) for t in self.tables)

    @property
    def links(self) -> int:
        return sum(len(t.links) for t in self.tables)

    @property
    def passed(self) -> bool:
        return self.readable_signal_values == 0 and self.links == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "attacker_has": "a copy of the database; not the KEK, not the pseudonym secret",
            "max_rows_examined_per_table": self.max_rows,
            "summary": {
                "tables": len(self.tables),
                "signal_tables": sum(t.signal_bearing for t in self.tables),
                "sealed_values": sum(sum(t.sealed.values()) for t in self.tables),
                "readable_signal_values": self.readable_signal_values,
                "links_to_people": self.links,
                "tables_with_personal_plaintext": [t.table for t in self.tables if t.personal],
                "passed": self.passed,
            },
            "tables": [t.as_dict() for t in self.tables],
        }


def run_drill(source: Source, max_rows: int = 10_000) -> DrillReport:
    data = {
        name: TableData(
            name,
            source.columns(name),
            source.foreign_keys(name),
            source.count(name),
            source.sample(name, max_rows),
        )
        for name in source.tables()
    }
    people = {name for name, d in data.items() if _is_person_table(d)}
    reports = {name: _scan(d) for name, d in data.items()}
    identifiers = _person_identifiers(data, people)
    for name, report in reports.items():
        if not report.signal_bearing:
            continue
        d = data[name]
        report.links += _fk_links(name, data, people)
        report.links += _column_links(d)
        report.links += _derived_pseudonym_links(d, identifiers)
        report.links += _cooccurrence_links(d, data, reports, people)
        report.links += _join_links(d, data, people, report)
    return DrillReport(source.label, max_rows, [reports[n] for n in sorted(reports)])


def _is_person_table(d: TableData) -> bool:
    return any(cl.PERSON_COLUMNS.match(c.name.lower()) for c in d.columns)


def _text_of(value: Any) -> list[str]:
    raw = cl.as_bytes(value)
    if raw is not None:
        return cl.decodings(raw)
    if isinstance(value, dict | list):
        return [json.dumps(value)]
    if isinstance(value, str) and len(value) >= 8:
        return cl.text_decodings(value)
    return []


def _scan(d: TableData) -> TableReport:
    report = TableReport(d.name, d.count, len(d.rows))
    names = [c.name for c in d.columns]
    signal_cols = set(cl.signal_columns(names))
    report.structural_signal_table = bool(signal_cols) or {"owner", "period", "blob"} <= {
        n.lower() for n in names
    }
    for i, column in enumerate(d.columns):
        values = d.values(i)
        emails = sum(1 for v in values if isinstance(v, str) and cl.EMAIL_RE.search(v))
        if emails or (values and cl.PERSON_COLUMNS.match(column.name.lower())):
            report.personal[column.name] = emails or len(values)
        if column.name in signal_cols and values:
            report.readable_signals[column.name] = len(values)
            report.signal_fields.add(column.name.lower())
            continue
        sealed = readable = 0
        for value in values:
            raw = cl.as_bytes(value)
            if raw is not None and cl.looks_sealed(raw):
                sealed += 1
                continue
            for text in _text_of(value):
                keys = cl.signal_keys_in_text(text)
                if keys:
                    readable += 1
                    report.signal_fields |= keys
                    person_keys = cl.person_keys_in_text(text)
                    if person_keys:
                        report.links.append(
                            f"values of {column.name} carry person references next to the "
                            f"signals: {', '.join(sorted(person_keys))}"
                        )
                    break
        if sealed:
            report.sealed[column.name] = sealed
        if readable:
            report.readable_signals[column.name] = readable
    report.links = sorted(set(report.links))
    generic = cl.generic_signal_columns(names)
    if generic and not signal_cols:
        report.notes.append(
            f"column(s) {', '.join(generic)} share a name with a signal field but stand alone; "
            "not counted as signals — check they are not interaction signals"
        )
    if {"wrapped", "kek_version"} <= {n.lower() for n in names}:
        report.notes.append(
            "wrapped data keys are stored in this database: the key store should be a separate "
            "database, or restoring this copy brings erased learners' keys back"
        )
    return report


def _person_ref_columns(d: TableData, people: set[str]) -> list[str]:
    """Columns of ``d`` that name a person directly (FK to a person table, or by name)."""
    refs = [fk.column for fk in d.fks if fk.table in people]
    refs += [c.name for c in d.columns if cl.PERSON_REF_COLUMNS.match(c.name.lower())]
    if d.name in people:
        refs += [c.name for c in d.columns if c.primary_key]
    return list(dict.fromkeys(refs))


def _fk_links(start: str, data: dict[str, TableData], people: set[str]) -> list[str]:
    """Foreign-key paths (up to three hops) from a signal table to a table of people."""
    links = []
    for fk in data[start].fks:
        queue: deque[tuple[str, list[str]]] = deque(
            [(fk.table, [f"{start}.{fk.column} → {fk.table}"])]
        )
        seen = {start}
        while queue:
            table, path = queue.popleft()
            if table in people:
                links.append("foreign key path to people: " + " → ".join(path))
                break
            if table in seen or table not in data or len(path) >= 3:
                continue
            seen.add(table)
            for nxt in data[table].fks:
                queue.append((nxt.table, [*path, f"{table}.{nxt.column} → {nxt.table}"]))
    return links


def _column_links(d: TableData) -> list[str]:
    links = []
    fk_columns = {fk.column for fk in d.fks}
    for i, column in enumerate(d.columns):
        if column.name in fk_columns or not d.values(i):
            continue
        if cl.PERSON_REF_COLUMNS.match(column.name.lower()):
            links.append(f"column {column.name} names people (user ids or emails in clear)")
        elif cl.PERSON_COLUMNS.match(column.name.lower()):
            links.append(f"column {column.name} holds personal data in clear next to signals")
    return links


def _person_identifiers(data: dict[str, TableData], people: set[str]) -> dict[str, str]:
    """Everything an attacker can derive from people's ids without a secret: id -> how."""
    found: dict[str, str] = {}
    for name in people:
        d = data[name]
        for i, column in enumerate(d.columns):
            if not (column.primary_key or cl.PERSON_COLUMNS.match(column.name.lower())):
                continue
            for value in d.values(i):
                text = str(value)
                for variant in {text, text.lower()}:
                    found.setdefault(variant, f"{name}.{column.name} in clear")
                    for algo in _HASHES:
                        digest = hashlib.new(algo, variant.encode()).hexdigest()
                        found.setdefault(digest, f"unkeyed {algo} of {name}.{column.name}")
    return found


def _owner_like(d: TableData) -> list[int]:
    """Text columns of a signal table that could name its owner (not blobs, ids, periods)."""
    skip = {"period", "key_version", "blob"}
    return [
        i
        for i, c in enumerate(d.columns)
        if c.name.lower() not in skip
        and not c.primary_key
        and any(isinstance(v, str) for v in d.values(i))
    ]


def _derived_pseudonym_links(d: TableData, identifiers: dict[str, str]) -> list[str]:
    links = []
    by_length: dict[int, dict[str, str]] = {}
    for i in _owner_like(d):
        values = {str(v) for v in d.values(i)}
        for length in {len(v) for v in values}:
            if length not in by_length:
                by_length[length] = {
                    k[:length]: how
                    for k, how in identifiers.items()
                    if len(k) >= length and (length >= 16 or len(k) == length)
                }
        hits = {v: by_length[len(v)][v] for v in values if v in by_length[len(v)]}
        if hits:
            how = sorted(set(hits.values()))[0]
            links.append(
                f"{len(hits)} value(s) of {d.columns[i].name} are computable without a key ({how})"
            )
    return links


def _cooccurrence_links(
    d: TableData, data: dict[str, TableData], reports: dict[str, TableReport], people: set[str]
) -> list[str]:
    """Another table that lists the same pseudonyms next to a person reference."""
    owners: set[str] = set()
    for i in _owner_like(d):
        owners |= {v for v in d.values(i) if isinstance(v, str) and len(v) >= 8}
    if not owners:
        return []
    links = []
    for name, other in data.items():
        if name == d.name or reports[name].signal_bearing:
            continue
        refs = _person_ref_columns(other, people) or (
            list(reports[name].personal) if reports[name].personal else []
        )
        if not refs:
            continue
        for i, column in enumerate(other.columns):
            shared = owners & {v for v in other.values(i) if isinstance(v, str)}
            if shared:
                links.append(
                    f"{name}.{column.name} repeats {len(shared)} pseudonym(s) of this table "
                    f"next to {', '.join(refs)}: the pseudonyms can be mapped to people"
                )
    return links


def _time_columns(d: TableData) -> list[int]:
    out = []
    for i, column in enumerate(d.columns):
        values = d.values(i)[:50]
        by_name = bool(cl.TIME_COLUMNS.search(column.name.lower()))
        by_value = bool(values) and all(cl.as_datetime(v) is not None for v in values)
        if (by_name or by_value) and any(cl.as_datetime(v) for v in values):
            out.append(i)
    return out


def _exercise_columns(d: TableData) -> list[int]:
    return [
        i
        for i, c in enumerate(d.columns)
        if cl.EXERCISE_COLUMNS.search(c.name.lower()) and not c.primary_key and d.values(i)
    ]


def _join_links(
    d: TableData, data: dict[str, TableData], people: set[str], report: TableReport
) -> list[str]:
    """DESIGN-NOTES §1: plaintext exercise and time columns join a signal row to a person."""
    times, exercises = _time_columns(d), _exercise_columns(d)
    if not times and not exercises:
        return []
    links: list[str] = []
    ex_names = {d.columns[i].name for i in exercises}
    if times and exercises:
        links.append(
            f"plaintext {', '.join(sorted(ex_names))} and "
            f"{', '.join(d.columns[i].name for i in times)} can be joined to who did what when"
        )
    elif exercises:
        report.notes.append(
            f"plaintext {', '.join(sorted(ex_names))} narrows rows down to who was assigned it"
        )
    for name, other in data.items():
        if name == d.name:
            continue
        refs = _person_ref_columns(other, people)
        other_times = _time_columns(other)
        if not refs or not other_times:
            continue
        shared = ex_names & {c.name for c in other.columns}
        matched = _unique_matches(d, other, times, other_times, sorted(shared), refs[0])
        if matched:
            on = ", ".join([*sorted(shared), "time"])
            links.append(
                f"{matched} row(s) join to exactly one person in {name} on ({on}) "
                f"within {int(JOIN_WINDOW.total_seconds())} s"
            )
    return links


def _unique_matches(
    d: TableData,
    other: TableData,
    times: list[int],
    other_times: list[int],
    shared: list[str],
    person_col: str,
) -> int:
    person_i = other.index(person_col)
    key_d = [d.index(c) for c in shared]
    key_o = [other.index(c) for c in shared]
    index: dict[tuple[Any, ...], list[tuple[datetime, Any]]] = {}
    for row in other.rows:
        for ti in other_times:
            moment = cl.as_datetime(row[ti])
            if moment is not None:
                key = tuple(str(row[k]) for k in key_o)
                index.setdefault(key, []).append((cl.naive_utc(moment), row[person_i]))
    for entries in index.values():
        entries.sort(key=lambda e: e[0])
    matched = 0
    for row in d.rows:
        entries = index.get(tuple(str(row[k]) for k in key_d), [])
        if not entries:
            continue
        stamps = [e[0] for e in entries]
        persons = set()
        for ti in times:
            moment = cl.as_datetime(row[ti])
            if moment is None:
                continue
            moment = cl.naive_utc(moment)
            lo = bisect.bisect_left(stamps, moment - JOIN_WINDOW)
            hi = bisect.bisect_right(stamps, moment + JOIN_WINDOW)
            persons |= {e[1] for e in entries[lo:hi]}
        matched += len(persons) == 1
    return matched


def render_text(report: DrillReport) -> str:
    lines = [
        f"Breach drill on {report.database}",
        "Attacker holds: a copy of this database. Not the KEK, not the pseudonym secret.",
        f"(at most {report.max_rows} rows examined per table)" if report.max_rows > 0 else "",
        "",
    ]
    for t in report.tables:
        kind = "signal table" if t.signal_bearing else "table"
        lines.append(f"{t.table}  ({kind}, {t.rows} rows)")
        if t.personal:
            cols = ", ".join(f"{c} ({n})" for c, n in sorted(t.personal.items()))
            lines.append(f"    personal plaintext: {cols}")
        if t.sealed:
            cols = ", ".join(f"{c} ({n})" for c, n in sorted(t.sealed.items()))
            lines.append(f"    sealed, unreadable without the KEK: {cols}")
        if t.readable_signals:
            cols = ", ".join(f"{c} ({n})" for c, n in sorted(t.readable_signals.items()))
            lines.append(
                f"    READABLE SIGNAL VALUES: {cols}; fields: {', '.join(sorted(t.signal_fields))}"
            )
        elif t.signal_bearing:
            lines.append("    readable signal values: none")
        for link in t.links:
            lines.append(f"    LINK TO PEOPLE: {link}")
        if t.signal_bearing and not t.links:
            lines.append("    links to people: none")
        for note in t.notes:
            lines.append(f"    note: {note}")
        if not (t.personal or t.signal_bearing or t.notes):
            lines.append("    nothing personal, no signals")
    lines += [
        "",
        f"Readable signal values: {report.readable_signal_values}   "
        f"Links from signal rows to people: {report.links}   "
        f"Tables with personal plaintext: {sum(1 for t in report.tables if t.personal)}",
        "PASSED: a copy of this database reveals no signal and no link from signals to people."
        if report.passed
        else "FAILED: a copy of this database reveals signals or links them to people.",
    ]
    return "\n".join(line for i, line in enumerate(lines) if line or i > 2)
