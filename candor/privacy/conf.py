"""Privacy configuration, read from the environment each time it is needed (never cached, so
tests and operators can point it elsewhere without a restart of the settings).

``CANDOR_AUDIT_KEY_FILE``: the Ed25519 private key that signs audit checkpoints. It lives
outside the database on purpose: whoever can rewrite the database must not also be able to
sign a checkpoint for the rewritten history. Local environments create it on first use; in
production it must exist (``candor audit create-key``) — a silently created key would sign
whatever history the server has, including a rolled-back one.

``CANDOR_AUDIT_CHECKPOINT_DIR``: where checkpoints are written, one file each, never
overwritten. Point it at write-once storage (an object-lock bucket mounted read/append, a
WORM volume, or a directory another machine copies away).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

LOCAL_ENVS = frozenset({"dev", "demo", "test"})
K_MIN_GROUP = 10  # consent coverage: groups smaller than this are shown as "fewer than 10"
RESPONSE_DAYS = 30  # one month to answer a data-subject request (GDPR Art. 12(3))


def is_local() -> bool:
    return os.environ.get("CANDOR_ENV", "production").strip().lower() in LOCAL_ENVS


def var_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path.cwd() / "var"))


def audit_key_file() -> Path:
    raw = os.environ.get("CANDOR_AUDIT_KEY_FILE", "").strip()
    return Path(raw) if raw else var_dir() / "keys" / "audit-checkpoint.key"


def checkpoint_dir() -> Path:
    raw = os.environ.get("CANDOR_AUDIT_CHECKPOINT_DIR", "").strip()
    return Path(raw) if raw else var_dir() / "audit-checkpoints"
