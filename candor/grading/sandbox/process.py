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
import marshal
import os
import secrets
import select
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from candor.grading.sandbox.config import INSIDE_PYTHON, SandboxConfig

# Inside the sandbox /tmp is a private tmpfs of its own, not the host's shared /tmp.
INSIDE_TMP = "/tmp"  # noqa: S108

HARNESS_SOURCE = (Path(__file__).parent / "harness.py").read_text()
# Compiled once here rather than in every run (a few ms each); sent as marshal data, which only
# an interpreter of the same version can load — otherwise the source goes instead.
_HARNESS_CODE = compile(HARNESS_SOURCE, "<candor harness>", "exec", dont_inherit=True)
_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
# The whole program given to -c: load (harness, job) from stdin and run the harness.
BOOTSTRAP = (
    "import marshal,sys;h,j=marshal.loads(sys.stdin.buffer.read());"
    "exec(h,{'__name__':'__main__','__builtins__':__builtins__,'JOB':j})"
)
# What a run may send back as results: a few KB per test, bounded by the number of tests.
MAX_RESULT_BYTES = 2 << 20
# bwrap and the interpreter start in ~30 ms; give a loaded machine some slack on top of the
# author's wall clock before calling it a timeout.
STARTUP_GRACE_SECONDS = 0.5
# How long a killed sandbox may take to disappear before the slot is handed on regardless.
TEARDOWN_SECONDS = 5.0
# Not bwrap's --dev: a writable, unbounded tmpfs of nine mounts, with ptys learners do not need.
_DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
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


def _bwrap_args(config: SandboxConfig, python: str, runtime_fd: int) -> list[str]:
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
    # The filesystem: an empty root, read-only; the runtime (interpreter, libraries and the
    # system libraries they link against, copied by the setup script) at a neutral path; three
    # device nodes; a private, size-limited /tmp. Every mount costs start-up time, so few.
    loader = (config.runtime / "loader.txt").read_text().strip()
    args += [
        # From a descriptor the app opened: the sandbox's uid may not be allowed to walk the
        # path to the runtime (a checkout under /root, a mode-750 /srv), and needs not.
        "--ro-bind-fd", str(runtime_fd), INSIDE_PYTHON,
        "--symlink", f"{INSIDE_PYTHON}/lib/{os.path.basename(loader)}", loader,
    ]  # fmt: skip
    for device in _DEVICES:
        args += ["--dev-bind", device, device]
    args += [
        "--size", str(config.tmp_mb << 20), "--tmpfs", INSIDE_TMP,
        "--chdir", INSIDE_TMP,
        "--remount-ro", "/",
        "--",
        python,
    ]  # fmt: skip
    return args


def _runtime_python(config: SandboxConfig) -> str:
    return f"python{config.python_version}"


def command(
    config: SandboxConfig, *, sandboxed: bool = True, info_fd: int = -1, runtime_fd: int = -1
) -> list[str]:
    """The argv of one run (the job itself arrives on stdin)."""
    name = _runtime_python(config)
    flags = ["-I", "-B", "-X", "utf8", "-c", BOOTSTRAP]
    if not sandboxed:
        return [str(config.runtime / "python" / "bin" / name), *flags]
    args = _bwrap_args(config, f"{INSIDE_PYTHON}/bin/{name}", runtime_fd)
    if info_fd >= 0:
        # bwrap reports the host pid of the sandbox's init there: see _Run.wait_for_teardown.
        args[1:1] = ["--info-fd", str(info_fd)]
    return args + flags


def open_runtime(config: SandboxConfig) -> int:
    """An O_PATH descriptor of the runtime folder, for bwrap's --ro-bind-fd."""
    return os.open(config.runtime / "python", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)


