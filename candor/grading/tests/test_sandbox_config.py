"""When the sandbox cannot run code it says so and runs nothing; slots bound concurrent runs
machine-wide; the dev override is honoured only in dev."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from candor.grading import sandbox
from candor.grading.code import CodeGrader
from candor.grading.sandbox.config import SandboxConfigError, load_config
from candor.grading.sandbox.feedback import BUSY, UNAVAILABLE

pytestmark = pytest.mark.sandbox

grader = CodeGrader()
SPEC: dict[str, Any] = {
    "solution": "def answer():\n    return 42\n",
    "visible_tests": "def test_answer():\n    assert answer() == 42\n",
    "limits": {"cpu_seconds": 2, "wall_seconds": 4},
}


@pytest.fixture(autouse=True)
def own_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANDOR_SANDBOX_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("CANDOR_SANDBOX_UID_BASE", "64700")


def grade(code: str) -> Any:
    return grader.grade(SPEC, grader.parse_answer(SPEC, {"code": code, "mode": "submit"}))


def marker_code(marker: Path) -> str:
    # Writes a file on the *host* if it ever runs outside the sandbox.
    return f"open({str(marker)!r}, 'w').write('ran')\ndef answer():\n    return 42\n"


def test_missing_bwrap_means_code_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CANDOR_SANDBOX_BWRAP", str(tmp_path / "no-such" / "bwrap"))
    marker = tmp_path / "ran.txt"
    with caplog.at_level(logging.ERROR, logger="candor.grading.sandbox"):
        result = grade(marker_code(marker))
    assert result.error_kind == "sandbox_unavailable"
    assert result.error_message == UNAVAILABLE
    assert not result.correct and not marker.exists()
    assert "SANDBOX UNAVAILABLE" in caplog.text and "bwrap) was not found" in caplog.text
    assert "bwrap" in sandbox.problem()


def test_missing_runtime_means_code_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CANDOR_GRADER_RUNTIME", str(tmp_path / "empty"))
    with caplog.at_level(logging.ERROR, logger="candor.grading.sandbox"):
        result = grade("def answer():\n    return 42\n")
    assert result.error_kind == "sandbox_unavailable"
    assert "setup-grader-runtime.sh" in caplog.text


@pytest.mark.parametrize("env", ["test", "production", "demo"])
def test_unsandboxed_flag_is_refused_outside_dev(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CANDOR_ENV", env)
    monkeypatch.setenv("CANDOR_SANDBOX_ALLOW_UNSANDBOXED", "1")
    monkeypatch.setenv("CANDOR_SANDBOX_BWRAP", str(tmp_path / "no-such" / "bwrap"))
    marker = tmp_path / "ran.txt"
    with caplog.at_level(logging.ERROR, logger="candor.grading.sandbox"):
        result = grade(marker_code(marker))
    assert result.error_kind == "sandbox_unavailable" and not marker.exists()
    assert "refusing to run" in caplog.text


def test_dev_flag_runs_without_bwrap_and_warns_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CANDOR_ENV", "dev")
    monkeypatch.setenv("CANDOR_SANDBOX_ALLOW_UNSANDBOXED", "1")
    monkeypatch.setenv("CANDOR_SANDBOX_BWRAP", str(tmp_path / "no-such" / "bwrap"))
    with caplog.at_level(logging.WARNING, logger="candor.grading.sandbox"):
        result = grade("def answer():\n    return 42\n")
    assert result.correct, result
    assert "WITHOUT a sandbox" in caplog.text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CANDOR_SANDBOX_SLOTS", "0"),
        ("CANDOR_SANDBOX_SLOTS", "two"),
        ("CANDOR_SANDBOX_UID_BASE", "0"),
        ("CANDOR_SANDBOX_TMP_MB", "-1"),
        ("CANDOR_SANDBOX_ALLOW_UNSANDBOXED", "maybe"),
    ],
)
def test_malformed_settings_fail_closed(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SandboxConfigError, match=name):
        load_config()
    with caplog.at_level(logging.ERROR, logger="candor.grading.sandbox"):
        result = grade("def answer():\n    return 42\n")
    assert result.error_kind == "sandbox_unavailable"
    assert name in caplog.text


def test_a_slot_held_by_another_process_makes_runs_wait_then_give_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANDOR_SANDBOX_SLOTS", "1")
    monkeypatch.setenv("CANDOR_SANDBOX_SLOT_WAIT_SECONDS", "1")
    lock = tmp_path / "locks" / "slot-0.lock"
    lock.parent.mkdir()
    # Another app process holding the machine's only slot.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        result = grade("def answer():\n    return 42\n")
        assert result.error_kind == "sandbox_unavailable" and result.error_message == BUSY
        assert 1.0 <= time.monotonic() - started < 3.0
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert grade("def answer():\n    return 42\n").correct


HOLD_LOCK = """
import fcntl, sys, time
lock = open(sys.argv[1], "w")
fcntl.flock(lock, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(30)
"""


def test_one_slot_means_one_run_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANDOR_SANDBOX_SLOTS", "1")
    code = "import time\ntime.sleep(0.6)\ndef answer():\n    return 42\n"
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(grade(code).correct)) for _ in "ab"]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True, True]
    assert time.monotonic() - started >= 1.2  # one after the other, not side by side


FAILING_BWRAP = """#!/bin/sh
if [ "$1" = "--help" ]; then echo "--size --disable-userns --clearenv --die-with-parent"; exit 0; fi
echo "bwrap: No permissions to create a new namespace" >&2
exit 1
"""


def test_a_bwrap_that_cannot_start_means_code_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Like a kernel without unprivileged user namespaces: bwrap is there but fails at once.
    folder = Path(tempfile.mkdtemp(prefix="fake-bwrap-"))
    try:
        folder.chmod(0o755)  # the sandbox's uid must be able to run it
        fake = folder / "bwrap"
        fake.write_text(FAILING_BWRAP)
        fake.chmod(0o755)
        monkeypatch.setenv("CANDOR_SANDBOX_BWRAP", str(fake))
        with caplog.at_level(logging.ERROR, logger="candor.grading.sandbox"):
            result = grade(marker_code(tmp_path / "ran.txt"))
    finally:
        shutil.rmtree(folder)
    assert result.error_kind == "sandbox_unavailable" and result.error_message == UNAVAILABLE
    assert "No permissions to create a new namespace" in caplog.text
    assert not (tmp_path / "ran.txt").exists()


def test_the_runtime_may_sit_where_the_sandbox_uid_cannot_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like a checkout under /root (mode 700): the app opens the runtime, bwrap binds the fd.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "runtime").symlink_to(load_config().runtime)
    monkeypatch.setenv("CANDOR_GRADER_RUNTIME", str(private / "runtime"))
    assert grade("def answer():\n    return 42\n").correct
