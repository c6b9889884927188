"""Course-report benchmark: time to release a full course report (50 exercises) for 1,000,
10,000 and 100,000 learners, against the naive baseline, in the same run.

    .venv/bin/python bench/report_bench.py [--sizes 1000,10000,100000] [--exercises 50]
                                           [--repeat 5] [--markdown]

- **Candor** (``insights``): open the course's sealed running totals (exercises × 8 shards),
  add calibrated noise with one OpenDP measurement, withhold groups under k, derive rates,
  medians and intervals, assemble the report — what the release worker does.
- **Naive baseline**: decrypt every stored signal summary (one per learner per exercise), load
  them into pandas, reduce to one contribution per learner per exercise, aggregate per
  exercise, then the *same* noise and report code.

Both paths start from the same data: sealed ``SignalSummary`` rows in the signals wire format
(the baseline reads them) and the running totals built from the same per-learner vectors with
the same ``metrics.vector`` and ``accumulate.apply_deltas`` code as the ingestion hook (batched
over 2,000 learners to make 100,000 learners feasible to set up). The run checks that both
paths arrive at identical exact totals before timing anything.

It sets Django up by itself (``CANDOR_ENV=test``, a temporary ``VAR_DIR`` and SQLite file).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("single_choice", "numeric", "short_text", "multiple_choice", "rubric",
         "numeric", "short_text", "single_choice", "rubric", "code")  # fmt: skip


def setup_django() -> Path:
    var_dir = Path(tempfile.mkdtemp(prefix="report-bench-"))
    os.environ.update(
        CANDOR_ENV="test",
        CANDOR_VAR_DIR=str(var_dir),
        CANDOR_SQLITE_PATH=str(var_dir / "bench.sqlite3"),
        CANDOR_VAULT_KEY_DIR=str(var_dir / "keys"),
        DJANGO_SETTINGS_MODULE="candor.settings",
    )
    for name in ("DATABASE_URL", "CANDOR_KEYSTORE_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", database="keystore", verbosity=0)
    call_command("migrate", verbosity=0)
    return var_dir


def make_course(exercises: int) -> tuple[Any, list[Any]]:
    from candor.catalog.models import Exercise, Module, Track

    track = Track.objects.create(slug="bench", title="Benchmark course", summary="-")
    modules = [
        Module.objects.create(track=track, slug=f"m{i}", title=f"Module {i}", summary="-", order=i)
        for i in range(5)
    ]
    Exercise.objects.bulk_create(
        Exercise(module=modules[i % 5], slug=f"e{i}", kind=KINDS[i % len(KINDS)],
                 title=f"Exercise {i}", prompt_html="-", max_attempts=3, order=i,
                 hints=["a hint"])
        for i in range(exercises)
    )  # fmt: skip
    return track, list(Exercise.objects.filter(module__track=track).order_by("pk"))


def learner_rows(
    rng: random.Random, exercises: list[Any], hard: set[int]
) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """One summary (+ grader indicators) per exercise for one learner: the summary model of
    ``candor demo-history`` (valid wire format, hard exercises slower), outcomes drawn here."""
    from candor.insights.demo.history import summary_for

    out = []
    ability = rng.gauss(0, 1)
    for ex in exercises:
        is_hard = ex.pk in hard
        token = uuid.UUID(int=rng.getrandbits(128))
        summary = summary_for(ex, rng, hard=is_hard, token=token, attempt=1, ability=ability)
        passed = rng.random() < (0.35 if is_hard else 0.85) + 0.05 * ability
        subs = rng.randint(1, 3)
        server = {"attempt_number": subs, "attempt_graded": True, "attempt_correct": passed,
                  "submissions_so_far": subs,
                  "attempts_to_pass": subs if passed else None}  # fmt: skip
        if ex.kind == "code":
            server["repeated_error_density"] = round(rng.random() * 2, 3)
        out.append((ex.pk, summary, server))
    return out


def populate(start: int, stop: int, exercises: list[Any], quarter: Any, seed: int) -> float:
    """Sealed summaries + running totals for learners [start, stop). Returns seconds taken."""
    from django.db import transaction
    from django.utils import timezone

    from candor.insights import metrics as m
    from candor.insights.accumulate import apply_deltas, shard_of
    from candor.signals.models import SignalSummary
    from candor.vault import api as vault

    t0 = time.perf_counter()
    rng = random.Random(seed + start)
    hard = {exercises[7].pk, exercises[23].pk, exercises[41 % len(exercises)].pk}
    kinds = {e.pk: e.kind for e in exercises}
    period = vault.period_for(timezone.now())
    received = timezone.now().replace(microsecond=0).isoformat()
    table = SignalSummary._meta.db_table
    chunk = 2000
    for lo in range(start, stop, chunk):
        rows: list[SignalSummary] = []
        deltas: dict[tuple[int, int], list[int]] = {}
        for i in range(lo, min(stop, lo + chunk)):
            subject = f"bench-{i}"
            owner, shard = vault.pseudonym("signals", subject), shard_of(subject)
            items = learner_rows(rng, exercises, hard)
            ids = [uuid.uuid4() for _ in items]
            payloads = [
                json.dumps({"v": 1, "summary": s, "received_at": received, "server": srv},
                           separators=(",", ":")).encode()
                for _, s, srv in items
            ]  # fmt: skip
            blobs = vault.seal_many(owner, period, table, zip(ids, payloads, strict=True))
            rows.extend(
                SignalSummary(id=i_, owner=owner, period=period, blob=b)
                for i_, b in zip(ids, blobs, strict=True)
            )
            for ex_id, s, srv in items:
                vec = m.vector(m.merge(m.empty_state(), s, srv), kind=kinds[ex_id], max_attempts=3)
                m.add_into(deltas.setdefault((ex_id, shard), [0] * m.WIDTH), vec)
        with transaction.atomic():
            SignalSummary.objects.bulk_create(rows, batch_size=5000)
            apply_deltas(quarter, deltas)
        print(f"  … {min(stop, lo + chunk):,} learners stored", file=sys.stderr, end="\r")
    return time.perf_counter() - t0


def release_fast(track: Any, exercises: list[Any], quarter: Any, metrics: tuple[str, ...]) -> Any:
    from candor.insights import dp, report
    from candor.insights.accumulate import read_totals

    totals = read_totals([e.pk for e in exercises], quarter)
    refs = [dp.ExerciseRef(e.pk, e.kind) for e in exercises]
    released = dp.release(totals, refs, metrics, epsilon=2.0, delta=1e-7, min_group=10)
    return totals, report.build(released, exercises, metrics)


def naive_totals(exercises: list[Any]) -> dict[int, list[int]]:
    """Decrypt every row, then pandas: one contribution per learner per exercise, summed."""
    import numpy as np
    import pandas as pd

    from candor.insights import metrics as m
    from candor.signals.models import SignalSummary

    fields = ("owner", "ex", "ms", "idle", "ins", "dels", "pasted", "hints", "atp", "subs", "red")
    cols: dict[str, list[Any]] = {k: [] for k in fields}
    qs = SignalSummary.objects.order_by().values_list("pk", "owner", "period", "blob")
    batch: list[Any] = []

    class Row:
        __slots__ = ("pk", "owner", "period", "blob")

    def flush() -> None:
        for row, res in zip(batch, SignalSummary.open_rows(batch), strict=True):
            doc = json.loads(res.value)
            s, srv = doc["summary"], doc["server"] or {}
            cols["owner"].append(row.owner)
            cols["ex"].append(s["exercise_id"])
            cols["ms"].append(s["time_on_task_ms"])
            cols["idle"].append(s["idle_ms"])
            cols["ins"].append(s["insertions"])
            cols["dels"].append(s["deletions"])
            cols["pasted"].append(s["pasted_chars"])
            cols["hints"].append(s["hints_used"])
            cols["atp"].append(srv.get("attempts_to_pass"))
            cols["subs"].append(srv.get("submissions_so_far") or 0)
            cols["red"].append(srv.get("repeated_error_density"))
        batch.clear()

    for pk, owner, period, blob in qs.iterator(chunk_size=20_000):
        r = Row()
        r.pk, r.owner, r.period, r.blob = pk, owner, period, blob
        batch.append(r)
        if len(batch) >= 20_000:
            flush()
    flush()
    df = pd.DataFrame(cols)
    df["atp"] = pd.to_numeric(df["atp"])
    df["red"] = pd.to_numeric(df["red"])
    g = df.groupby(["owner", "ex"], sort=False).agg(
        ms=("ms", "sum"), idle=("idle", "sum"), ins=("ins", "sum"), dels=("dels", "sum"),
        pasted=("pasted", "sum"), hints=("hints", "sum"), atp=("atp", "min"),
        subs=("subs", "max"), red=("red", "last"),
    ).reset_index()  # fmt: skip
    kinds = {e.pk: e.kind for e in exercises}
    g["code"] = g["ex"].map(kinds) == "code"
    passed = g["atp"].notna()
    out = pd.DataFrame({"ex": g["ex"]})
    out["n"] = 1
    out["passed"] = passed.astype(int)
    out["completed"] = (passed | (g["subs"] >= 3)).astype(int)
    out["attempts"] = np.where(passed, g["atp"].fillna(1).clip(1, m.ATTEMPTS_MAX), 0).astype(int)
    ms = g["ms"].clip(lower=0)
    out["idle"] = np.where(
        ms > 0, np.round(m.SCALE * (g["idle"] / ms.where(ms > 0, 1)).clip(0, 1)), 0
    )
    out["correction"] = np.round(m.SCALE * (g["dels"] / g["ins"].clip(lower=1)).clip(0, 1))
    out["paste"] = np.round(
        m.SCALE * (g["pasted"] / (g["pasted"] + g["ins"]).clip(lower=1)).clip(0, 1)
    )
    out["hint"] = (g["hints"] > 0).astype(int)
    out["red"] = np.where(
        g["code"] & g["red"].notna(), np.round(m.SCALE * g["red"].fillna(0).clip(0, m.RED_MAX)), 0
    )
    bins = np.searchsorted(np.array(m.TIME_EDGES), ms / 1000, side="right") - 1
    for b in range(m.HIST_BINS):
        out[f"h{b}"] = (bins == b).astype(int)
    names = [s.name for s in m.SLOTS] + [f"h{b}" for b in range(m.HIST_BINS)]
    summed = out.groupby("ex")[names].sum()
    return {
        int(ex): [int(v) for v in row]
        for ex, row in zip(summed.index, summed.to_numpy(), strict=True)
    }


def release_naive(track: Any, exercises: list[Any], metrics: tuple[str, ...]) -> Any:
    from candor.insights import dp, report

    totals = naive_totals(exercises)
    refs = [dp.ExerciseRef(e.pk, e.kind) for e in exercises]
    released = dp.release(totals, refs, metrics, epsilon=2.0, delta=1e-7, min_group=10)
    return totals, report.build(released, exercises, metrics)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, result


def import_seconds() -> float:
    code = (
        "import time; t=time.perf_counter(); import opendp.prelude as dp; "
        "dp.enable_features('contrib'); print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--exercises", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the fast path")
    parser.add_argument("--naive-repeat", type=int, default=1, help="timed runs of the baseline")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    var_dir = setup_django()
    from candor.insights import dp
    from candor.insights.metrics import ALL_METRICS
    from candor.insights.quarters import Quarter

    track, exercises = make_course(args.exercises)
    quarter = Quarter.of()
    dp.warm()
    cold_import = import_seconds()
    dp.calibrate.cache_clear()
    results = []
    have = 0
    for size in sizes:
        setup_s = populate(have, size, exercises, quarter, seed=11)
        have = size
        print(f"\n{size:,} learners stored in {setup_s:.0f} s", file=sys.stderr)
        first = time.perf_counter()
        fast_totals, _ = release_fast(track, exercises, quarter, ALL_METRICS)
        first = time.perf_counter() - first  # includes OpenDP's calibration search
        fast, fast_all, (totals_a, report_a) = timed(
            lambda: release_fast(track, exercises, quarter, ALL_METRICS), args.repeat
        )
        naive, naive_all, (totals_b, _) = timed(
            lambda: release_naive(track, exercises, ALL_METRICS), args.naive_repeat
        )
        same = totals_a == totals_b == fast_totals
        shown = sum(1 for e in report_a["exercises"] if not e.get("withheld"))
        results.append({
            "learners": size, "rows": size * len(exercises), "fast_s": fast,
            "fast_runs": fast_all, "first_s": first, "naive_s": naive, "naive_runs": naive_all,
            "speedup": naive / fast, "identical_totals": same, "exercises_shown": shown,
            "setup_s": setup_s,
        })  # fmt: skip
        print(json.dumps(results[-1]), file=sys.stderr)
        assert same, "the two paths disagree on the exact totals"
    db_mb = (var_dir / "bench.sqlite3").stat().st_size / 1e6
    print(json.dumps({"opendp_import_s": cold_import, "db_mb": db_mb}), file=sys.stderr)
    if args.markdown:
        print_markdown(results, args.exercises, cold_import, db_mb)
    else:
        doc = {"results": results, "opendp_import_s": cold_import, "db_mb": db_mb}
        print(json.dumps(doc, indent=1))
    shutil.rmtree(var_dir, ignore_errors=True)  # GBs at 100,000 learners


def print_markdown(
    results: list[dict[str, Any]], exercises: int, cold_import: float, db_mb: float
) -> None:
    from importlib.metadata import version

    import django

    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, Django {django.get_version()}, "
          f"OpenDP {version('opendp')}; SQLite file (WAL). Course: {exercises} exercises, all "
          "nine statistics; database at the largest size: "
          f"{db_mb:,.0f} MB.\n")  # fmt: skip
    print(
        "| learners | sealed summaries | Candor release (median) | first release "
        "(calibration) | naive: decrypt all + pandas | speed-up | same exact totals |"
    )
    print("|---:|---:|---:|---:|---:|---:|:---:|")
    for r in results:
        print(f"| {r['learners']:,} | {r['rows']:,} | {1000 * r['fast_s']:.0f} ms | "
              f"{1000 * r['first_s']:.0f} ms | {r['naive_s']:.1f} s | {r['speedup']:,.0f}× | "
              f"{'yes' if r['identical_totals'] else 'NO'} |")  # fmt: skip
    print(f"\nImporting OpenDP in a fresh process: {cold_import:.2f} s (once per worker, before "
          "its first release; web processes warm it in the background).")  # fmt: skip


if __name__ == "__main__":
    main()
