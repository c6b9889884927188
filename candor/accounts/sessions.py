"""Ending sign-in sessions: of people who were deactivated, and a person's other sessions
when they turn a second factor on.

Django already refuses an inactive user on their next request (``ModelBackend.get_user``), but
deleting the session rows makes "their sessions end" true at once and for any backend.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.sessions.models import Session
from django.utils import timezone


def end_sessions(user_ids: Iterable[int], *, keep: str | None = None) -> int:
    """Delete every live session of these people (except the session ``keep``); returns how
    many ended.

    Session data is opaque to the database, so each live session is decoded once: linear in
    the number of live sessions, run only when someone is deactivated or turns a second
    factor on.
    """
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    keys = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.session_key != keep and str(s.get_decoded().get("_auth_user_id")) in wanted
    ]
    return Session.objects.filter(session_key__in=keys).delete()[0] if keys else 0
