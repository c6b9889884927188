"""Released numbers as people read them: formatted values, a heat map, chart data.

Only ledger content (released, noisy numbers) comes in here.
"""

from __future__ import annotations

from typing import Any

from candor.insights.metrics import METRIC_BY_NAME, Metric

HEAT_LEVELS = 5


def fmt(metric: Metric, value: float) -> str:
    if metric.unit == "share":
        return f"{100 * value:.0f} %"
    if metric.unit == "seconds":
        seconds = round(value)
        return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
    return f"{value:.1f}" if metric.name == "attempts_to_pass" else f"{value:.2f}"


def cell(name: str, est: dict[str, Any] | None) -> dict[str, Any]:
    metric = METRIC_BY_NAME[name]
    if not est:
        return {"name": name, "text": "n/a", "withheld": "Not measured for this exercise"}
    if "value" not in est:
        return {"name": name, "text": "—", "withheld": est.get("withheld", "Withheld")}
    return {
        "name": name,
        "value": est["value"],
        "text": fmt(metric, est["value"]),
        "interval": f"{fmt(metric, est['low'])} – {fmt(metric, est['high'])}",
        "noise": fmt(metric, est["sd"]) if metric.unit != "share" else f"{100 * est['sd']:.1f} pts",
    }


def _heat(rows: list[dict[str, Any]], metrics: list[str]) -> None:
    """Colour each metric's column by value: darker = where learners struggle more, scaled
    between the easiest and the hardest exercise of this report (equal values, equal colour)."""
    for name in metrics:
        metric = METRIC_BY_NAME[name]
        if name == "paste_share":
            continue  # neither good nor bad: left neutral
        cells = [c for r in rows for c in r["cells"] if c["name"] == name and "value" in c]
        sign = 1.0 if metric.higher_is_harder else -1.0
        scores = [sign * c["value"] for c in cells]
        if not scores:
            continue
        low, high = min(scores), max(scores)
        for c, score in zip(cells, scores, strict=True):
            share = (score - low) / (high - low) if high > low else 0.0
            c["heat"] = round((HEAT_LEVELS - 1) * share)


def learners_text(est: dict[str, Any] | None) -> str:
    if not est or "value" not in est:
        return "—"
    return f"≈ {est['value']:.0f} (± {1.96 * est['sd']:.0f})"


def _known(result: dict[str, Any]) -> list[str]:
    """The result's metrics this version knows (a ledger row outlives renamings)."""
    return [n for n in result.get("metrics", []) if n in METRIC_BY_NAME]


def table(result: dict[str, Any]) -> dict[str, Any]:
    metrics = _known(result)
    rows = []
    for ex in result["exercises"]:
        values = ex.get("values", {})
        rows.append(
            {
                "id": ex["id"],
                "title": ex["title"],
                "module": ex["module"],
                "kind": ex["kind"],
                "withheld": ex.get("withheld", False),
                "reason": ex.get("reason", ""),
                "hard": ex.get("hard", False),
                "learners": learners_text(ex.get("learners")),
                "cells": [cell(n, values.get(n)) for n in metrics],
            }
        )
    _heat([r for r in rows if not r["withheld"]], metrics)
    groups = [
        {
            "title": g["title"],
            "withheld": g.get("withheld", False),
            "learners": learners_text(g.get("learner_exercises")),
            "cells": [cell(n, g.get("values", {}).get(n)) for n in metrics],
        }
        for g in [*result["modules"], {"title": "Whole scope", **result["course"]}]
    ]
    return {
        "metrics": [METRIC_BY_NAME[n] for n in metrics],
        "rows": rows,
        "groups": groups,
        "hard": [r for r in rows if r["hard"]],
        "withheld": [r for r in rows if r["withheld"]],
    }


def chart_data(result: dict[str, Any]) -> dict[str, Any]:
    """The data island for frontend/charts.js: per metric, each exercise's interval."""
    out: dict[str, Any] = {}
    for name in _known(result):
        metric = METRIC_BY_NAME[name]
        rows = [
            {
                "label": ex["title"],
                "value": est["value"],
                "low": est["low"],
                "high": est["high"],
                "hard": bool(ex.get("hard")),
            }
            for ex in result["exercises"]
            if (est := ex.get("values", {}).get(name)) and "value" in est
        ]
        if not rows:
            continue
        course = result["course"].get("values", {}).get(name, {})
        out[name] = {
            "label": metric.label,
            "unit": metric.unit,
            "percent": metric.unit == "share",
            "course": course.get("value"),
            "rows": rows,
        }
    default = next((n for n in ("pass_rate", "completion_rate") if n in out), next(iter(out), ""))
    return {"kind": "course-report", "default": default, "metrics": out}
