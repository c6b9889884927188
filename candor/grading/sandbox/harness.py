"""The test runner that executes *inside* the sandbox. Never imported by the app.

It reaches the sandboxed interpreter on stdin (a memfd the host filled), already compiled, with
the job, and uses the standard library only. It sets
the run's resource limits, runs the learner's code as a module named ``solution``, then each
test function, and reports one JSON line per event on a pipe of its own, each prefixed with the
job's random token so that text the learner prints cannot pass for a result.

What this does *not* promise: the learner's code runs in this same interpreter, so a determined
learner can tamper with this runner (patch builtins, find the results pipe and the token) and
forge their own result, or inspect the test functions that call them. That only cheats their own
grade; the boundary that protects the server, its secrets and other learners is the sandbox.
"""

# Startup time is per run, so only modules that are built in or cheap: no json (it imports re),
# no signal (enum), no contextlib, linecache or traceback. This code and the job arrive as
# marshal data (made by the app, so safe to load; see process.BOOTSTRAP); results leave as JSON
# written by hand (see _json): the app must never unmarshal what the learner could have written.
import _signal
import os
import resource
import sys
import time

# Bound before the learner's code runs, so patching ``os`` later does not reach us.
_write, _clock = os.write, time.perf_counter
_FUNCTION = type(lambda: None)
MESSAGE_CHARS = 2000
YOUR_CODE = "<your code>"
_OUT = [3]  # the results pipe's fd, from the job
_SOURCES: dict[str, list[str]] = {}  # visible tests file -> lines, for failing asserts
_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})


def _json(value):
    """JSON for the few types events hold; non-ASCII is escaped so the line is pure ASCII."""
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, dict):
        return "{" + ",".join(_json(str(k)) + ":" + _json(v) for k, v in value.items()) + "}"
    text = str(value).translate(_ESCAPES)
    out = []
    for ch in text:
        code = ord(ch)
        if code < 128:
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
    return '"' + "".join(out) + '"'


def _emit(token, **event):
    line = (token + " " + _json(event) + "\n").encode("ascii")
    while line:
        line = line[_write(_OUT[0], line) :]


def _text(value):
    try:
        text = str(value)
    except BaseException:  # a learner's __str__ may raise anything  # noqa: BLE001
        text = "<message could not be shown>"
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " …"


def _set_limits(limits):
    mb = 1 << 20
    cpu = limits["cpu_seconds"]
    # Soft limit: SIGXCPU; the hard limit one second later kills a process that catches it.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_mb"] * mb,) * 2)
    # Counted per uid inside this run's own user namespace: only this run's processes.
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    # A too-large file should be an OSError the learner can read, not a killed process.
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_IGN)
    # Web requests keep priority over learners' code on a busy machine.
    os.nice(10)


