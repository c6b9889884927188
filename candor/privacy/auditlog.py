"""Reading the audit log: a learner's "who accessed my data", the officer's filtered view.

Entries hold pseudonyms. Only Candor (which holds the pseudonym secret) can map them back,
by recomputing every person's pseudonym; the officer's page does that only when asked, for a
security audit, and each person so revealed gets an entry of their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from candor.privacy.audit import subject_pseudonym
from candor.privacy.models import AuditEntry
from candor.privacy.purposes import DESCRIPTIONS, Purpose

ACTION_LABELS = {
    "read": "looked at your data",
    "consent.change": "recorded a consent choice",
    "data.export": "exported the data",
    "signals.erase": "erased interaction signals",
    "dsr.account_deletion.request": "asked for the account to be deleted",
    "dsr.account_deletion.complete": "deleted the account, as requested",
    "dsr.access.request": "asked a question about the data",
    "dsr.access.answer": "answered a question about the data",
    "audit.view_names": "looked at access-log entries about you, with names",
    "audit.search_person": "searched the access log for entries about you",
    "dsr.view": "opened your request",
    "vault.erase_owner": "destroyed the keys of erased signals",
}
ROLE_LABELS = {
    "manager": "Your manager",
    "admin": "An administrator",
    "privacy_officer": "A privacy officer",
    "author": "An author",
    "learner": "A learner",
    "system": "Candor itself",
    "": "Candor itself",
}
PAGE_SIZE = 50


def label_for(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    for prefix, text in (("dsr.", "handled a request"), ("vault.", "a key operation")):
        if action.startswith(prefix):
            return text
    return action.replace(".", " ").replace("_", " ")


def purpose_text(purpose: str) -> str:
    try:
        return DESCRIPTIONS[Purpose(purpose)]
    except ValueError:
        return ""


def accesses_to(user: Any, limit: int = 200) -> list[dict[str, Any]]:
    """Entries about ``user`` by anyone but them: role, purpose, time — never who exactly."""
    me = subject_pseudonym(user)
    rows = AuditEntry.objects.filter(subject=me).exclude(actor=me).order_by("-seq")[:limit]
    return [
        {
            "at": e.at,
            "who": ROLE_LABELS.get(e.actor_role, e.actor_role),
            "role": e.actor_role or "system",
            "what": label_for(e.action),
            "purpose": e.purpose,
            "why": purpose_text(e.purpose),
        }
        for e in rows
    ]


@dataclass
class Filters:
    action: str = ""
    purpose: str = ""
    role: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    person: Any = None  # a user chosen by the officer (audited)

    @classmethod
    def parse(cls, data: Any) -> tuple[Filters, list[str]]:
        errors: list[str] = []
        out = cls(
            action=str(data.get("action", "")).strip()[:64],
            purpose=str(data.get("purpose", "")).strip()[:32],
            role=str(data.get("role", "")).strip()[:32],
        )
        for name in ("since", "until"):
            raw = str(data.get(name, "")).strip()
            if raw:
                try:
                    setattr(out, name, dt.date.fromisoformat(raw))
                except ValueError:
                    errors.append(f"'{raw}' is not a date (use YYYY-MM-DD).")
        return out, errors

    def apply(self, qs: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if self.action:
            qs = qs.filter(action__startswith=self.action)
        if self.purpose:
            qs = qs.filter(purpose=self.purpose)
        if self.role:
            qs = qs.filter(actor_role=self.role)
        tz = timezone.get_current_timezone()
        if self.since:
            qs = qs.filter(at__gte=dt.datetime.combine(self.since, dt.time.min, tz))
        if self.until:
            end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tz)
            qs = qs.filter(at__lt=end)
        if self.person is not None:
            p = subject_pseudonym(self.person)
            qs = qs.filter(Q(subject=p) | Q(actor=p))
        return qs


def names_for(pseudonyms: set[str]) -> dict[str, str]:
    """Recompute every person's audit pseudonym to name the ones on a page."""
    from candor.accounts.models import User

    wanted = {p for p in pseudonyms if p}
    found: dict[str, str] = {}
    for user in User.objects.only("pk", "full_name", "email").iterator():
        p = subject_pseudonym(user)
        if p in wanted:
            found[p] = f"{user.full_name} <{user.email}>"
            if len(found) == len(wanted):
                break
    return found


def users_for(pseudonyms: set[str]) -> list[Any]:
    from candor.accounts.models import User

    wanted = {p for p in pseudonyms if p}
    return [u for u in User.objects.iterator() if subject_pseudonym(u) in wanted]
