"""Turn what a sandboxed run reported into a ``GradeResult`` a learner can act on.

Every text that leaves here is bounded, has no NUL (PostgreSQL's jsonb refuses it) and no lone
surrogate (nor can it be encoded as UTF-8). Hidden tests are reported as "Hidden test N" with
the author's assertion message — written to teach, as docs/content-format.md asks — or the
exception the learner's own code raised; never their source, a bare assert's expression or
what the learner's code printed while they ran.
"""

from __future__ import annotations

import signal
from typing import Any

from candor.grading.base import Feedback, GradeResult, TestOutcome
from candor.grading.sandbox.process import Job, RunReport

DISPLAY_CHARS = 8000  # of stdout and of stderr, each
MESSAGE_CHARS = 2000

UNAVAILABLE = (
    "Code cannot be run on this server right now, so your code was not run and this attempt "
    "does not count. The operators have been alerted; please try again later."
)
BUSY = (
    "All code graders are busy right now, so your code was not run and this attempt does not "
    "count. Please try again in a minute."
)


def clean(text: str, limit: int = MESSAGE_CHARS) -> str:
    text = (
        text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\N{REPLACEMENT CHARACTER}")
    )
    if len(text) > limit:
        text = text[:limit] + f"\n… ({len(text) - limit:,} more characters not shown)"
    return text


def unreadable_answer(code: Any, max_bytes: int) -> str:
    """Why ``code`` cannot be run as sent, in words for the learner; "" when it can."""
    if isinstance(code, bytes | bytearray):
        if len(code) > max_bytes:
            return _too_long(len(code), max_bytes)
        try:
            code = bytes(code).decode("utf-8")
        except UnicodeDecodeError as exc:
            return (
                f"Your code is not valid UTF-8 text (a stray byte at position {exc.start}). "
                "Paste it as plain text and try again."
            )
    if not isinstance(code, str):
        return "Send your code as text."
    if len(code) > max_bytes:
        return _too_long(len(code), max_bytes)
    try:
        size = len(code.encode("utf-8"))
    except UnicodeEncodeError:
        return "Your code contains characters that are not valid text. Paste it as plain text."
    if size > max_bytes:
        return _too_long(size, max_bytes)
    if "\x00" in code:
        return "Your code contains a NUL character (\\0), which Python cannot read. Remove it."
    return ""


def _too_long(size: int, max_bytes: int) -> str:
    return (
        f"Your code is too long ({size // 1024:,} KB; at most {max_bytes // 1024} KB). "
        "An exercise needs far less: remove pasted data or output."
    )


def _signal_name(returncode: int | None) -> str:
    """The signal that ended the learner's process: bwrap exits with 128 + its number."""
    if returncode is None or returncode <= 128:
        return ""
    try:
        return signal.Signals(returncode - 128).name
    except ValueError:
        return f"signal {returncode - 128}"


_STOPPED = {
    "timeout": "Stopped: the time limit was reached during this test.",
    "output_limit": "Stopped: too much output during this test.",
    "memory": "Stopped: out of memory during this test.",
    "crash": "Stopped: Python crashed during this test.",
}


def _limit_error(report: RunReport, job: Job, running: str) -> tuple[str, str]:
    """(error_kind, message) for a run stopped by a limit or a crash; ("", "") otherwise."""
    limits = job.limits
    during = f" while {running} was running" if running else ""
    sig = _signal_name(report.returncode)
    # Our own kill (wall clock) shows as outcome "timeout"; the CPU limit as SIGXCPU.
    if report.outcome == "timeout" or sig == "SIGXCPU":
        return "timeout", (
            f"Your code took too long and was stopped{during}: the limits are "
            f"{limits.cpu_seconds} s of computing time and {limits.wall_seconds} s in all. "
            "Look for a loop that never ends, or a call that waits forever."
        )
    if report.outcome == "output_limit":
        return "output_limit", (
            f"Your code printed more than {limits.output_kb} KB and was stopped{during}. Print "
            "less: a summary such as df.head() instead of a whole table, or no print in a loop."
        )
    if any(e.get("type") == "MemoryError" for e in report.events):
        return "memory", (
            f"Your code ran out of memory (the limit is {limits.memory_mb} MB){during}. Work "
            "with smaller data, or avoid building huge lists, strings or arrays."
        )
    if report.outcome != "crashed":
        return "", ""
    if sig:
        detail = {"SIGSEGV": "a segmentation fault", "SIGABRT": "an abort"}.get(sig, sig)
        return "crash", (
            f"Python itself crashed or was killed ({detail}){during}. That happens with "
            "ctypes, with unbounded recursion after raising the recursion limit, or when a "
            "library runs out of memory."
        )
    return "crash", (
        f"Your code ended the test run early{during} (it exited the interpreter or closed the "
        "runner's output), so not every test could run."
    )


