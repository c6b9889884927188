"""The DP contract on synthetic data with a known truth (issue 7, "Evidence").

- released values fall inside their 95 % interval in about 95 % of repetitions;
- groups under k are withheld, and a release with nothing to show is refused;
- the noise matches the scale OpenDP certifies for the stated (ε, δ).
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from candor.insights import dp
from candor.insights import metrics as m
from candor.insights import postprocess as pp

EXERCISES = [dp.ExerciseRef(i, "code" if i % 5 == 0 else "numeric") for i in range(1, 21)]
METRICS = m.ALL_METRICS


def _truth(seed: int = 3, learners: int = 400) -> tuple[dict[int, list[int]], dict[int, dict]]:
    """Totals built from per-learner vectors (the accumulators' arithmetic) and exact values."""
    rng = random.Random(seed)
    totals: dict[int, list[int]] = {}
    exact: dict[int, dict[str, float]] = {}
    for ex in EXERCISES:
        state: dict[str, Any]
        p = 0.3 if ex.id == 7 else 0.85
        total = [0] * m.WIDTH
        for _ in range(learners):
            passed = rng.random() < p
            state = {"ms": int(rng.lognormvariate(math.log(90_000), 0.6)),
                     "idle": 0, "ins": rng.randint(0, 80), "dels": rng.randint(0, 20),
                     "pasted": rng.choice([0, 0, 0, 30]), "hints": int(rng.random() < 0.2),
                     "passed": passed, "atp": rng.randint(1, 4) if passed else None,
                     "subs": 1, "red": rng.random() * 2}  # fmt: skip
            state["idle"] = int(state["ms"] * rng.random() * 0.6)
            m.add_into(total, m.vector(state, kind=ex.kind, max_attempts=3))
        totals[ex.id] = total
        sums: dict[str, Any] = {
            s.name: [total[i] / m.SLOTS[i].scale, 0.0] for i, s in enumerate(m.SLOTS)
        }
        sums["hist"] = [total[m.HIST_START :], 0.0]
        derived = pp.derive(sums, METRICS, code=ex.kind == "code")
        exact[ex.id] = {k: v.get("value", math.nan) for k, v in derived.items()}
    return totals, exact


def test_released_values_fall_within_their_interval_about_95_percent_of_the_time() -> None:
    totals, exact = _truth()
    inside: dict[str, list[bool]] = {name: [] for name in METRICS}
    for _ in range(120):
        out = dp.release(totals, EXERCISES, METRICS, epsilon=1.0, delta=1e-7, min_group=10)
        for ex in EXERCISES:
            sums = out.sums[ex.id]
            assert sums is not None
            derived = pp.derive(sums, METRICS, code=ex.kind == "code")
            for name, est in derived.items():
                if "value" in est:
                    inside[name].append(est["low"] <= exact[ex.id][name] <= est["high"])
    for name, hits in inside.items():
        share = sum(hits) / len(hits)
        # 2,400 intervals per metric (480 for RED): the lower bound is ~4 standard errors
        # under 95 %. Intervals clipped to a metric's range can only cover more, and the
        # median's is conservative by construction, hence the looser upper bound.
        few = name in {"median_time", "repeated_error_density"}
        assert (0.90 if few else 0.93) <= share <= 0.99, (name, share, len(hits))


def test_the_noise_has_the_scale_opendp_certifies() -> None:
    scale, measurement = dp.calibrate(10.0, 1.0, 1e-7)
    eps, delta = measurement.map(10.0)
    assert eps <= 1.0 + 1e-9 and delta <= 1e-7
    draws = np.array(measurement([0.0] * 20_000))
    assert abs(draws.std() / scale - 1) < 0.03
    assert abs(draws.mean()) < 4 * scale / math.sqrt(20_000)
    # A larger budget means less noise, a larger sensitivity more.
    assert dp.calibrate(10.0, 2.0, 1e-7)[0] < scale < dp.calibrate(20.0, 1.0, 1e-7)[0]


def test_sensitivity_counts_every_exercise_a_learner_may_have_done() -> None:
    plain = [dp.ExerciseRef(1, "numeric"), dp.ExerciseRef(2, "numeric")]
    assert dp.sensitivity(plain, ["pass_rate"]) == pytest.approx(math.sqrt(2 * 2))
    assert dp.sensitivity(plain, METRICS) == pytest.approx(math.sqrt(2 * 9))
    code = [dp.ExerciseRef(1, "code")]
    assert dp.sensitivity(code, METRICS) == pytest.approx(math.sqrt(10))


def test_groups_under_k_are_withheld() -> None:
    totals, _ = _truth(learners=12)
    small = {**totals, 3: [x // 4 for x in totals[3]]}  # 3 learners
    small[3][m.SLOT_INDEX["n"]] = 3
    out = dp.release(small, EXERCISES, METRICS, epsilon=50.0, delta=1e-7, min_group=10)
    assert out.sums[3] is None and "Fewer than 10" in out.reasons[3]
    missing = dp.release(totals, [*EXERCISES, dp.ExerciseRef(99, "numeric")], METRICS,
                         epsilon=50.0, delta=1e-7, min_group=10)  # fmt: skip
    assert missing.sums[99] is None


def test_a_mean_over_fewer_than_k_passers_is_withheld() -> None:
    totals, _ = _truth(learners=40)
    few = list(totals[7])
    few[m.SLOT_INDEX["passed"]] = 4
    out = dp.release({7: few}, [dp.ExerciseRef(7, "numeric")], METRICS,
                     epsilon=50.0, delta=1e-7, min_group=10)  # fmt: skip
    sums = out.sums[7]
    assert sums is not None and "attempts" not in sums
    derived = pp.derive(sums, METRICS, code=False)
    assert "withheld" in derived["attempts_to_pass"]


def test_nothing_to_release_is_refused_before_any_noise() -> None:
    totals, _ = _truth(learners=6)
    with pytest.raises(dp.ReleaseRefused, match="at least 10 learners"):
        dp.release(totals, EXERCISES, METRICS, epsilon=1.0, delta=1e-7, min_group=10)
    with pytest.raises(dp.ReleaseRefused):
        dp.release({}, EXERCISES, METRICS, epsilon=1.0, delta=1e-7, min_group=10)


def test_k_below_five_is_never_allowed() -> None:
    totals, _ = _truth(learners=20)
    with pytest.raises(ValueError, match="below 5"):
        dp.release(totals, EXERCISES, METRICS, epsilon=1.0, delta=1e-7, min_group=4)
