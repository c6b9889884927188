"""The only place where numbers for authors are released (PRODUCT.md §5 rule 3).

A release takes the exact running totals of a course's exercises, normalises every slot so one
learner moves it by at most 1 (clamping and one contribution per learner per exercise make
that true, see ``metrics.py``), and adds Gaussian noise to the whole vector with one OpenDP
measurement. Its L2 sensitivity is ``sqrt(sum of slots over every exercise in scope)``: a
learner may have worked on every exercise, and the guarantee covers everything they did (add
or remove one learner). The noise scale is calibrated by OpenDP so that the release is
(ε, δ)-DP (zCDP converted with OpenDP's own map); the privacy map is checked again before any
number leaves.

Then the k rule: an exercise whose exact or noisy learner count is below k is withheld, and so
is a mean over passers when fewer than k passed. Everything after the noise — rates,
intervals, medians, roll-ups — is post-processing of released values (``postprocess.py``).

``import opendp.prelude`` takes ~1.5 s, so it happens lazily, in the worker (``warm``).
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from candor.insights import metrics as m

_lock = threading.Lock()
_dp: Any = None


def opendp() -> Any:
    """The OpenDP prelude with contrib features enabled (imported once, on first use)."""
    global _dp
    with _lock:
        if _dp is None:
            import opendp.prelude as prelude

            prelude.enable_features("contrib")
            _dp = prelude
    return _dp


def warm() -> None:
    opendp()


class ReleaseRefused(Exception):
    """Nothing can be released (e.g. no exercise reaches k): no budget is spent."""


@dataclass(frozen=True)
class ExerciseRef:
    id: int
    kind: str


@dataclass(frozen=True)
class Released:
    """What left the mechanism: noisy sums per exercise (None: withheld) and the calibration."""

    sums: dict[int, dict[str, Any] | None]  # slot → [value, sd] ("hist" → [[values], sd])
    reasons: dict[int, str]
    noise_scale: float
    sensitivity: float
    epsilon: float
    delta: float


def layout(exercises: Sequence[ExerciseRef], metrics: Sequence[str]) -> list[tuple[int, str, int]]:
    """The released vector's entries: (exercise id, slot name, histogram bin or -1)."""
    needed = m.slots_for(metrics)
    entries: list[tuple[int, str, int]] = []
    for ex in exercises:
        for slot in m.SLOTS:
            if slot.name not in needed or (slot.name == "red" and ex.kind != "code"):
                continue
            entries.append((ex.id, slot.name, -1))
        if "hist" in needed:
            entries.extend((ex.id, "hist", b) for b in range(m.HIST_BINS))
    return entries


def sensitivity(exercises: Sequence[ExerciseRef], metrics: Sequence[str]) -> float:
    return math.sqrt(sum(m.blocks_per_exercise(metrics, ex.kind) for ex in exercises))


@functools.lru_cache(maxsize=64)
def calibrate(l2_sensitivity: float, epsilon: float, delta: float) -> tuple[float, Any]:
    """The smallest Gaussian scale OpenDP certifies as (ε, δ)-DP at this sensitivity.

    Cached: the search depends only on its three arguments, and each measurement samples
    fresh noise every time it is called."""
    dp = opendp()
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float)

    def make(scale: float) -> Any:
        gaussian = dp.m.make_gaussian(*space, scale=scale)
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gaussian), delta)

    scale = dp.binary_search_param(make, d_in=l2_sensitivity, d_out=(epsilon, delta))
    measurement = make(scale)
    spent_eps, spent_delta = measurement.map(l2_sensitivity)
    if spent_eps > epsilon * (1 + 1e-9) or spent_delta > delta * (1 + 1e-9):
        raise AssertionError("OpenDP's privacy map exceeds the budget of this release")
    return float(scale), measurement


def release(
    totals: Mapping[int, Sequence[int]],
    exercises: Sequence[ExerciseRef],
    metrics: Sequence[str],
    *,
    epsilon: float,
    delta: float,
    min_group: int,
    progress: Callable[[int, str], None] | None = None,
) -> Released:
    """Add calibrated noise to the totals of ``exercises``; withhold groups under k."""
    if min_group < 5:
        raise ValueError("k below 5 is never allowed (PRODUCT.md §5 rule 3)")
    entries = layout(exercises, metrics)
    if not entries:
        raise ReleaseRefused("The course has no exercises to report on.")
    zeros = [0] * m.WIDTH
    exact_n = {ex.id: totals.get(ex.id, zeros)[m.SLOT_INDEX["n"]] for ex in exercises}
    if all(n < min_group for n in exact_n.values()):
        raise ReleaseRefused(
            f"No exercise has been worked on by at least {min_group} learners who agreed to "
            "contribute to course statistics this quarter, so nothing can be released."
        )
    if progress:
        progress(35, "Calibrating the noise")
    l2 = sensitivity(exercises, metrics)
    scale, measurement = calibrate(l2, epsilon, delta)
    if progress:
        progress(55, "Adding noise")
    exact = [_normalised(totals.get(ex_id, zeros), slot, b) for ex_id, slot, b in entries]
    noisy = measurement(exact)
    if progress:
        progress(80, "Applying the minimum group size")
    sums: dict[int, dict[str, Any] | None] = {ex.id: {} for ex in exercises}
    for (ex_id, slot, b), value in zip(entries, noisy, strict=True):
        out = sums[ex_id]
        assert out is not None
        if slot == "hist":
            out.setdefault("hist", [[0.0] * m.HIST_BINS, scale])[0][b] = float(value)
        else:
            bound = m.SLOTS[m.SLOT_INDEX[slot]].bound
            out[slot] = [float(value) * bound, scale * bound]
    reasons: dict[int, str] = {}
    for ex in exercises:
        out = sums[ex.id]
        assert out is not None
        if exact_n[ex.id] < min_group or out["n"][0] < min_group:
            sums[ex.id] = None
            reasons[ex.id] = f"Fewer than {min_group} learners"
            continue
        passed = totals.get(ex.id, zeros)[m.SLOT_INDEX["passed"]]
        if "attempts" in out and (passed < min_group or out["passed"][0] < min_group):
            del out["attempts"]  # a mean over fewer than k passers is not released
    return Released(sums, reasons, scale, l2, epsilon, delta)


def _normalised(total: Sequence[int], slot: str, hist_bin: int) -> float:
    if slot == "hist":
        return float(total[m.HIST_START + hist_bin])
    spec = m.SLOTS[m.SLOT_INDEX[slot]]
    return total[m.SLOT_INDEX[slot]] / spec.unit
