"""The sandbox's configuration, read from the environment and failing closed.

Read here rather than in ``settings.py`` so that ``grading`` stays a leaf that works without
Django (the benchmark and the content checker use it bare). Every value is parsed strictly: a
malformed value is a ``SandboxConfigError``, which the sandbox turns into "code is not run"
plus a loud log line — never into a guess.

| variable | default | meaning |
|---|---|---|
| ``CANDOR_SANDBOX_BWRAP`` | ``bwrap`` on PATH | the bubblewrap binary |
| ``CANDOR_GRADER_RUNTIME`` | ``<repo>/.venv-grader`` | built by scripts/setup-grader-runtime.sh |
| ``CANDOR_SANDBOX_SLOTS`` | number of CPUs | concurrent runs on this machine, across processes |
| ``CANDOR_SANDBOX_UID_BASE`` | 64000 | slot N runs as uid/gid base+N (when the app is root) |
| ``CANDOR_SANDBOX_LOCK_DIR`` | ``$CANDOR_VAR_DIR/sandbox`` | one lock file per slot |
| ``CANDOR_SANDBOX_SLOT_WAIT_SECONDS`` | 120 | how long a run waits for a free slot |
| ``CANDOR_SANDBOX_TMP_MB`` | 32 | size of the sandbox's private /tmp |
| ``CANDOR_SANDBOX_ALLOW_UNSANDBOXED`` | off | run without bwrap; only with CANDOR_ENV=dev |
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
INSIDE_PYTHON = "/opt/python"  # where the runtime appears inside the sandbox
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class SandboxConfigError(Exception):
    """The environment asks for something the sandbox will not do; code is not run."""


@dataclass(frozen=True)
class SandboxConfig:
    env: str
    bwrap: str  # "" when not found
    runtime: Path
    slots: int
    uid_base: int
    lock_dir: Path
    slot_wait_seconds: float
    tmp_mb: int
    allow_unsandboxed: bool  # already restricted to CANDOR_ENV=dev

    @property
    def python_version(self) -> str:
        """``3.11`` — the runtime's interpreter, found from its binary's name."""
        found = sorted(p.name for p in (self.runtime / "python" / "bin").glob("python3.*"))
        return found[0].removeprefix("python") if found else ""


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SandboxConfigError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _bool(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SandboxConfigError(f"{name} must be 1 or 0, not {raw!r}")


def load_config() -> SandboxConfig:
    """Read the environment now (cheap: tests and operators may change it between runs)."""
    env = os.environ.get("CANDOR_ENV", "production").strip().lower()
    bwrap = os.environ.get("CANDOR_SANDBOX_BWRAP", "").strip() or shutil.which("bwrap") or ""
    runtime = Path(os.environ.get("CANDOR_GRADER_RUNTIME", "") or REPO_ROOT / ".venv-grader")
    var_dir = Path(os.environ.get("CANDOR_VAR_DIR", "") or REPO_ROOT / "var")
    lock_dir = Path(os.environ.get("CANDOR_SANDBOX_LOCK_DIR", "") or var_dir / "sandbox")
    slots = _int("CANDOR_SANDBOX_SLOTS", os.cpu_count() or 1, 1, 256)
    uid_base = _int("CANDOR_SANDBOX_UID_BASE", 64000, 1000, 4_000_000_000)
    if uid_base + slots > 4_294_967_294:
        raise SandboxConfigError("CANDOR_SANDBOX_UID_BASE + CANDOR_SANDBOX_SLOTS is too large")
    allow = _bool("CANDOR_SANDBOX_ALLOW_UNSANDBOXED")
    if allow and env != "dev":
        # Fail closed: a flag copied into a production environment must not switch isolation off.
        raise SandboxConfigError(
            "CANDOR_SANDBOX_ALLOW_UNSANDBOXED is set but CANDOR_ENV is not dev: refusing to run "
            "learners' code without the sandbox"
        )
    return SandboxConfig(
        env=env,
        bwrap=bwrap,
        runtime=runtime.absolute(),
        slots=slots,
        uid_base=uid_base,
        lock_dir=lock_dir,
        slot_wait_seconds=float(_int("CANDOR_SANDBOX_SLOT_WAIT_SECONDS", 120, 1, 3600)),
        tmp_mb=_int("CANDOR_SANDBOX_TMP_MB", 32, 1, 1024),
        allow_unsandboxed=allow,
    )
