"""Privacy tests sign checkpoints with a throw-away key into a throw-away directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def audit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CANDOR_AUDIT_KEY_FILE", str(tmp_path / "audit-keys" / "checkpoint.key"))
    monkeypatch.setenv("CANDOR_AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    yield tmp_path / "checkpoints"
