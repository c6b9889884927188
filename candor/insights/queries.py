"""A report request, parsed strictly and reduced to its canonical form.

Two requests that mean the same thing — metrics in another order, "Pass Rate" for
``pass_rate``, ``2026q4`` for ``2026-Q4`` — have the same canonical key, so rewording a query
finds the release already in the ledger instead of buying a fresh one with more budget.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import Http404, QueryDict
from django.utils import timezone

from candor.catalog.models import Module, Track
from candor.insights.metrics import ALL_METRICS, METRIC_BY_NAME
from candor.insights.quarters import BadQuarter, Quarter

ALLOWED = ("quarter", "module", "metrics", "refresh")
IGNORED = ("csrfmiddlewaretoken",)
MAX_VALUE = 300
ALIASES = {
    "pass": "pass_rate", "passed": "pass_rate", "passrate": "pass_rate",
    "completion": "completion_rate", "completed": "completion_rate",
    "attempts": "attempts_to_pass", "attempts_until_pass": "attempts_to_pass",
    "time": "median_time", "time_on_task": "median_time", "median_time_on_task": "median_time",
    "idle": "idle_share", "idle_time": "idle_share",
    "correction": "mean_correction_rate", "corrections": "mean_correction_rate",
    "correction_rate": "mean_correction_rate",
    "paste": "paste_share", "pastes": "paste_share", "pasting": "paste_share",
    "hint": "hint_uptake", "hints": "hint_uptake", "hint_use": "hint_uptake",
    "red": "repeated_error_density", "repeated_errors": "repeated_error_density",
}  # fmt: skip


class QueryError(ValueError):
    """A malformed parameter: the message says what is wrong and what would be right."""


@dataclass(frozen=True)
class ReportQuery:
    track: Track
    module: Module | None
    metrics: tuple[str, ...]
    quarter: Quarter
    refresh: bool = False

    @property
    def base(self) -> str:
        """Everything that identifies the released numbers, in one fixed spelling."""
        scope = self.module.pk if self.module else "all"
        return (
            f"v1;track={self.track.pk};scope={scope};quarter={self.quarter};"
            f"metrics={','.join(self.metrics)}"
        )

    def key(self, edition: int) -> str:
        return hashlib.sha256(f"{self.base};edition={edition}".encode()).hexdigest()

    def params(self) -> dict[str, str]:
        """The canonical query string (links, forms and the CSV export use it)."""
        out = {"quarter": str(self.quarter)}
        if self.module:
            out["module"] = self.module.slug
        if self.metrics != ALL_METRICS:
            out["metrics"] = ",".join(self.metrics)
        return out


def _metric(word: str) -> str:
    name = re.sub(r"[\s\-]+", "_", word.strip().lower())
    name = ALIASES.get(name, name)
    if name not in METRIC_BY_NAME:
        raise QueryError(f"Unknown metric '{word[:40]}'. Choose from: {', '.join(ALL_METRICS)}.")
    return name


def parse_metrics(values: list[str]) -> tuple[str, ...]:
    words = [w for v in values for w in re.split(r"[,+;]", v) if w.strip()]
    chosen = {_metric(w) for w in words}
    # Canonical order: the order of METRICS, whatever order they were asked in.
    return tuple(name for name in ALL_METRICS if name in chosen) or ALL_METRICS


def parse_flag(value: str) -> bool:
    text = value.strip().lower()
    if text in {"", "0", "false", "no", "off"}:
        return False
    if text in {"1", "true", "yes", "on"}:
        return True
    raise QueryError("refresh must be 1 or 0.")


def parse_query(track: Track, data: QueryDict | Mapping[str, Any]) -> ReportQuery:
    """Validate every parameter; unknown ones are refused rather than silently ignored."""
    getlist = data.getlist if isinstance(data, QueryDict) else (lambda k: [str(data[k])])
    for key in data:
        if key in IGNORED:
            continue
        if key not in ALLOWED:
            raise QueryError(f"Unknown parameter '{key[:40]}'. Allowed: {', '.join(ALLOWED)}.")
        if any(len(v) > MAX_VALUE for v in getlist(key)):
            raise QueryError(f"The parameter '{key}' is too long.")
    current = Quarter.of(timezone.now())
    quarter = current
    if data.get("quarter"):
        try:
            quarter = Quarter.parse(str(data.get("quarter")))
        except BadQuarter as exc:
            raise QueryError(str(exc)) from None
        if quarter > current:
            raise QueryError(f"{quarter.label} has not started yet.")
    module = None
    slug = str(data.get("module") or "").strip()
    if slug and slug != "all":
        if not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", slug):
            raise QueryError("module must be a module's short name (letters, digits, dashes).")
        module = Module.objects.filter(track=track, slug=slug, is_retired=False).first()
        if module is None:
            raise Http404
    metrics = parse_metrics(getlist("metrics") if "metrics" in data else [])
    refresh = parse_flag(str(data.get("refresh") or ""))
    return ReportQuery(track, module, metrics, quarter, refresh)
