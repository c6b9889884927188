"""Calendar quarters: the period of a course's privacy budget and of its running totals."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

# "2026-Q4", "2026q4", "2026 Q4", "Q4-2026", "q4 2026"
_FORMS = (
    re.compile(r"(?P<y>\d{4})\s*[-/ ]?\s*q(?P<q>[1-4])"),
    re.compile(r"q(?P<q>[1-4])\s*[-/ ]?\s*(?P<y>\d{4})"),
)
YEARS = range(2000, 2101)


class BadQuarter(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    def __str__(self) -> str:
        return f"{self.year}-Q{self.q}"

    @property
    def label(self) -> str:
        return f"Q{self.q} {self.year}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    @property
    def renews_on(self) -> dt.date:
        """The day this quarter's budget is replaced by the next quarter's."""
        return self.next.start

    @property
    def vault_period(self) -> str:
        """The vault period its running totals are sealed in: the quarter's last month, so
        the purge drops them with that month (docs/privacy.md, "Insights")."""
        return f"{self.year:04d}-{3 * self.q:02d}"

    @classmethod
    def of(cls, day: dt.date | dt.datetime | None = None) -> Quarter:
        if day is None:
            day = timezone.now()
        if isinstance(day, dt.datetime):
            day = day.astimezone(dt.UTC).date() if timezone.is_aware(day) else day.date()
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def of_period(cls, period: str) -> Quarter:
        """The quarter of a vault period ("2026-11" → 2026-Q4)."""
        match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", period or "")
        if not match:
            raise BadQuarter(f"{period!r} is not a period like 2026-11")
        return cls(int(match[1]), (int(match[2]) - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        cleaned = (text or "").strip().lower()
        for form in _FORMS:
            match = form.fullmatch(cleaned)
            if match and int(match["y"]) in YEARS:
                return cls(int(match["y"]), int(match["q"]))
        raise BadQuarter(f"'{text[:20]}' is not a quarter: write it like 2026-Q4.")

    def recent(self, count: int = 4) -> list[Quarter]:
        """This quarter and the ones before it, newest first."""
        out: list[Quarter] = [self]
        while len(out) < count:
            out.append(out[-1].previous)
        return out