def _where(tb, filename):
    """Line of the innermost frame of ``filename`` in a traceback, or None."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _describe(exc, tests_file, show_test_lines):
    """(type name, message for the learner, line in their code or None)."""
    kind = type(exc).__name__
    line = _where(exc.__traceback__, YOUR_CODE)
    if isinstance(exc, AssertionError) and exc.args:
        return kind, _text(exc.args[0]), line
    if isinstance(exc, AssertionError):
        test_line = _where(exc.__traceback__, tests_file)
        if test_line is None and line is not None:
            return kind, f"an assert in your code failed (line {line} of your code)", line
        if not show_test_lines:
            return kind, "", line
        lines = _SOURCES.get(tests_file, [])
        source = lines[test_line - 1].strip() if test_line and test_line <= len(lines) else ""
        return kind, f"{source or 'assert'} failed (line {test_line} of the tests)", line
    if isinstance(exc, SystemExit):
        return kind, "your code called exit() while the tests were running", line
    if isinstance(exc, MemoryError):  # numpy raises a subclass of its own
        return "MemoryError", "ran out of memory", line
    if isinstance(exc, ImportError) and "failed to map segment" in str(exc):
        return "MemoryError", "ran out of memory while importing a library", line
    text = _text(exc)
    message = f"{kind}: {text}" if text else kind
    if line is not None:
        message += f" (line {line} of your code)"
    return kind, message, line


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 - contextlib would cost a few ms of startup per run
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 - the learner may have replaced or closed it
            pass


def _silence():
    """Point fds 1 and 2 at /dev/null (hidden tests' inputs must not leak through prints)."""
    _flush()
    saved = (os.dup(1), os.dup(2))
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    return saved


def _restore(saved):
    _flush()
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    os.close(saved[0])
    os.close(saved[1])


def _run_suite(token, suite, learner_ns):
    name, filename, show = suite["name"], f"<{suite['name']} tests>", suite["show"]
    tests = suite["tests"]
    if show:
        _SOURCES[filename] = suite["source"].splitlines()
    # Tests see every name the learner's module defined; their own helpers do not leak back.
    ns = dict(learner_ns)
    ns["__name__"] = f"{name}_tests"
    saved = None if show else _silence()
    try:
        try:
            exec(compile(suite["source"], filename, "exec", dont_inherit=True), ns)  # noqa: S102
        except BaseException as exc:  # noqa: BLE001
            kind, message, line = _describe(exc, filename, show)
            for index, test in enumerate(tests):
                _emit(
                    token,
                    ev="result",
                    suite=name,
                    index=index,
                    name=test,
                    passed=False,
                    type=kind,
                    line=line,
                    ms=0,
                    setup=True,
                    message=message,
                )
            return
        for index, test in enumerate(tests):
            _emit(token, ev="start", suite=name, index=index, name=test)
            fn = ns.get(test)
            started = _clock()
            passed, kind, message, line = True, "", "", None
            try:
                if not isinstance(fn, _FUNCTION) or fn.__code__.co_filename != filename:
                    raise AssertionError(f"{test} was replaced by your code; rename your {test}")
                fn()
            except BaseException as exc:  # noqa: BLE001 - every failure is the learner's to see
                passed = False
                kind, message, line = _describe(exc, filename, show)
            _emit(
                token,
                ev="result",
                suite=name,
                index=index,
                name=test,
                passed=passed,
                type=kind,
                line=line,
                ms=int((_clock() - started) * 1000),
                message=message,
            )
    finally:
        if saved is not None:
            _restore(saved)


def main():
    # The bootstrap (process.BOOTSTRAP) has read stdin already and handed the job over.
    job = globals()["JOB"]
    token = job["token"]
    _OUT[0] = job["fd"]
    # Nothing more to read: input() gets EOF at once instead of waiting for the wall clock.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _set_limits(job["limits"])
    _emit(token, ev="ready")
    started = _clock()
    code = job["code"]
    try:
        compiled = compile(code, YOUR_CODE, "exec", dont_inherit=True)
    except SyntaxError as exc:
        _emit(
            token,
            ev="syntax_error",
            type=type(exc).__name__,
            line=exc.lineno,
            col=exc.offset,
            message=_text(exc.msg),
            text=_text((exc.text or "").rstrip()),
        )
        return
    except (ValueError, MemoryError, RecursionError) as exc:  # NUL bytes, absurd nesting
        _emit(
            token,
            ev="syntax_error",
            type=type(exc).__name__,
            line=None,
            col=None,
            message=_text(exc),
            text="",
        )
        return
    module = type(sys)("solution")
    module.__file__ = YOUR_CODE
    sys.modules["solution"] = module
    try:
        exec(compiled, module.__dict__)  # noqa: S102 - this is the point, inside the sandbox
    except BaseException as exc:  # noqa: BLE001
        kind, message, line = _describe(exc, YOUR_CODE, True)
        if isinstance(exc, SystemExit):
            message = "your code called exit() before the tests could run"
        _emit(token, ev="module_error", type=kind, line=line, message=message)
        return
    for suite in job["suites"]:
        _run_suite(token, suite, module.__dict__)
    _emit(token, ev="done", ms=int((_clock() - started) * 1000))


if __name__ == "__main__":
    _status = 0
    try:
        main()
    except BaseException:  # noqa: BLE001 - a runner bug, or the learner closed the results pipe
        import traceback

        traceback.print_exc()
        _status = 70
    _flush()
    # Skip atexit handlers, finalisers and non-daemon threads the learner left behind.
    os._exit(_status)
