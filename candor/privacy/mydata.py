"""What the "My data" page shows: signal summaries in plain words, trends, holdings."""

from __future__ import annotations

from typing import Any

from candor.catalog.models import Exercise
from candor.privacy.inventory import declarations
from candor.privacy.purposes import Purpose


def _seconds(ms: Any) -> str:
    s = round(int(ms or 0) / 1000)
    if s < 60:
        return f"{s} s"
    minutes, rest = divmod(s, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def plain_words(summary: dict[str, Any]) -> list[str]:
    """One summary, as sentences a learner can check against what they remember doing."""
    s = summary
    cpm = int(s.get("typing_speed_cpm") or 0)
    lines = [
        f"You spent {_seconds(s.get('time_on_task_ms'))} on it: "
        f"{_seconds(s.get('active_ms'))} typing and {_seconds(s.get('idle_ms'))} pausing"
        + (
            f", plus breaks of {_seconds(s.get('break_ms'))} (not counted)"
            if s.get("break_ms")
            else ""
        )
        + ".",
        f"You typed {s.get('insertions', 0)} characters and deleted {s.get('deletions', 0)} "
        f"(a correction rate of {float(s.get('correction_rate') or 0):.2f}); "
        f"typing speed {cpm} characters a minute (about {cpm // 5} words).",
    ]
    extras = []
    if s.get("hidden_ms"):
        extras.append(f"the page was hidden for {_seconds(s['hidden_ms'])}")
    if s.get("focus_losses"):
        extras.append(f"you switched away {s['focus_losses']} time(s)")
    if s.get("pastes"):
        extras.append(f"you pasted {s['pastes']} time(s), {s.get('pasted_chars', 0)} characters")
    if s.get("undo_count"):
        extras.append(f"you undid {s['undo_count']} change(s)")
    if s.get("hints_shown"):
        extras.append(
            f"a hint was offered {s['hints_shown']} time(s), you opened {s.get('hints_used', 0)}"
        )
    if extras:
        lines.append("Also: " + "; ".join(extras) + ".")
    return lines


def signal_view(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Readable and unreadable summaries, oldest first for the trend, newest first to read."""
    readable = [r for r in rows if r.get("ok") and isinstance(r.get("summary"), dict)]
    ids = {int(r["summary"].get("exercise_id") or 0) for r in readable}
    titles = dict(Exercise.objects.filter(pk__in=ids).values_list("pk", "title"))
    items = []
    for r in readable:
        s = r["summary"]
        items.append(
            {
                "id": r["id"],
                "received_at": r.get("received_at") or "",
                "when": str(r.get("received_at") or "")[:16].replace("T", " "),
                "exercise": titles.get(int(s.get("exercise_id") or 0), "An exercise"),
                "lines": plain_words(s),
                "time_on_task_s": round(int(s.get("time_on_task_ms") or 0) / 1000),
                "active_s": round(int(s.get("active_ms") or 0) / 1000),
                "typing_speed_cpm": int(s.get("typing_speed_cpm") or 0),
                "correction_rate": float(s.get("correction_rate") or 0),
            }
        )
    trend = sorted(items, key=lambda i: i["received_at"])
    return {
        "items": items,
        "unreadable": [r for r in rows if not r.get("ok")],
        "trend": [
            {
                "label": i["when"],
                "exercise": i["exercise"],
                "time_on_task_s": i["time_on_task_s"],
                "active_s": i["active_s"],
                "typing_speed_cpm": i["typing_speed_cpm"],
                "correction_rate": i["correction_rate"],
            }
            for i in trend
        ],
    }


def holdings(user: Any, signal_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every declaration with how many rows it holds about the user (from the inventory)."""
    out = []
    for decl in declarations():
        count = (
            len(signal_rows) if decl.model == "signals.SignalSummary" else len(decl.rows_for(user))
        )
        out.append(
            {
                "title": decl.title,
                "count": count,
                "audience": decl.audience,
                "retention": decl.retention,
                "on_erasure": decl.on_erasure,
                "purposes": [str(p) for p in decl.purposes],
            }
        )
    return out


def my_signals(user: Any) -> list[dict[str, Any]]:
    from candor.signals.access import my_signal_summaries

    return my_signal_summaries(user, purpose=Purpose.LEARNER_SELF_VIEW)
