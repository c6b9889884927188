"""The only way an insights view gets a row: rights checked, the same 404 for missing and
not-yours. Authors see course reports (aggregates); the ledger is also open to privacy
officers; a learner's insights are built from the signed-in learner alone, so no helper here
takes a second person."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from candor.catalog.models import Track
from candor.insights.models import Release


def require_author(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if not user.has_role("author"):
        raise Http404


def require_ledger_reader(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if not (user.has_role("author") or user.has_role("privacy_officer")):
        raise Http404


def require_learner(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if not user.has_role("learner"):
        raise Http404


def access_track_report_for(user: Any, track_slug: str) -> Track:
    require_author(user)
    track = Track.objects.filter(slug=track_slug, is_retired=False).first()
    if track is None:
        raise Http404
    return track


def access_release_for(user: Any, release_id: int) -> Release:
    require_author(user)
    release = Release.objects.filter(pk=release_id).select_related("track", "module").first()
    if release is None:
        raise Http404
    return release
