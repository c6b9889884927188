"""Post-processing of released numbers: rates, medians, 95 % intervals and roll-ups.

Everything here reads only what ``dp.release`` let out (noisy sums and their noise scale), so
it costs no privacy budget: DP is closed under post-processing. Intervals describe the noise
added (the uncertainty an author has about the exact statistic of the contributing learners),
computed from the known noise scale: the delta method for ratios, test inversion for the
median of the noisy time histogram.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from candor.insights import metrics as m

Z95 = 1.959963984540054
RANGES: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0),
    "ratio": (0.0, math.inf),
    "seconds": (0.0, float(m.TIME_CAP_S)),
}
METRIC_RANGES = {"attempts_to_pass": (1.0, float(m.ATTEMPTS_MAX)),
                 "mean_correction_rate": (0.0, m.CORRECTION_MAX),
                 "repeated_error_density": (0.0, m.RED_MAX)}  # fmt: skip


def _clip(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


def estimate(value: float, sd: float, low: float, high: float) -> dict[str, float]:
    return {
        "value": _clip(value, low, high),
        "low": _clip(value - Z95 * sd, low, high),
        "high": _clip(value + Z95 * sd, low, high),
        "sd": sd,
    }


def ratio(num: Sequence[float], den: Sequence[float], low: float, high: float) -> dict[str, Any]:
    """num/den with a delta-method interval; both are [noisy value, noise sd]."""
    (a, sa), (b, sb) = num, den
    if b <= 0:
        return {"withheld": "Too few learners after noise"}
    r = a / b
    sd = math.sqrt(sa * sa + r * r * sb * sb) / b
    return estimate(r, sd, low, high)


def median_time(hist: Sequence[float], sd: float) -> dict[str, Any]:
    """Median of the noisy time histogram, with a test-inversion interval.

    ``D(x) = 2·C(x) − N`` (learners below x minus learners above x, interpolated inside a
    bin) is 0 at the median; its noise has a standard deviation of at most ``sd·√bins``. The
    interval is every x where ``|D(x)|`` stays within 1.96 of those: a point outside it would
    need noise beyond the 95 % band. ``D`` is made monotone first (noise can dent it).
    """
    h = np.asarray(hist, dtype=float)
    total = float(h.sum())
    if total <= 0:
        return {"withheld": "Too few learners after noise"}
    d = np.maximum.accumulate(2 * np.concatenate([[0.0], np.cumsum(h)]) - total)
    edges = np.array([*m.TIME_EDGES, m.TIME_CAP_S], dtype=float)
    band = Z95 * sd * math.sqrt(h.size)

    def crossing(level: float) -> float:
        j = int(np.searchsorted(d, level, side="left"))
        if j <= 0:
            return float(edges[0])
        if j >= d.size:
            return float(edges[-1])
        step = d[j] - d[j - 1]
        frac = (level - d[j - 1]) / step if step > 0 else 0.0
        return float(edges[j - 1] + frac * (edges[j] - edges[j - 1]))

    low, value, high = crossing(-band), crossing(0.0), crossing(band)
    return {"value": value, "low": low, "high": high, "sd": (high - low) / (2 * Z95)}


def derive(sums: Mapping[str, Any], metrics: Iterable[str], *, code: bool) -> dict[str, Any]:
    """The metrics of one exercise (or a group) from its released sums."""
    out: dict[str, Any] = {}
    for name in metrics:
        metric = m.METRIC_BY_NAME[name]
        if metric.code_only and not code:
            continue
        if metric.numerator == "hist":
            out[name] = median_time(sums["hist"][0], sums["hist"][1])
            continue
        if metric.numerator not in sums or metric.denominator not in sums:
            out[name] = {"withheld": "Fewer learners passed than the minimum group size"}
            continue
        low, high = METRIC_RANGES.get(name, RANGES[metric.unit])
        out[name] = ratio(sums[metric.numerator], sums[metric.denominator], low, high)
    return out


def learners(sums: Mapping[str, Any]) -> dict[str, float]:
    value, sd = sums["n"]
    return estimate(value, sd, 0.0, math.inf)


def combine(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Sum released sums over several exercises (variances add: the noises are independent)."""
    out: dict[str, Any] = {}
    for sums in parts:
        for slot, (value, sd) in sums.items():
            if slot == "hist":
                prev = out.get("hist", [[0.0] * m.HIST_BINS, 0.0])
                out["hist"] = [[x + y for x, y in zip(prev[0], value, strict=True)],
                               math.hypot(prev[1], sd)]  # fmt: skip
            else:
                prev = out.get(slot, [0.0, 0.0])
                out[slot] = [prev[0] + value, math.hypot(prev[1], sd)]
    # A slot withheld for one exercise (attempts) must not be summed over the others only.
    for slot in list(out):
        if any(slot not in sums for sums in parts):
            del out[slot]
    return out
