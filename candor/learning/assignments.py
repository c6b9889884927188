"""Turning assignment rules into per-person, per-module assignments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from candor.accounts.models import ROLE_FIELDS, Department, User
from candor.catalog.models import Module
from candor.learning.models import Assignment, AssignmentRule


@dataclass(frozen=True)
class Wanted:
    rule: AssignmentRule
    user: User
    mandatory: bool
    due_on: dt.date | None  # as if assigned today; recomputed for existing assignments


def rule_audience(rule: AssignmentRule, users: list[User]) -> list[User]:
    if rule.audience == AssignmentRule.Audience.EVERYONE:
        return users
    if rule.audience == AssignmentRule.Audience.DEPARTMENT and rule.department_id:
        dept: Department = rule.department  # type: ignore[assignment]
        ids = dept.descendant_ids() if rule.include_subdepartments else {dept.pk}
        return [u for u in users if u.department_id in ids]
    if rule.audience == AssignmentRule.Audience.ROLE and rule.role in ROLE_FIELDS:
        return [u for u in users if u.has_role(rule.role)]
    if rule.audience == AssignmentRule.Audience.PERSON:
        return [u for u in users if u.pk == rule.person_id]
    return []


def due_on(rule: AssignmentRule, user: User, assigned: dt.date) -> dt.date | None:
    if rule.due_date is not None:
        return rule.due_date
    if rule.due_days is not None:
        base = user.joined_on if rule.relative_to == AssignmentRule.RelativeTo.JOINED else assigned
        return base + dt.timedelta(days=rule.due_days)
    return None


def active_rules() -> list[AssignmentRule]:
    return list(
        AssignmentRule.objects.filter(is_active=True, track__is_retired=False).select_related(
            "department", "track"
        )
    )


def wanted_assignments(
    users: list[User], today: dt.date, rules: Iterable[AssignmentRule] | None = None
) -> dict[tuple[int, int], Wanted]:
    """(user, module) → what the active rules want. Mandatory beats optional, and of two due
    dates the earlier wins, so overlapping rules never make training less binding.

    ``rules`` defaults to the active rules in the database; a preview passes the rule set as
    it would be after an unsaved change (``learning/rules.py``)."""
    wanted: dict[tuple[int, int], Wanted] = {}
    if rules is None:
        rules = active_rules()
    modules_by_track: dict[int, list[int]] = {}
    for module_id, track_id in Module.objects.filter(is_retired=False).values_list(
        "pk", "track_id"
    ):
        modules_by_track.setdefault(track_id, []).append(module_id)
    for rule in rules:
        modules = [rule.module_id] if rule.module_id else modules_by_track.get(rule.track_id, [])
        for user in rule_audience(rule, users):
            due = due_on(rule, user, today)
            for module_id in modules:
                key = (user.pk, module_id)
                new = Wanted(rule, user, rule.mandatory, due)
                old = wanted.get(key)
                if old is None or _stronger(new, old):
                    wanted[key] = new
    return wanted


def _stronger(new: Wanted, old: Wanted) -> bool:
    if new.mandatory != old.mandatory:
        return new.mandatory
    if new.due_on is None:
        return False
    return old.due_on is None or new.due_on < old.due_on


def sync_assignments(users: Iterable[User] | None = None) -> dict[str, int]:
    """Make assignments match the rules for these people (all active learners by default).

    An existing assignment keeps its assigned date (so relative due dates do not move); one no
    rule wants any more is removed — completion records are separate and stay.
    """
    people = list(users) if users is not None else list(User.objects.filter(is_active=True))
    today = timezone.localdate()
    wanted = wanted_assignments([u for u in people if u.is_active], today)
    counts = {"created": 0, "updated": 0, "removed": 0}
    with transaction.atomic():
        existing = {
            (a.user_id, a.module_id): a
            for a in Assignment.objects.filter(user__in=[u.pk for u in people])
        }
        to_create = []
        for key, want in wanted.items():
            current = existing.get(key)
            if current is None:
                to_create.append(
                    Assignment(
                        user_id=key[0],
                        module_id=key[1],
                        rule_id=want.rule.pk,
                        mandatory=want.mandatory,
                        due_on=want.due_on,
                    )
                )
                continue
            due = due_on(want.rule, want.user, timezone.localdate(current.assigned_at))
            if (current.rule_id, current.mandatory, current.due_on) != (
                want.rule.pk,
                want.mandatory,
                due,
            ):
                current.rule_id = want.rule.pk
                current.mandatory = want.mandatory
                current.due_on = due
                current.save(update_fields=["rule", "mandatory", "due_on"])
                counts["updated"] += 1
        Assignment.objects.bulk_create(to_create, batch_size=500)
        counts["created"] = len(to_create)
        stale = [a.pk for key, a in existing.items() if key not in wanted]
        if stale:
            counts["removed"] = Assignment.objects.filter(pk__in=stale).delete()[0]
    return counts
