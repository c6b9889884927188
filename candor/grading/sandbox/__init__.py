"""The Python sandbox: learners' code runs here, and nowhere else.

``run(job)`` either runs the job under bubblewrap in a free slot, or does not run it at all and
says why (``outcome == "unavailable"``) — with a loud log line, because an operator must fix
that. The only way to run code without bubblewrap is ``CANDOR_SANDBOX_ALLOW_UNSANDBOXED=1``
with ``CANDOR_ENV=dev``, for a laptop without user namespaces; it logs a warning on every run.

Layers, outside in: a machine-wide slot (file lock) with its own uid → bwrap (namespaces, an
empty read-only root, no network, clean environment) → the harness's rlimits → the learner's code.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess

from candor.grading.sandbox import slots
from candor.grading.sandbox.config import SandboxConfig, SandboxConfigError, load_config
from candor.grading.sandbox.process import Job, Limits, RunReport, Suite, launch

__all__ = ["Job", "Limits", "RunReport", "Suite", "run", "problem"]

log = logging.getLogger("candor.grading.sandbox")

# Options this code relies on; bubblewrap 0.8 (Debian 12) has them all.
_REQUIRED_OPTIONS = ("--size", "--disable-userns", "--clearenv", "--die-with-parent")


@functools.lru_cache(maxsize=8)
def _bwrap_problem(path: str) -> str:
    if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
        return f"bubblewrap (bwrap) was not found{f' at {path}' if path else ' on PATH'}"
    try:
        usage = subprocess.run(
            [path, "--help"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap at {path} does not start: {exc}"
    missing = [opt for opt in _REQUIRED_OPTIONS if opt not in usage]
    if missing:
        return f"bubblewrap at {path} is too old (no {', '.join(missing)}; 0.8 or newer needed)"
    return ""


def _runtime_problem(config: SandboxConfig) -> str:
    complete = all((config.runtime / name).is_file() for name in ("host-libs.txt", "loader.txt"))
    if not config.python_version or not complete:
        return (
            f"the grader runtime is missing or incomplete in {config.runtime}: "
            "run scripts/setup-grader-runtime.sh"
        )
    return ""


def problem(config: SandboxConfig | None = None) -> str:
    """Why code cannot run in the sandbox right now, or "" when it can."""
    try:
        config = config or load_config()
    except SandboxConfigError as exc:
        return str(exc)
    return _runtime_problem(config) or (
        "" if config.allow_unsandboxed else _bwrap_problem(config.bwrap)
    )


def _unavailable(detail: str) -> RunReport:
    # Loud on purpose: learners cannot be graded until an operator acts.
    log.error("SANDBOX UNAVAILABLE, learners' code is not being run: %s", detail)
    return RunReport(outcome="unavailable", detail=detail)


def run(job: Job) -> RunReport:
    try:
        config = load_config()
    except SandboxConfigError as exc:
        return _unavailable(str(exc))
    if reason := _runtime_problem(config):
        return _unavailable(reason)
    sandboxed = True
    if reason := _bwrap_problem(config.bwrap):
        if not config.allow_unsandboxed:
            return _unavailable(reason)
        log.warning(
            "running learner code WITHOUT a sandbox (%s; CANDOR_SANDBOX_ALLOW_UNSANDBOXED=1, "
            "CANDOR_ENV=dev): never do this with code you did not write",
            reason,
        )
        sandboxed = False
    try:
        with slots.acquire(config) as slot:
            # Only root can switch uid; otherwise the run keeps the app's uid, still inside its
            # own user namespace, where RLIMIT_NPROC counts only the run's own processes.
            uid = slot.uid if os.geteuid() == 0 and sandboxed else None
            report = launch(config, job, uid=uid, sandboxed=sandboxed)
    except slots.NoFreeSlot:
        log.warning("no sandbox slot became free in %ss", config.slot_wait_seconds)
        return RunReport(outcome="unavailable", detail="busy")
    except OSError as exc:
        return _unavailable(f"could not start a sandbox: {exc}")
    if not any(event.get("ev") == "ready" for event in report.events):
        # The harness never started, so the learner's code never ran: bwrap failed (no user
        # namespaces, a bad mount), the runtime is broken, or the machine is too loaded to
        # start a run within its wall clock. That is the machine's fault, not the learner's.
        stderr = report.stderr.decode(errors="replace").strip()[:500]
        return _unavailable(
            f"the sandbox did not start ({report.outcome}, exit status {report.returncode}): "
            f"{stderr or 'no message'}"
        )
    return report