def _payload(job: Job, token: str, fd: int, python_version: str) -> bytes:
    """The harness and its job, as marshal data: it loads without importing anything."""
    limits = job.limits
    harness = _HARNESS_CODE if python_version == _VERSION else HARNESS_SOURCE
    job_data = {
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
    return marshal.dumps((harness, job_data))


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
    results_r, results_w = os.pipe()
    info_r, info_w = os.pipe() if sandboxed else (-1, -1)
    stdin_fd = os.memfd_create("candor-job", os.MFD_CLOEXEC)
    runtime_fd = open_runtime(config) if sandboxed else -1
    fds = [results_r, results_w, info_r, info_w, stdin_fd, runtime_fd]
    proc: subprocess.Popen[bytes] | None = None
    run: _Run | None = None
    scratch = ""
    try:
        os.write(stdin_fd, _payload(job, token, results_w, config.python_version))
        os.lseek(stdin_fd, 0, os.SEEK_SET)
        # bwrap itself sees nothing of the app's environment either. Without bwrap (dev only)
        # the code at least runs in a throw-away folder rather than the app's.
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        workdir = "/"
        if not sandboxed:
            workdir = scratch = tempfile.mkdtemp(prefix="candor-unsandboxed-")
            env |= {"HOME": scratch, "TMPDIR": scratch} | dict.fromkeys(_THREAD_VARS, "1")
        extra: dict[str, Any] = {}
        if uid is not None:
            extra = {"user": uid, "group": uid, "extra_groups": []}
        started = time.monotonic()
        proc = subprocess.Popen(
            command(config, sandboxed=sandboxed, info_fd=info_w, runtime_fd=runtime_fd),
            stdin=stdin_fd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=tuple(fd for fd in (results_w, info_w, runtime_fd) if fd >= 0),
            env=env,
            cwd=workdir,
            start_new_session=True,  # one process group to kill
            **extra,
        )
        for fd in (results_w, info_w, runtime_fd):
            if fd >= 0:
                os.close(fd)
        fds = [results_r, info_r, stdin_fd]
        run = _Run(proc, results_r, info_r, job.limits, started)
        return run.collect(token)
    finally:
        for fd in fds:
            if fd >= 0:
                os.close(fd)
        if proc is not None:
            if proc.poll() is None:
                _kill(proc)
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
        if run is not None:
            run.wait_for_teardown()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class _Run:
    """Reads one run's pipes until they close, a limit is hit or the wall clock runs out."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        results_fd: int,
        info_fd: int,
        limits: Limits,
        started: float,
    ) -> None:
        assert proc.stdout is not None and proc.stderr is not None
        self.proc, self.limits, self.started = proc, limits, started
        self.out, self.err = proc.stdout.fileno(), proc.stderr.fileno()
        self.results, self.info = results_fd, info_fd
        self.buffers = {fd: bytearray() for fd in (self.out, self.err, results_fd, info_fd)}
        self.pidfd = -1

    def collect(self, token: str) -> RunReport:
        proc, limits = self.proc, self.limits
        deadline = self.started + limits.wall_seconds + STARTUP_GRACE_SECONDS
        outcome = self._read_until(deadline, limits.output_kb * 1024)
        if outcome:
            _kill(proc)
        else:
            # Every pipe is closed, so the sandbox's init has exited or is about to.
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                outcome = "timeout"
                _kill(proc)
        events = _parse_events(bytes(self.buffers[self.results]), token)
        if not outcome:
            outcome = "finished" if events and events[-1]["ev"] in _FINAL_EVENTS else "crashed"
        cap = limits.output_kb * 1024
        return RunReport(
            outcome=outcome,
            events=events,
            stdout=bytes(self.buffers[self.out][:cap]),
            stderr=bytes(self.buffers[self.err][:cap]),
            wall_ms=int((time.monotonic() - self.started) * 1000),
            returncode=proc.returncode,
        )

    def _read_until(self, deadline: float, output_cap: int) -> str:
        """ "" when every pipe closed; else why reading stopped early."""
        with selectors.DefaultSelector() as selector:
            for fd in self.buffers:
                if fd >= 0:
                    os.set_blocking(fd, False)
                    selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return "timeout"
                for key, _ in selector.select(remaining):
                    fd = int(key.fd)
                    with contextlib.suppress(BlockingIOError):
                        chunk = os.read(fd, 65536)
                        if not chunk:
                            selector.unregister(fd)
                        self.buffers[fd] += chunk
                        if fd == self.info and self.pidfd < 0:
                            self._watch_init()
                if len(self.buffers[self.out]) + len(self.buffers[self.err]) > output_cap:
                    return "output_limit"
                if len(self.buffers[self.results]) > MAX_RESULT_BYTES:
                    return "crashed"
        return ""

    def _watch_init(self) -> None:
        try:
            pid = json.loads(bytes(self.buffers[self.info]))["child-pid"]
            self.pidfd = os.pidfd_open(int(pid))
        except (ValueError, KeyError, TypeError, OSError):
            pass  # not complete yet, or already gone

    def wait_for_teardown(self) -> None:
        """Return once every process of the run is gone, so the slot is really free.

        bwrap's monitor exits as soon as it learns the exit status, and killing it only
        *starts* the teardown: the sandbox's init (pid 1 of its namespace) dies, and the kernel
        then kills and waits for every other process in the namespace before that init has
        fully exited. So waiting for the init to exit waits for all of them, memory included.
        """
        if self.pidfd < 0:
            return
        try:
            select.select([self.pidfd], [], [], TEARDOWN_SECONDS)
        finally:
            os.close(self.pidfd)
            self.pidfd = -1


_FINAL_EVENTS = {"done", "syntax_error", "module_error"}
