"""A released report, assembled for the ledger: per exercise, per module and for the course.

Input is only what ``dp.release`` let out; the output is what the ledger stores and every page
and CSV shows again without spending budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from candor.catalog.models import Exercise
from candor.insights import postprocess as pp
from candor.insights.dp import Released
from candor.insights.metrics import METRIC_BY_NAME

RESULT_VERSION = 1


def _meta(ex: Exercise) -> dict[str, Any]:
    return {
        "id": ex.pk,
        "slug": ex.slug,
        "title": ex.title,
        "kind": ex.kind,
        "module_id": ex.module_id,
        "module": ex.module.title,
        "module_slug": ex.module.slug,
    }


def _group(
    parts: list[dict[str, Any]], codes: list[dict[str, Any]], metrics: Sequence[str]
) -> dict[str, Any]:
    if not parts:
        return {"withheld": True}
    sums = pp.combine(parts)
    plain = [n for n in metrics if not METRIC_BY_NAME[n].code_only]
    values = pp.derive(sums, plain, code=False)
    if codes and "repeated_error_density" in metrics:
        values.update(pp.derive(pp.combine(codes), ["repeated_error_density"], code=True))
    return {"withheld": False, "learner_exercises": pp.learners(sums), "values": values}


def build(released: Released, exercises: Sequence[Exercise], metrics: Sequence[str]
          ) -> dict[str, Any]:  # fmt: skip
    rows: list[dict[str, Any]] = []
    by_module: dict[int, tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = {}
    every: list[dict[str, Any]] = []
    codes: list[dict[str, Any]] = []
    for ex in exercises:
        sums = released.sums.get(ex.pk)
        row = _meta(ex)
        if sums is None:
            row.update(withheld=True, reason=released.reasons.get(ex.pk, "Withheld"))
        else:
            code = ex.kind == "code"
            row.update(
                withheld=False,
                learners=pp.learners(sums),
                values=pp.derive(sums, metrics, code=code),
                sums=sums,
            )
            entry = by_module.setdefault(ex.module_id, (ex.module.title, [], []))
            entry[1].append(sums)
            every.append(sums)
            if code:
                entry[2].append(sums)
                codes.append(sums)
        rows.append(row)
    course = _group(every, codes, metrics)
    modules = [
        {"id": mid, "title": title, **_group(parts, mcodes, metrics)}
        for mid, (title, parts, mcodes) in by_module.items()
    ]
    _flag_hard(rows, course)
    return {
        "version": RESULT_VERSION,
        "metrics": list(metrics),
        "confidence": 0.95,
        "noise_scale": released.noise_scale,
        "sensitivity": released.sensitivity,
        "epsilon": released.epsilon,
        "delta": released.delta,
        "exercises": rows,
        "modules": modules,
        "course": course,
    }


def _flag_hard(rows: list[dict[str, Any]], course: dict[str, Any]) -> None:
    """An exercise is *clearly harder* when even the top of its pass rate's 95 % interval is
    below the course's pass rate (falling back to completion rate)."""
    for name in ("pass_rate", "completion_rate"):
        overall = course.get("values", {}).get(name, {})
        if "value" not in overall:
            continue
        for row in rows:
            est = row.get("values", {}).get(name, {})
            row["hard"] = bool("high" in est and est["high"] < overall["value"])
        return
    for row in rows:
        row["hard"] = False