def grade_result(report: RunReport, job: Job, *, submit: bool, reveal: bool) -> GradeResult:
    if report.outcome == "unavailable":
        message = BUSY if report.detail == "busy" else UNAVAILABLE
        return GradeResult(
            correct=False, score=0.0, error_kind="sandbox_unavailable", error_message=message
        )
    results = {(e["suite"], e["index"]): e for e in report.events if e.get("ev") == "result"}
    started = [e for e in report.events if e.get("ev") == "start"]
    last = started[-1] if started else None
    running = ""
    if last and (last["suite"], last["index"]) not in results:
        running = _label(last["suite"], last["index"], last.get("name", ""), reveal)
    error_kind, error_message = _limit_error(report, job, running)
    first = {e["ev"]: e for e in report.events}
    signature = ""
    not_run = "Not run: the run stopped before this test."
    if syntax := first.get("syntax_error"):
        error_kind = "syntax_error"
        error_message = _syntax_message(syntax)
        signature = f"SyntaxError@{syntax.get('line') or 0}"
        not_run = "Not run: fix the syntax error first."
    elif module := first.get("module_error"):
        if module.get("type") == "MemoryError":
            error_kind = "memory"
        error_message = error_message or clean(
            f"Your code stopped with {module.get('message', '')} before any test could run."
        )
        signature = f"{module.get('type', 'Error')}@{module.get('line') or 0}"
        not_run = "Not run: your code stopped before the tests could start."
    tests: list[TestOutcome] = []
    for suite in job.suites:
        for index, name in enumerate(suite.tests):
            label = _label(suite.name, index, name, reveal)
            shown = suite.show or reveal
            event = results.get((suite.name, index))
            if event is None:
                message = _STOPPED.get(error_kind, not_run) if label == running else not_run
                tests.append(TestOutcome(label, False, message, visible=shown))
                continue
            message = clean(str(event.get("message") or ""))
            if not event.get("passed") and not message:
                message = (
                    "This test failed."
                    if shown
                    else "This hidden test failed; its details are not shown."
                )
            tests.append(TestOutcome(label, bool(event.get("passed")), message, visible=shown))
            if not event.get("passed") and not signature:
                where = event.get("line") or ("hidden" if not shown else name)
                signature = f"{event.get('type') or 'Failed'}@{where}"
    passed = sum(t.passed for t in tests)
    all_passed = bool(tests) and passed == len(tests) and not error_kind
    done = first.get("done")
    if error_kind and not signature:
        signature = error_kind
    feedback = [Feedback(_summary(passed, len(tests), submit), ok=all_passed)]
    return GradeResult(
        correct=all_passed,
        score=round(passed / len(tests), 4) if tests else 0.0,
        feedback=feedback,
        tests=tests,
        stdout=clean(report.stdout.decode("utf-8", "replace"), DISPLAY_CHARS),
        stderr=clean(report.stderr.decode("utf-8", "replace"), DISPLAY_CHARS),
        time_ms=int(done["ms"]) if done and isinstance(done.get("ms"), int) else report.wall_ms,
        error_kind=error_kind,
        error_message=clean(error_message),
        error_signature=clean(signature, 200),
    )


def _label(suite: str, index: int, name: str, reveal: bool) -> str:
    if suite == "hidden" and not reveal:
        return f"Hidden test {index + 1}"
    return name


def _summary(passed: int, total: int, submit: bool) -> str:
    what = "tests" if submit else "visible tests"
    if total and passed == total:
        return f"All {total} {what} passed."
    return f"{passed} of {total} {what} passed."


def _syntax_message(event: dict[str, Any]) -> str:
    line, text = event.get("line"), str(event.get("text") or "")
    where = f" on line {line}" if line else ""
    message = f"Python cannot read your code: {event.get('message', 'invalid syntax')}{where}."
    if text:
        message += f"\n    {text}"
    return clean(message)
