"""Serve Ralph's LRS API (ralph-malph 5.1.0) with its ``fs`` backend appending statements.

Ralph's file-system LRS backend creates its file with ``operation_type=CREATE`` and refuses
every later write ("overwrite is not allowed"), so it accepts exactly one batch. Setting the
backend's ``default_operation_type`` to ``APPEND`` before the API app is imported makes it
append each batch to the same file — the documented way to use the fs backend as a store.

Run inside Ralph's own virtualenv (never committed; see bench/ralph/README.md):

    RALPH_RUNSERVER_BACKEND=fs RALPH_APP_DIR=<dir> \\
    RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=<dir>/lrs \\
    <venv>/bin/uvicorn launcher:app --app-dir bench/ralph --host 127.0.0.1 --port <port>

``ralph runserver`` is not used: it starts uvicorn with auto-reload and debug logging,
which would skew the timings against Ralph.
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402 - must come after the patch above

__all__ = ["app"]
