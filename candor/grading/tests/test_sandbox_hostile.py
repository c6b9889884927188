"""Hostile submissions (issue 3), really run under bubblewrap: each is contained, with a clear
result for the learner, while the app keeps serving.

The samples live in ``hostile/``; each prints one ``PROBE {json}`` line describing what it
managed to do, which these tests compare with what the sandbox must allow.
"""

from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from candor.grading import sandbox
from candor.grading.base import GradeResult
from candor.grading.code import CodeGrader
from candor.grading.sandbox.config import REPO_ROOT
from candor.grading.sandbox.feedback import DISPLAY_CHARS

pytestmark = pytest.mark.sandbox

HOSTILE = Path(__file__).parent / "hostile"
UID_BASE = 64500  # a range of our own, so other test runs on this machine cannot blur the check
grader = CodeGrader()
SPEC: dict[str, Any] = {
    "solution": "def answer():\n    return 42\n",
    "visible_tests": "def test_still_running():\n    assert True\n",
    "limits": {"cpu_seconds": 2, "wall_seconds": 4},
}
FAST = {"cpu_seconds": 1, "wall_seconds": 2}


@pytest.fixture(scope="module", autouse=True)
def own_slots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CANDOR_SANDBOX_UID_BASE", str(UID_BASE))
        mp.setenv("CANDOR_SANDBOX_LOCK_DIR", str(tmp_path_factory.mktemp("slots")))
        reason = sandbox.problem()
        assert not reason, f"these tests need a working sandbox (bubblewrap): {reason}"
        yield


def run(name: str, config: dict[str, Any] | None = None, **spec: Any) -> GradeResult:
    code = (HOSTILE / f"{name}.py").read_text()
    if config is not None:
        literal = f"json.loads({json.dumps(json.dumps(config))})"
        code = code.replace('json.loads("{}")', literal, 1)
    full = {**SPEC, **spec}
    return grader.grade(full, grader.parse_answer(full, {"code": code, "mode": "run"}))


def probe(result: GradeResult) -> Any:
    for line in result.stdout.splitlines():
        if line.startswith("PROBE "):
            return json.loads(line[len("PROBE ") :])
    raise AssertionError(f"the sample printed no probe: {result}")


def leftovers() -> list[str]:
    """Processes still alive under the sandbox's uids (only root can switch uid).

    Zombies do not count: bwrap's monitor exits without reaping the sandbox's init, which is
    then reaped by the machine's pid 1, in its own time; a zombie holds no memory.
    """
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        match = re.search(r"^Uid:\s+(\d+)", text, re.M)
        if re.search(r"^State:\s+Z", text, re.M):
            continue
        if match and UID_BASE <= int(match.group(1)) < UID_BASE + 256:
            found.append(text.splitlines()[0])
    return found


def test_host_users_app_settings_database_and_keys_are_not_there(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "keys").mkdir(parents=True)
    (app / "settings.py").write_text("SECRET_KEY = 'fake-but-secret'\n")
    (app / "keys" / "kek.key").write_text("TOPSECRET-KEK")
    files = [
        "/etc/passwd",
        "/etc/shadow",
        str(REPO_ROOT / "candor" / "settings.py"),
        str(REPO_ROOT / "var" / "secret_key"),
        str(REPO_ROOT / "var" / "candor.sqlite3"),
        str(app / "settings.py"),
        str(app / "keys" / "kek.key"),
        "/root/.pyenv/version",
    ]
    if key_dir := os.environ.get("CANDOR_VAULT_KEY_DIR"):
        files.append(str(Path(key_dir) / "kek"))
    dirs = ["/", "/dev", "/etc", "/home", "/root", "/proc", "/sys", "/usr", str(REPO_ROOT)]
    dirs.append(str(REPO_ROOT / "var"))
    found = probe(run("read_secrets", {"files": files, "dirs": [*dirs, str(app)]}))
    assert found["files"] == dict.fromkeys(files, "FileNotFoundError")
    assert found["dirs"]["/"] == ["dev", "lib64", "opt", "tmp"]
    assert found["dirs"]["/dev"] == ["null", "urandom", "zero"]
    assert all(found["dirs"][d] == "FileNotFoundError" for d in [*dirs[2:], str(app)])
    # uid 0 does not even exist in the run's user namespace.
    assert found["setuid0"] in {"EPERM", "EINVAL"}
    if os.geteuid() == 0:
        assert UID_BASE <= found["uid"][0] < UID_BASE + 256, found["uid"]
    assert 0 not in found["uid"]


