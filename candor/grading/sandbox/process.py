"""Start one sandboxed run and collect what it says, within its limits.

The job goes in through a memfd on stdin (no file on disk, no size limit of a pipe); results
come back as token-prefixed JSON lines on a pipe of their own; stdout and stderr are read
concurrently and capped, so endless output costs the app neither memory nor a blocked worker.
The wall clock is enforced here: on expiry the whole process group is killed, and because the
sandbox has its own PID namespace, killing its init kills everything the learner started.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from candor.grading.sandbox.config import INSIDE_PYTHON, SandboxConfig

# Inside the sandbox /tmp is a private tmpfs of its own, not the host's shared /tmp.
INSIDE_TMP = "/tmp"  # noqa: S108

log = logging.getLogger("candor.grading.sandbox")

HARNESS_SOURCE = (Path(__file__).parent / "harness.py").read_text()
# What a run may send back as results: a few KB per test, bounded by the number of tests.
MAX_RESULT_BYTES = 2 << 20
# bwrap and the interpreter start in ~30 ms; give a loaded machine some slack on top of the
# author's wall clock before calling it a timeout.
STARTUP_GRACE_SECONDS = 0.5
# Threads of numerical libraries: one per run, since a slot is one CPU's worth of work.
_THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "LOKY_MAX_CPU_COUNT",
)


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 5
    memory_mb: int = 512
    output_kb: int = 64
    wall_seconds: int = 10
    file_mb: int = 8
    processes: int = 16


@dataclass(frozen=True)
class Suite:
    name: str  # "visible" or "hidden"
    source: str
    tests: tuple[str, ...]
    show: bool  # visible tests' code and output may be shown to the learner


@dataclass(frozen=True)
class Job:
    code: str
    suites: tuple[Suite, ...]
    limits: Limits = Limits()


@dataclass
class RunReport:
    """What happened, before the grader turns it into words for the learner."""

    # "finished" (the runner reported every event it had), "timeout", "output_limit",
    # "crashed" (died or stopped early), "unavailable" (code was not run)
    outcome: str
    events: list[dict[str, Any]] = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""
    wall_ms: int = 0
    returncode: int | None = None
    detail: str = ""  # for the operator's log, never for the learner


def _bwrap_args(config: SandboxConfig, python: str) -> list[str]:
    runtime = config.runtime / "python"
    args = [
        config.bwrap,
        # Own user, PID, network (loopback only, nothing listening), IPC, UTS and cgroup
        # namespaces; no capabilities inside; no nested user namespaces (kernel attack surface).
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",  # no TIOCSTI into a terminal the app may have
        "--hostname",
        "sandbox",
        "--clearenv",
        "--setenv", "PATH", f"{INSIDE_PYTHON}/bin",
        "--setenv", "HOME", INSIDE_TMP,
        "--setenv", "TMPDIR", INSIDE_TMP,
        "--setenv", "LANG", "C.UTF-8",
        "--setenv", "LD_LIBRARY_PATH", f"{INSIDE_PYTHON}/lib",
    ]  # fmt: skip
    for var in _THREAD_VARS:
        args += ["--setenv", var, "1"]
    # The filesystem: an empty root, read-only; the runtime at a neutral path; exactly the host
    # libraries the runtime links against; minimal /dev; a private, size-limited /tmp.
    args += ["--ro-bind", str(runtime), INSIDE_PYTHON]
    for lib in (config.runtime / "host-libs.txt").read_text().split():
        args += ["--ro-bind", os.path.realpath(lib), lib]
    args += [
        "--dev", "/dev",
        "--size", str(config.tmp_mb << 20), "--tmpfs", INSIDE_TMP,
        "--chdir", INSIDE_TMP,
        "--remount-ro", "/",
        "--",
        python,
    ]  # fmt: skip
    return args


def _runtime_python(config: SandboxConfig) -> str:
    return f"python{config.python_version}"


def command(config: SandboxConfig, *, sandboxed: bool = True) -> list[str]:
    """The argv of one run (the job itself arrives on stdin)."""
    name = _runtime_python(config)
    flags = ["-I", "-B", "-X", "utf8", "-c", HARNESS_SOURCE]
    if sandboxed:
        return _bwrap_args(config, f"{INSIDE_PYTHON}/bin/{name}") + flags
    return [str(config.runtime / "python" / "bin" / name), *flags]


def _payload(job: Job, token: str, fd: int) -> bytes:
    limits = job.limits
    return json.dumps(
        {
            "token": token,
            "fd": fd,
            "code": job.code,
            "limits": {
                "cpu_seconds": limits.cpu_seconds,
                "memory_mb": limits.memory_mb,
                "file_mb": limits.file_mb,
                "processes": limits.processes,
            },
            "suites": [
                {"name": s.name, "source": s.source, "tests": list(s.tests), "show": s.show}
                for s in job.suites
            ],
        }
    ).encode()


def _parse_events(raw: bytes, token: str) -> list[dict[str, Any]]:
    events = []
    prefix = token.encode() + b" "
    for line in raw.splitlines():
        if not line.startswith(prefix):
            continue  # not ours: the learner wrote to the results pipe
        try:
            event = json.loads(line[len(prefix) :])
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("ev"), str):
            events.append(event)
    return events


def launch(config: SandboxConfig, job: Job, *, uid: int | None, sandboxed: bool) -> RunReport:
    """Run ``job`` now (the caller holds a slot). ``uid``: drop to it first (app is root)."""
    token = secrets.token_hex(16)
    read_fd, write_fd = os.pipe()
    stdin_fd = os.memfd_create("candor-job", os.MFD_CLOEXEC)
    proc: subprocess.Popen[bytes] | None = None
    try:
        os.write(stdin_fd, _payload(job, token, write_fd))
        os.lseek(stdin_fd, 0, os.SEEK_SET)
        extra: dict[str, Any] = {}
        if uid is not None:
            extra = {"user": uid, "group": uid, "extra_groups": []}
        started = time.monotonic()
        proc = subprocess.Popen(
            command(config, sandboxed=sandboxed),
            stdin=stdin_fd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(write_fd,),
            # bwrap itself sees nothing of the app's environment either.
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            cwd="/",
            start_new_session=True,  # one process group to kill
            **extra,
        )
        os.close(write_fd)
        write_fd = -1
        return _collect(proc, read_fd, job.limits, token, started)
    finally:
        for fd in (read_fd, write_fd, stdin_fd):
            if fd >= 0:
                os.close(fd)
        if proc is not None and proc.poll() is None:
            _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _collect(
    proc: subprocess.Popen[bytes], read_fd: int, limits: Limits, token: str, started: float
) -> RunReport:
    assert proc.stdout is not None and proc.stderr is not None
    deadline = started + limits.wall_seconds + STARTUP_GRACE_SECONDS
    output_cap = limits.output_kb * 1024
    buffers: dict[int, bytearray] = {
        proc.stdout.fileno(): bytearray(),
        proc.stderr.fileno(): bytearray(),
        read_fd: bytearray(),
    }
    outcome = ""
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome = "timeout"
                break
            for key, _ in selector.select(remaining):
                fd = int(key.fd)
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    continue
                buffers[fd] += chunk
            output = len(buffers[proc.stdout.fileno()]) + len(buffers[proc.stderr.fileno()])
            if output > output_cap:
                outcome = "output_limit"
                break
            if len(buffers[read_fd]) > MAX_RESULT_BYTES:
                outcome = "crashed"
                break
    if outcome:
        _kill(proc)
    else:
        # Every pipe is closed, so the sandbox's init has exited or is about to.
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            outcome = "timeout"
            _kill(proc)
    wall_ms = int((time.monotonic() - started) * 1000)
    events = _parse_events(bytes(buffers[read_fd]), token)
    if not outcome:
        outcome = "finished" if events and events[-1]["ev"] in _FINAL_EVENTS else "crashed"
    return RunReport(
        outcome=outcome,
        events=events,
        stdout=bytes(buffers[proc.stdout.fileno()][:output_cap]),
        stderr=bytes(buffers[proc.stderr.fileno()][:output_cap]),
        wall_ms=wall_ms,
        returncode=proc.returncode,
    )


_FINAL_EVENTS = {"done", "syntax_error", "module_error"}
