"""What a value or a column name gives away: the breach drill's pattern knowledge.

Kept apart from the walk over tables so each rule can be read (and tested) on its own.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import zlib
from datetime import date, datetime
from typing import Any

from candor.vault.envelope import FORMAT_VERSION, HEADER_BYTES, MIN_BLOB_BYTES

# PRODUCT.md §4: the interaction-signal summary. Names specific enough to mean a signal on
# their own; the generic ones (a "runs" column could count anything) only count next to one.
STRONG_SIGNAL_FIELDS = frozenset(
    {
        "time_on_task_ms",
        "active_ms",
        "idle_ms",
        "break_ms",
        "hidden_ms",
        "focus_losses",
        "keystrokes",
        "typing_speed_cpm",
        "correction_rate",
        "undo_count",
        "pastes",
        "pasted_chars",
    }
)
GENERIC_SIGNAL_FIELDS = frozenset({"pauses", "insertions", "deletions", "runs", "submissions"})
SIGNAL_FIELDS = STRONG_SIGNAL_FIELDS | GENERIC_SIGNAL_FIELDS

PERSON_COLUMNS = re.compile(
    r"^(e_?mail|email_address|full_name|first_name|last_name|given_name|family_name|"
    r"display_name|username|user_name|phone|phone_number|ip_address|ip)$"
)
PERSON_REF_COLUMNS = re.compile(
    r"^(user|learner|person|subject|account|employee|member|student)(_id|_pk|_email)?$|"
    r"^(user_id|userid|email|username)$"
)
EXERCISE_COLUMNS = re.compile(r"(exercise|lesson|module|question|item|task|attempt)")
TIME_COLUMNS = re.compile(
    r"(_at|_on|_time|^time|timestamp|^date|_date|^created|^updated|^started|^submitted)$"
)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_BASE64_RE = re.compile(r"[A-Za-z0-9+/=_\-]{24,}")
_SIGNAL_KEY_RE = re.compile(
    r"[\"']?\b(" + "|".join(sorted(SIGNAL_FIELDS)) + r")\b[\"']?\s*[:=]\s*[\"']?-?\d"
)
_MAX_INFLATED = 1 << 20
_DATETIME_RE = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d")


def signal_columns(names: list[str]) -> list[str]:
    """Column names that hold signal values (generic names only next to a specific one)."""
    strong = [n for n in names if n.lower() in STRONG_SIGNAL_FIELDS]
    generic = [n for n in names if n.lower() in GENERIC_SIGNAL_FIELDS]
    return strong + generic if strong or len(generic) >= 2 else []


def generic_signal_columns(names: list[str]) -> list[str]:
    return [n for n in names if n.lower() in GENERIC_SIGNAL_FIELDS]


def _json_keys(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(str(key).lower())
            _json_keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _json_keys(inner, found)


def signal_keys_in_text(text: str) -> set[str]:
    """Signal field names readable in a text value (JSON keys or ``name: number`` pairs)."""
    lowered = text.lower()
    if not any(name in lowered for name in SIGNAL_FIELDS):
        return set()
    keys: set[str] = set()
    stripped = text.strip()
    if stripped[:1] in "{[":
        with contextlib.suppress(ValueError):
            _json_keys(json.loads(stripped), keys)
    keys |= {m.group(1) for m in _SIGNAL_KEY_RE.finditer(lowered)}
    found = keys & SIGNAL_FIELDS
    return found if signal_columns(sorted(found)) else set()


def person_keys_in_text(text: str) -> set[str]:
    """JSON keys that point at a person, inside a value that also carries signals."""
    stripped = text.strip()
    if stripped[:1] not in "{[":
        return set()
    keys: set[str] = set()
    try:
        _json_keys(json.loads(stripped), keys)
    except ValueError:
        return set()
    return {k for k in keys if PERSON_REF_COLUMNS.match(k) or PERSON_COLUMNS.match(k)}


def printable_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    printable = sum(1 for b in data if 32 <= b < 127 or b in (9, 10, 13))
    return printable / len(data)


def looks_sealed(data: bytes) -> bool:
    """A vault blob: our header, enough length, and bytes that look random, not text."""
    if len(data) < MIN_BLOB_BYTES or data[0] != FORMAT_VERSION:
        return False
    if int.from_bytes(data[3:HEADER_BYTES], "big") == 0:
        return False
    body = data[HEADER_BYTES:]
    # Random bytes are ~37 % printable ASCII; text is ~100 %. Short bodies vary more.
    return printable_ratio(body) < (0.75 if len(body) < 64 else 0.6)


def decodings(data: bytes) -> list[str]:
    """Every way an attacker would try to read a binary value: as text, unzipped, unbased."""
    out: list[str] = []
    candidates = [data]
    for wbits in (zlib.MAX_WBITS, 16 + zlib.MAX_WBITS):  # zlib, gzip
        with contextlib.suppress(zlib.error):
            # Bounded: a value that inflates without end is not worth reading whole.
            candidates.append(zlib.decompressobj(wbits).decompress(data, _MAX_INFLATED))
    for candidate in candidates:
        if printable_ratio(candidate) > 0.9:
            out.append(candidate.decode("utf-8", "replace"))
    return out


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def text_decodings(text: str) -> list[str]:
    """The text itself, and what it says if it is base64 or hex of something readable."""
    out = [text]
    stripped = text.strip()
    if _BASE64_RE.fullmatch(stripped):
        for decode in (_b64, _b64url, bytes.fromhex):
            try:
                raw = decode(stripped)
            except (binascii.Error, ValueError):
                continue
            out.extend(decodings(raw))
    return out


def as_bytes(value: Any) -> bytes | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, memoryview):
        return value.tobytes()
    return None


def as_datetime(value: Any) -> datetime | None:
    """A timestamp an attacker could join on (dates without a time are too coarse)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    if isinstance(value, date):
        return None
    if isinstance(value, str) and _DATETIME_RE.match(value):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed
    return None


def naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    from datetime import UTC

    return moment.astimezone(UTC).replace(tzinfo=None)
