"""Machine-wide run slots: at most ``slots`` sandboxes at once, whatever the number of app
processes, each slot with its own unprivileged uid.

A slot is an exclusive ``flock`` on ``<lock_dir>/slot-N.lock``. The kernel drops the lock when
its holder dies, so a crashed worker never leaks a slot. One uid per slot matters because
RLIMIT_NPROC and signals are per uid: two runs sharing a uid could count against (or signal)
each other.
"""

from __future__ import annotations

import fcntl
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from candor.grading.sandbox.config import SandboxConfig


class NoFreeSlot(Exception):
    """Every slot stayed busy for ``slot_wait_seconds``."""


@dataclass(frozen=True)
class Slot:
    index: int
    uid: int


@contextmanager
def acquire(config: SandboxConfig) -> Iterator[Slot]:
    config.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    deadline = time.monotonic() + config.slot_wait_seconds
    order = list(range(config.slots))
    while True:
        # Start at a random slot so that waiting processes do not all hammer slot 0.
        start = random.randrange(config.slots)
        for index in order[start:] + order[:start]:
            fd = os.open(config.lock_dir / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield Slot(index=index, uid=config.uid_base + index)
            finally:
                os.close(fd)  # releases the lock
            return
        if time.monotonic() >= deadline:
            raise NoFreeSlot
        time.sleep(0.02 + random.random() * 0.03)
