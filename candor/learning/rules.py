"""Assignment-rule changes: preview who gains and loses what, then save and sync — audited.

The preview is the same computation the sync does (``wanted_assignments``), run twice: with
the rules as they are and with the rules as they would be after the change. So what the admin
confirms is what happens. A digest of the preview travels with the confirmation; if people or
rules changed in between, the admin sees the new preview instead of a surprise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from candor.accounts.models import User
from candor.catalog.models import Module
from candor.learning.assignments import Wanted, active_rules, due_on, sync_assignments
from candor.learning.assignments import wanted_assignments as _wanted
from candor.learning.models import Assignment, AssignmentRule
from candor.privacy.audit import record_event

PREVIEW_PEOPLE_SHOWN = 100


@dataclass(frozen=True)
class Change:
    kind: str  # "gain", "lose", "change"
    module: Module
    mandatory: bool
    due_on: dt.date | None
    was_mandatory: bool | None = None
    was_due_on: dt.date | None = None


@dataclass
class PersonChanges:
    person: User
    changes: list[Change] = field(default_factory=list)


@dataclass
class Preview:
    people: list[PersonChanges]
    gains: int
    losses: int
    changes: int
    overdue_at_once: int  # gains or changes whose due date is already past
    digest: str

    @property
    def empty(self) -> bool:
        return not self.people

    @property
    def shown(self) -> list[PersonChanges]:
        return self.people[:PREVIEW_PEOPLE_SHOWN]

    @property
    def hidden(self) -> int:
        return max(0, len(self.people) - PREVIEW_PEOPLE_SHOWN)


def preview_rule(candidate: AssignmentRule) -> Preview:
    """What saving ``candidate`` (new, edited or deactivated; unsaved) would change."""
    users = list(User.objects.filter(is_active=True).select_related("department"))
    today = timezone.localdate()
    current = active_rules()
    after_rules = [r for r in current if candidate.pk is None or r.pk != candidate.pk]
    if candidate.is_active and not candidate.track.is_retired:
        after_rules.append(candidate)
    before = _wanted(users, today, rules=current)
    after = _wanted(users, today, rules=after_rules)
    keys = set(before) | set(after)
    existing = {
        (a.user_id, a.module_id): a
        for a in Assignment.objects.filter(user__in=users, module_id__in={k[1] for k in keys})
    }
    modules = Module.objects.select_related("track").in_bulk({k[1] for k in keys})
    by_person: dict[int, PersonChanges] = {}
    people = {u.pk: u for u in users}
    counts = {"gain": 0, "lose": 0, "change": 0}
    overdue = 0
    for key in sorted(keys):
        old = _effective(before.get(key), existing.get(key), today)
        new = _effective(after.get(key), existing.get(key), today)
        if old == new:
            continue
        if old is None and new is not None:
            change = Change("gain", modules[key[1]], *new)
        elif new is None and old is not None:
            change = Change("lose", modules[key[1]], *old)
        else:
            assert old is not None and new is not None
            change = Change(
                "change", modules[key[1]], *new, was_mandatory=old[0], was_due_on=old[1]
            )
        counts[change.kind] += 1
        if change.kind != "lose" and change.due_on is not None and change.due_on < today:
            overdue += 1
        by_person.setdefault(key[0], PersonChanges(people[key[0]])).changes.append(change)
    ordered = sorted(by_person.values(), key=lambda p: (p.person.full_name, p.person.pk))
    for p in ordered:
        p.changes.sort(key=lambda c: (c.module.track.order, c.module.order))
    return Preview(
        ordered, counts["gain"], counts["lose"], counts["change"], overdue, _digest(ordered)
    )


def _effective(
    want: Wanted | None, existing: Assignment | None, today: dt.date
) -> tuple[bool, dt.date | None] | None:
    """(mandatory, due date) as the sync would store it: an existing assignment keeps its
    assigned date, so a relative due date is counted from then, not from today."""
    if want is None:
        return None
    assigned = timezone.localdate(existing.assigned_at) if existing else today
    return want.mandatory, due_on(want.rule, want.user, assigned)


def _digest(people: list[PersonChanges]) -> str:
    h = hashlib.sha256()
    for p in people:
        for c in p.changes:
            h.update(f"{p.person.pk}|{c.module.pk}|{c.kind}|{c.mandatory}|{c.due_on}\n".encode())
    return h.hexdigest()[:32]


class StalePreview(Exception):
    """People or rules changed since the admin looked at the preview."""

    def __init__(self, preview: Preview) -> None:
        super().__init__("Something changed since your preview; check it again.")
        self.preview = preview


@dataclass(frozen=True)
class Saved:
    rule: AssignmentRule
    action: str
    sync: dict[str, int]
    preview: Preview


def do_save_rule(actor: User, rule: AssignmentRule, confirmed_digest: str) -> Saved:
    """Save a new or edited rule and sync everyone's assignments — only if the preview the
    admin confirmed is still what would happen."""
    with transaction.atomic():
        preview = preview_rule(rule)
        if preview.digest != confirmed_digest:
            raise StalePreview(preview)
        if rule.pk is None:
            action = "rule.create"
        elif not rule.is_active:
            action = "rule.deactivate"
        else:
            action = "rule.update"
        rule.save()
        counts = sync_assignments()
        record_event(
            actor=actor,
            action=action,
            subject=None,
            purpose="",
            object_ref=(
                f"rule:{rule.pk};gains={preview.gains};losses={preview.losses};"
                f"changes={preview.changes}"
            ),
        )
    return Saved(rule, action, counts, preview)


def describe_due(rule: AssignmentRule) -> str:
    if rule.due_date is not None:
        return f"by {rule.due_date:%-d %b %Y}"
    if rule.due_days is not None:
        return f"{rule.due_days} days {rule.get_relative_to_display()}"
    return "no due date"


def describe_audience(rule: AssignmentRule) -> str:
    if rule.audience == AssignmentRule.Audience.DEPARTMENT and rule.department is not None:
        below = " and its sub-departments" if rule.include_subdepartments else " only"
        return f"{rule.department}{below}"
    if rule.audience == AssignmentRule.Audience.ROLE:
        return f"everyone with the role {rule.role.replace('_', ' ')}"
    if rule.audience == AssignmentRule.Audience.PERSON and rule.person is not None:
        return f"{rule.person.full_name} ({rule.person.email})"
    return "everyone"