def test_writes_outside_tmp_fail_and_tmp_is_private_and_bounded(tmp_path: Path) -> None:
    host_path = tmp_path / "owned.txt"
    found = probe(run("write_outside_tmp", {"host_path": str(host_path)}))
    assert set(found["writes"].values()) <= {"EROFS", "ENOENT", "EACCES"}, found["writes"]
    assert not host_path.exists()
    assert found["tmp_ok"] is True
    written, failure = found["fill"]
    # Each file stops at RLIMIT_FSIZE (8 MB, EFBIG); the tmpfs as a whole at 32 MB (ENOSPC).
    assert failure in {"EFBIG", "ENOSPC"} and written <= 32 << 20


def test_no_network_not_the_apps_port_nor_postgresql_nor_host_sockets(tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    abstract = f"candor-test-{os.getpid()}-{time.monotonic_ns()}"
    host_abstract = socket.socket(socket.AF_UNIX)
    host_abstract.bind("\0" + abstract)
    host_abstract.listen()
    unix_path = tmp_path / "app.sock"
    host_unix = socket.socket(socket.AF_UNIX)
    host_unix.bind(str(unix_path))
    host_unix.listen()
    port = listener.getsockname()[1]
    try:
        found = probe(
            run(
                "net_sockets",
                {"ports": [port, 5432, 55432, 8000], "abstract": abstract, "unix": str(unix_path)},
            )
        )
        # Nothing reached the host's listeners.
        ready, _, _ = select.select([listener, host_abstract, host_unix], [], [], 0)
        assert ready == []
    finally:
        for s in (listener, host_abstract, host_unix):
            s.close()
    assert found["tcp"] == dict.fromkeys(
        [str(p) for p in (port, 5432, 55432, 8000)], "ECONNREFUSED"
    )
    assert found["route"] == "ENETUNREACH"
    assert found["interfaces"] == ["lo"]
    assert found["dns"] != "RESOLVED"
    assert found["abstract"] == "ECONNREFUSED"  # the abstract namespace belongs to the netns
    assert found["unix"] == "ENOENT"


def test_subprocesses_find_no_host_tools_and_children_stay_inside() -> None:
    result = run("subprocesses")
    found = probe(result)
    assert found["ls"] == found["/bin/sh"] == found["/usr/bin/curl"] == "FileNotFoundError"
    assert found["os.system"] != 0  # no shell to run it
    returncode, uid, error = found["child"]
    assert returncode == 1 and int(uid) == found["parent_uid"]
    assert "FileNotFoundError" in error and "/etc/passwd" in error


def test_environment_holds_nothing_of_the_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANDOR_SECRET_KEY", "test-secret-value-1f4e")
    monkeypatch.setenv("DATABASE_URL", "postgresql://candor:test-secret-value-1f4e@db/candor")
    result = run("env_secrets")
    found = probe(result)
    allowed = (
        {"PATH", "PWD", "HOME", "TMPDIR", "LANG", "LD_LIBRARY_PATH"}
        | {f"{lib}_NUM_THREADS" for lib in ("OPENBLAS", "OMP", "MKL", "NUMEXPR")}
        | {"LOKY_MAX_CPU_COUNT"}
    )
    assert set(found["environ"]) <= allowed, found["environ"]
    assert "test-secret-value" not in result.stdout
    assert found["/proc/self/environ"] == found["/proc/1/environ"] == "FileNotFoundError"


def test_signals_reach_neither_the_app_nor_its_other_processes() -> None:
    sibling = subprocess.Popen(["sleep", "30"])
    try:
        result = run("signal_parent", {"app_pid": os.getpid(), "sibling_pid": sibling.pid})
        found = probe(result)
        assert sibling.poll() is None, "the sibling process was killed"
    finally:
        sibling.kill()
        sibling.wait()
    # Inside its own PID namespace the run sees only itself and bwrap's init (pid 1), which
    # ignores signals from inside; host pids do not exist there.
    assert found["ppid"] == 1
    assert found["kills"]["app"] == found["kills"]["sibling"] == "ProcessLookupError"
    assert result.correct, result


def test_ctypes_crash_is_reported_and_contained() -> None:
    result = run("ctypes_crash")
    assert result.error_kind == "crash"
    assert "segmentation fault" in result.error_message
    assert "about to crash" in result.stdout
    assert result.tests[0].message.startswith("Not run")


def test_fork_bomb_is_stopped_and_leaves_no_process_behind() -> None:
    started = time.monotonic()
    result = run("fork_bomb", limits=FAST)
    assert result.error_kind == "timeout", result
    assert time.monotonic() - started < FAST["wall_seconds"] + 3
    assert leftovers() == []


def test_forks_are_bounded_and_sleeping_children_die_with_the_run() -> None:
    result = run("fork_count")
    found = probe(result)
    assert 0 < found["forked"] < 16 and found["error"] == "BlockingIOError", found
    assert result.correct  # the run itself finished normally
    assert leftovers() == []


@pytest.mark.parametrize("sample", ["memory_bomb", "numpy_memory_bomb"])
def test_memory_bombs_hit_the_memory_limit(sample: str) -> None:
    # Room on the clock, so a busy machine cannot turn this into a timeout.
    result = run(sample, limits={"cpu_seconds": 3, "wall_seconds": 8, "memory_mb": 256})
    assert result.error_kind == "memory", result
    assert "256 MB" in result.error_message


@pytest.mark.parametrize("sample", ["infinite_loop", "sleep_forever"])
def test_endless_work_or_sleep_times_out(sample: str) -> None:
    started = time.monotonic()
    result = run(sample, limits=FAST)
    assert result.error_kind == "timeout", result
    assert "took too long" in result.error_message
    assert time.monotonic() - started < FAST["wall_seconds"] + 3


@pytest.mark.parametrize("sample", ["endless_output", "big_print"])
def test_endless_or_huge_output_is_capped(sample: str) -> None:
    result = run(sample, limits={**FAST, "output_kb": 16})
    assert result.error_kind == "output_limit", result
    assert "more than 16 KB" in result.error_message
    assert len(result.stdout) <= DISPLAY_CHARS + 100 and len(result.stderr) <= DISPLAY_CHARS + 100


def test_forged_results_are_ignored() -> None:
    tests = "def test_still_running():\n    assert answer() == 42, 'not 42'\n"
    result = run("forge_result", visible_tests=tests)
    assert not result.correct
    assert [(t.name, t.passed, t.message) for t in result.tests] == [
        ("test_still_running", False, "not 42")
    ]


def test_one_run_cannot_see_what_another_left_behind() -> None:
    assert probe(run("leave_answer")) == {"left": True}
    found = probe(run("find_answer"))
    assert set(found.values()) == {"FileNotFoundError"}, found


@pytest.mark.django_db
def test_the_app_keeps_serving_while_hostile_code_runs(client: Any) -> None:
    results: dict[str, GradeResult] = {}

    def attack(sample: str) -> None:
        # The memory bomb shares two CPUs with a fork bomb: give it time to reach its limit.
        limits = {"cpu_seconds": 2, "wall_seconds": 6, "memory_mb": 256}
        results[sample] = run(sample, limits=limits if sample == "memory_bomb" else FAST)

    threads = [
        threading.Thread(target=attack, args=(s,))
        for s in ("fork_bomb", "memory_bomb", "infinite_loop", "endless_output")
    ]
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    try:
        while any(t.is_alive() for t in threads):
            started = time.monotonic()
            response = client.get("/login/")
            latencies.append(time.monotonic() - started)
            assert response.status_code == 200
            time.sleep(0.05)
    finally:
        for thread in threads:
            thread.join(30)
    # Generous bounds: this machine may be busy with other test runs too. What must hold is
    # that every request is served while four hostile runs share two CPUs with it.
    latencies.sort()
    assert len(latencies) >= 5
    assert latencies[len(latencies) // 2] < 1.0 and latencies[-1] < 5.0, latencies
    assert {s: r.error_kind for s, r in results.items()} == {
        "fork_bomb": "timeout",
        "memory_bomb": "memory",
        "infinite_loop": "timeout",
        "endless_output": "output_limit",
    }
    assert leftovers() == []
