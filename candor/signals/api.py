"""The signals API: the collector's upload, and the learner's own summaries.

The upload reads the raw body itself instead of letting django-ninja parse it: the size limit
must be enforced before anything is parsed (413), a body that is not JSON is a 400 and not a
422, and pydantic's ``validate_json`` on the raw bytes is the fastest way through (DESIGN-NOTES
§3). The request schema is still in the OpenAPI description (``openapi_extra``), so clients
and schemathesis see exactly what is validated.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from candor.privacy.consent import ConsentWithdrawn
from candor.signals import ratelimit
from candor.signals.access import access_my_summary_for, my_signal_summaries, signals_allowed
from candor.signals.actions import do_erase_my_signals, do_ingest_signals
from candor.signals.ingestion import Conflict, NotFound
from candor.signals.schemas import (
    MAX_BATCH,
    MAX_BODY_BYTES,
    BatchInvalid,
    MalformedJSON,
    batch_json_schema,
    parse_batch,
)

router = Router(tags=["signals"])

CONSENT_REFUSED = (
    "Interaction signals are off for you: nothing was stored. They are collected only when "
    "you have turned them on and your organisation has enabled them."
)


class Error(Schema):
    detail: Any


class IngestOut(Schema):
    accepted: int = Field(description="Summaries in the batch (duplicates in it counted once).")
    stored: int = Field(description="New rows written.")
    duplicates: int = Field(description="Summaries already stored with the same content.")


class ConflictOut(Schema):
    detail: str
    client_ids: list[str] = Field(description="The client ids stored before with other content.")


class MySummaryOut(Schema):
    id: str
    period: str = Field(description="The retention period (month) the row belongs to.")
    ok: bool = Field(description="False when the row could not be opened; see error.")
    error: str | None = None
    received_at: str | None = None
    summary: dict[str, Any] | None = Field(None, description="What your browser sent.")
    server: dict[str, Any] | None = Field(
        None, description="Indicators from the grader's outcomes (attempts to pass, RED)."
    )


class ErasedOut(Schema):
    rows_deleted: int
    keys_destroyed: int


def _out(d: dict[str, Any]) -> MySummaryOut:
    return MySummaryOut(
        id=d["id"],
        period=d["period"],
        ok=d["ok"],
        error=d.get("error"),
        received_at=d.get("received_at"),
        summary=d.get("summary"),
        server=d.get("server"),
    )


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the learner's next window opens.",
        "schema": {"type": "integer", "minimum": 1},
    }
}

UPLOAD_DOC = f"""Store interaction-signal summaries computed in the browser (wire format v1,
at most {MAX_BATCH} summaries and {MAX_BODY_BYTES // 1024} KB per batch). Each summary names an
exercise the caller can open and, when it ended with a recorded submission, that attempt's form
token. Idempotent by `client_id`: the same id with the same content is accepted again without
a new row; with other content it is a 409 and nothing in the batch is stored.

- 201: at least one new summary stored; 200: every summary was already stored.
- 400: the body is not JSON. 415: the body is not `application/json`.
- 403: signals are off for the caller (their consent or the organisation's switch), or the
  CSRF token is missing.
- 404: an exercise or attempt is missing or not the caller's (the same answer for both).
- 409: a client id was stored before with other content. 413: the body exceeds 64 KB.
- 422: the batch breaks the schema or a cross-field rule; every failing field's path is listed.
- 429: too many batches from this learner; `Retry-After` says when to try again.
"""


@router.post(
    "/signals",
    response={
        200: IngestOut,
        201: IngestOut,
        400: Error,
        401: Error,
        403: Error,
        404: Error,
        409: ConflictOut,
        413: Error,
        415: Error,
        422: Error,
        429: Error,
    },
    summary="Upload interaction-signal summaries",
    description=UPLOAD_DOC,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": batch_json_schema()}},
        },
        "responses": {"429": {"headers": _RETRY_AFTER}},
    },
)
def upload_signals(request: HttpRequest, response: HttpResponse) -> Any:
    user = request.user
    wait = ratelimit.hit(user)
    if wait is not None:
        response["Retry-After"] = str(wait)
        return Status(429, {"detail": f"Too many uploads; try again in {wait} s."})
    if not signals_allowed(user):
        return Status(403, {"detail": CONSENT_REFUSED})
    if request.content_type != "application/json":
        return Status(415, {"detail": "Send the batch as application/json."})
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES or len(body := request.body) > MAX_BODY_BYTES:
        return Status(413, {"detail": f"A batch may be at most {MAX_BODY_BYTES} bytes."})
    try:
        batch = parse_batch(body)
        result = do_ingest_signals(user, batch)
    except MalformedJSON as exc:
        return Status(400, {"detail": f"The body is not valid JSON: {exc}"})
    except BatchInvalid as exc:
        return Status(422, {"detail": exc.errors})
    except NotFound as exc:
        return Status(404, {"detail": str(exc)})
    except Conflict as exc:
        return Status(409, {"detail": str(exc), "client_ids": exc.client_ids})
    except ConsentWithdrawn:
        return Status(403, {"detail": CONSENT_REFUSED})
    out = IngestOut(
        accepted=result.stored + result.duplicates,
        stored=result.stored,
        duplicates=result.duplicates,
    )
    return Status(201 if result.stored else 200, out)


@router.get(
    "/signals/mine",
    response={200: list[MySummaryOut], 401: Error},
    summary="Your own interaction-signal summaries",
    description="Every summary stored about you, decrypted, newest first. A row that cannot be "
    "opened is listed with its error. Nobody else can read them, through any endpoint.",
)
def my_signals(request: HttpRequest) -> list[MySummaryOut]:
    return [_out(d) for d in my_signal_summaries(request.user)]


@router.get(
    "/signals/mine/{summary_id}",
    response={200: MySummaryOut, 401: Error, 404: Error},
    summary="One of your own summaries",
    description="404 for a summary that does not exist and for someone else's alike.",
)
def my_signal(request: HttpRequest, summary_id: str) -> MySummaryOut:
    return _out(access_my_summary_for(request.user, summary_id))


@router.delete(
    "/signals/mine",
    response={200: ErasedOut, 401: Error, 403: Error},
    summary="Erase all your interaction signals",
    description="Destroys your data keys (crypto-shredding), then the rows. Audited. "
    "403 only when the CSRF token is missing.",
)
def erase_my_signals(request: HttpRequest) -> ErasedOut:
    erased = do_erase_my_signals(request.user)
    return ErasedOut(rows_deleted=erased.rows_deleted, keys_destroyed=erased.keys_destroyed)
