"""What authors may learn about an exercise, and how one learner's work feeds it.

Every learner who agreed to ``course_improvement`` contributes **one** bounded vector per
exercise and quarter (DESIGN-NOTES §2). The vector is built from their *state* on that
exercise — totals over every summary they sent for it this quarter — so a re-attempt replaces
their earlier contribution instead of adding a second one: the accumulators receive
``vector(new state) - vector(old state)``.

Each slot is clamped to a bound ``B`` and stored as an integer (fixed point, ``scale`` units per
1) so that subtracting restores the sums exactly. The DP module divides each slot by
``B * scale``: every learner then moves each normalised slot by at most 1, which is what the
release's sensitivity is built on. The time histogram is one-hot, so the whole block counts as
one slot.

No metric here describes a person: they are course statistics (how hard an exercise is), and
the names avoid anything PRODUCT.md §5 rule 2 rules out.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCALE = 1000  # fixed-point units per 1.0 for fractional slots
ATTEMPTS_MAX = 10  # attempts to pass are clamped to 1..10
RED_MAX = 5.0  # Repeated Error Density per learner clamped to 0..5
CORRECTION_MAX = 1.0  # correction rate clamped to 0..1
# Total time on task per exercise, seconds: bin edges of the histogram the median comes from.
TIME_EDGES = (0, 15, 30, 60, 120, 180, 300, 600, 1200, 2400)
TIME_CAP_S = 3600  # the last bin's upper end, for interpolation


@dataclass(frozen=True)
class Slot:
    name: str
    bound: float  # the most one learner adds, in the slot's own unit
    scale: int = 1  # integer units per unit

    @property
    def unit(self) -> float:
        """One learner's largest possible contribution, in stored integer units."""
        return self.bound * self.scale


SLOTS: tuple[Slot, ...] = (
    Slot("n", 1),
    Slot("completed", 1),
    Slot("passed", 1),
    Slot("attempts", ATTEMPTS_MAX),
    Slot("idle", 1, SCALE),
    Slot("correction", CORRECTION_MAX, SCALE),
    Slot("paste", 1, SCALE),
    Slot("hint", 1),
    Slot("red", RED_MAX, SCALE),
)
SLOT_INDEX = {s.name: i for i, s in enumerate(SLOTS)}
HIST_START = len(SLOTS)
HIST_BINS = len(TIME_EDGES)
WIDTH = HIST_START + HIST_BINS  # length of every contribution and accumulator vector


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    numerator: str  # a slot name, or "hist" for the median
    denominator: str  # a slot name ("n" for shares over learners)
    unit: str  # "share", "count", "seconds", "ratio"
    higher_is_harder: bool
    code_only: bool = False
    description: str = ""

    @property
    def slots(self) -> tuple[str, ...]:
        if self.numerator == "hist":
            return ("hist",)
        return (self.numerator, self.denominator)


METRICS: tuple[Metric, ...] = (
    Metric("completion_rate", "Completion rate", "completed", "n", "share", False,
           description="Learners who passed or used up their attempts, of those who started."),
    Metric("pass_rate", "Pass rate", "passed", "n", "share", False,
           description="Learners who answered correctly, of those who started."),
    Metric("attempts_to_pass", "Attempts to pass", "attempts", "passed", "ratio", True,
           description="Mean counted submissions up to the first correct one (1–10)."),
    Metric("median_time", "Median time on task", "hist", "n", "seconds", True,
           description="Median of each learner's total time on the exercise (breaks and "
           "hidden time excluded)."),
    Metric("idle_share", "Idle share", "idle", "n", "share", True,
           description="Mean share of time on task spent in pauses of 2 s to 10 min."),
    # Not "correction_rate": that is one learner's summary field; this is a course mean.
    Metric("mean_correction_rate", "Correction rate", "correction", "n", "ratio", True,
           description="Mean characters deleted per character typed (0–1)."),
    Metric("paste_share", "Paste share", "paste", "n", "share", False,
           description="Mean share of the answer's characters that were pasted."),
    Metric("hint_uptake", "Hint uptake", "hint", "n", "share", True,
           description="Learners who opened at least one hint."),
    Metric("repeated_error_density", "Repeated error density", "red", "n", "ratio", True,
           code_only=True,
           description="Becker's Repeated Error Density of code runs and submissions (0–5)."),
)  # fmt: skip
METRIC_BY_NAME = {m.name: m for m in METRICS}
ALL_METRICS = tuple(m.name for m in METRICS)


