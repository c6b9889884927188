# ruff: noqa
# mypy: ignore-errors
"""Hostile: use no CPU at all and never finish (only the wall clock stops this)."""

import signal
import time

signal.signal(signal.SIGXCPU, signal.SIG_IGN)
time.sleep(10**6)
