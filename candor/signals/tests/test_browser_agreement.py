"""The server accepts every summary the browser's own arithmetic can produce.

Random editing sessions (gaps on every bin edge, hidden periods, pastes, undos, typing over
selections) are run through frontend/lib/collector-core.js under node; each resulting summary
must pass the schema and the cross-field rules. This pins the two implementations together.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from candor.signals.schemas import parse_batch

SCRIPT = Path(__file__).with_name("random_sessions.mjs")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_browser_summary_is_valid(seed: int) -> None:
    out = subprocess.run(
        ["node", str(SCRIPT), "400", str(seed)], capture_output=True, text=True, check=True
    )
    summaries = json.loads(out.stdout)
    assert len(summaries) == 400
    for i in range(0, 400, 100):
        parse_batch(json.dumps({"summaries": summaries[i : i + 100]}).encode())