def slots_for(metrics: Iterable[str]) -> set[str]:
    """The slots a release of ``metrics`` needs ("n" always: it is the group size)."""
    needed = {"n"}
    for name in metrics:
        needed.update(METRIC_BY_NAME[name].slots)
    return needed


def blocks_per_exercise(metrics: Iterable[str], kind: str) -> int:
    """How many normalised slots (the histogram counting as one) one learner moves by up to
    1 on one exercise: the square of the exercise's share of the L2 sensitivity."""
    slots = slots_for(metrics)
    if kind != "code":
        slots.discard("red")
    return len(slots)


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


# --- a learner's state on one exercise (sealed in their contribution record) ------------------


def empty_state() -> dict[str, Any]:
    return {"ms": 0, "idle": 0, "ins": 0, "dels": 0, "pasted": 0, "hints": 0, "passed": False,
            "atp": None, "subs": 0, "red": None}  # fmt: skip


def merge(state: Mapping[str, Any], summary: Mapping[str, Any], server: Mapping[str, Any] | None
          ) -> dict[str, Any]:  # fmt: skip
    """The state after one more summary: times and characters add up; outcomes keep the
    furthest point reached (a pass stays a pass)."""
    out = dict(state)
    out["ms"] += int(summary.get("time_on_task_ms", 0))
    out["idle"] += int(summary.get("idle_ms", 0))
    out["ins"] += int(summary.get("insertions", 0))
    out["dels"] += int(summary.get("deletions", 0))
    out["pasted"] += int(summary.get("pasted_chars", 0))
    out["hints"] += int(summary.get("hints_used", 0))
    if server:
        atp = server.get("attempts_to_pass")
        if atp is not None:
            out["passed"] = True
            out["atp"] = int(atp) if out["atp"] is None else min(int(out["atp"]), int(atp))
        out["subs"] = max(out["subs"], int(server.get("submissions_so_far") or 0))
        red = server.get("repeated_error_density")
        if red is not None:
            out["red"] = float(red)
    return out


def time_bin(seconds: float) -> int:
    return max(0, bisect.bisect_right(TIME_EDGES, seconds) - 1)


def vector(state: Mapping[str, Any], *, kind: str, max_attempts: int) -> list[int]:
    """One learner's bounded contribution to one exercise, in integer slot units."""
    v = [0] * WIDTH
    ms = max(0, int(state["ms"]))
    passed = bool(state["passed"])
    v[SLOT_INDEX["n"]] = 1
    v[SLOT_INDEX["passed"]] = int(passed)
    v[SLOT_INDEX["completed"]] = int(passed or bool(max_attempts and state["subs"] >= max_attempts))
    if passed:
        v[SLOT_INDEX["attempts"]] = int(_clamp(state["atp"] or 1, 1, ATTEMPTS_MAX))
    if ms > 0:
        v[SLOT_INDEX["idle"]] = round(SCALE * _clamp(state["idle"] / ms, 0, 1))
    ins, dels, pasted = int(state["ins"]), int(state["dels"]), int(state["pasted"])
    v[SLOT_INDEX["correction"]] = round(SCALE * _clamp(dels / max(1, ins), 0, CORRECTION_MAX))
    v[SLOT_INDEX["paste"]] = round(SCALE * _clamp(pasted / max(1, pasted + ins), 0, 1))
    v[SLOT_INDEX["hint"]] = int(state["hints"] > 0)
    if kind == "code" and state["red"] is not None:
        v[SLOT_INDEX["red"]] = round(SCALE * _clamp(float(state["red"]), 0, RED_MAX))
    v[HIST_START + time_bin(ms / 1000)] = 1
    return v


def subtract(a: list[int], b: list[int]) -> list[int]:
    return [x - y for x, y in zip(a, b, strict=True)]


def add_into(total: list[int], delta: list[int]) -> None:
    for i, d in enumerate(delta):
        total[i] += d
