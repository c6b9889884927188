"""The learner's export: everything every app declares about them, plus xAPI statements.

Built only from the data inventory, so an app that declares a model is exported with no
change here; a test checks every declared field of a learner appears.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from candor.privacy.consent import NOTICE_VERSION
from candor.privacy.inventory import declarations
from candor.privacy.xapi import XAPI_VERSION, statements_for

FORMAT = "candor-export/1"


def build_archive(user: Any, base_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    signal_rows: list[dict[str, Any]] = []
    for decl in declarations():
        rows = decl.rows_for(user)
        if decl.model == "signals.SignalSummary":
            signal_rows = rows
        data[decl.model] = {
            "title": decl.title,
            "fields": dict(decl.fields),
            "withheld": dict(decl.withheld),
            "rows": rows,
        }
    return {
        "format": FORMAT,
        "generated_at": timezone.now(),
        "about": {"email": user.email, "name": user.full_name},
        "current_notice_version": NOTICE_VERSION,
        "data": data,
        "xapi": {
            "version": XAPI_VERSION,
            "statements": statements_for(user, base_url, signal_rows),
        },
    }


def to_json(archive: Any) -> bytes:
    """JSON with dates as ISO 8601 and ids as strings; bytes for the download."""
    return json.dumps(archive, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False).encode()


def row_count(archive: dict[str, Any]) -> int:
    return sum(len(section["rows"]) for section in archive["data"].values())
