"""Certificates: issued when a learner has completed every mandatory module of a track.

Issuing is idempotent: the unique constraint ``certificate_once_per_track`` allows one row per
person and track, and every insert runs in its own savepoint, so a second call — or a
concurrent one — finds the row there and issues nothing. It happens where completion is
recorded (``actions._maybe_complete_module`` calls ``issue_certificate_for`` in the same
transaction as the new ``ModuleCompletion``), and, for completions recorded before that or by
other means, when the learner opens their certificates and on every ``send-reminders`` run.
The completion date is the date of the last mandatory module's completion, whenever the
certificate row is created.

Verification is public and shows only validity, track and date. Codes carry 128 random bits;
lookups are rate-limited per address, and a malformed code gets exactly the same answer as an
unknown one, so the page tells an enumerator nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from candor.accounts.models import User
from candor.catalog.models import Track
from candor.learning.models import Assignment, Certificate, ModuleCompletion
from candor.learning.opsconf import base_url, verify_limit

CODE_RE = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)


def new_code() -> str:
    return secrets.token_urlsafe(16)


def earned(user_ids: Iterable[int] | None = None) -> dict[tuple[int, int], dt.date]:
    """(user, track) → completion date, for every track whose mandatory modules (as assigned
    to that person) are all completed. Two queries whatever the number of people."""
    assignments = Assignment.objects.filter(
        mandatory=True, module__is_retired=False, module__track__is_retired=False
    )
    completions = ModuleCompletion.objects.all()
    if user_ids is not None:
        ids = list(user_ids)
        assignments = assignments.filter(user_id__in=ids)
        completions = completions.filter(user_id__in=ids)
    required: dict[tuple[int, int], set[int]] = defaultdict(set)
    for user_id, module_id, track_id in assignments.values_list(
        "user_id", "module_id", "module__track_id"
    ):
        required[(user_id, track_id)].add(module_id)
    done: dict[tuple[int, int], dt.datetime] = dict(
        ((u, m), at) for u, m, at in completions.values_list("user_id", "module_id", "completed_at")
    )
    out: dict[tuple[int, int], dt.date] = {}
    for (user_id, track_id), modules in required.items():
        dates = [done.get((user_id, m)) for m in modules]
        if all(d is not None for d in dates):
            out[(user_id, track_id)] = timezone.localdate(max(d for d in dates if d))
    return out


def _create(
    user_id: int, track_id: int, holder_name: str, completed_on: dt.date
) -> Certificate | None:
    """Insert one certificate unless it exists; None when it did (or a concurrent insert won)."""
    try:
        with transaction.atomic():  # a savepoint: the unique constraint refusing is not an error
            return Certificate.objects.create(
                user_id=user_id,
                track_id=track_id,
                code=new_code(),
                holder_name=holder_name,
                completed_on=completed_on,
            )
    except IntegrityError:
        return None


def issue_certificate_for(user: User, track_id: int) -> Certificate | None:
    """The certificate of this track, if completing it was just earned and none exists yet."""
    if Certificate.objects.filter(user_id=user.pk, track_id=track_id).exists():
        return None
    completed_on = earned([user.pk]).get((user.pk, track_id))
    if completed_on is None:
        return None
    return _create(user.pk, track_id, user.full_name, completed_on)


def issue_certificates(users: Iterable[User] | None = None) -> list[Certificate]:
    """Create the certificates that were earned and do not exist yet; returns the new ones."""
    people = {u.pk: u for u in users} if users is not None else None
    due = earned(list(people) if people is not None else None)
    have = set(
        Certificate.objects.filter(
            **({"user_id__in": list(people)} if people is not None else {})
        ).values_list("user_id", "track_id")
    )
    missing = [k for k in due if k not in have]
    if not missing:
        return []
    names = dict(User.objects.filter(pk__in={u for u, _ in missing}).values_list("pk", "full_name"))
    created = []
    for user_id, track_id in missing:
        cert = _create(user_id, track_id, names.get(user_id, ""), due[(user_id, track_id)])
        if cert is not None:
            created.append(cert)
    return created


def certificate_pdf(cert: Certificate, site: str = "") -> bytes:
    """The PDF; ``site`` is where the verification link points (CANDOR_BASE_URL if set, else
    the address the learner used)."""
    from weasyprint import HTML  # heavy import: only in processes that render PDFs

    site = base_url(site)
    track: Track = cert.track
    html = render_to_string(
        "learning/certificate_pdf.html",
        {"cert": cert, "track": track, "verify_url": f"{site}/verify/{cert.code}/"},
    )
    # No base_url: the template loads nothing, so WeasyPrint fetches no URL at all.
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def rate_limited(address: str) -> bool:
    """Count one lookup for this address in the current window; True once over the limit.

    Django's cache is a directory under VAR_DIR outside tests, shared by the worker processes
    of one machine (its increments are not atomic: a race can lose a count, never refuse
    someone early); several application servers need CANDOR_CACHE_URL (Redis), or each keeps
    its own counter (see docs/operations.md)."""
    limit, window = verify_limit()
    key = f"candor:verify:{address}:{int(time.time()) // window}"
    if cache.add(key, 1, timeout=window + 5):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count > limit


def lookup(code: str) -> Certificate | None:
    """The certificate with this code, or None — for malformed and unknown codes alike."""
    well_formed = CODE_RE.fullmatch(code or "") is not None
    # The same query either way, so not even the response time tells the two apart.
    cert = Certificate.objects.select_related("track").filter(code=(code or "")[:32]).first()
    return cert if well_formed else None
