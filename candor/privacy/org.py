"""The organisation's privacy switch: no signals until an admin records the DPIA reference."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from candor.privacy.audit import record_event
from candor.privacy.models import OrgPrivacy


class SwitchRefused(Exception):
    pass


def org_privacy() -> OrgPrivacy:
    obj = OrgPrivacy.objects.filter(pk=1).first()
    return obj if obj is not None else OrgPrivacy(pk=1)


def signals_enabled() -> bool:
    return org_privacy().signals_enabled


def do_enable_signals(actor: Any, *, dpia_reference: str) -> OrgPrivacy:
    if not actor.has_role("admin"):
        raise SwitchRefused("Only an administrator can switch interaction signals on.")
    reference = (dpia_reference or "").strip()
    if not 3 <= len(reference) <= 120:
        raise SwitchRefused(
            "Record the reference of the data-protection impact assessment (3–120 characters) "
            "before switching signals on."
        )
    with transaction.atomic():
        obj, _ = OrgPrivacy.objects.select_for_update().get_or_create(pk=1)
        obj.signals_enabled = True
        obj.dpia_reference = reference
        obj.changed_at = timezone.now()
        obj.changed_by = actor
        obj.save()
        record_event(actor=actor, action="org.signals_enable", object_ref=f"dpia:{reference}")
    return obj


def do_disable_signals(actor: Any) -> OrgPrivacy:
    if not actor.has_role("admin"):
        raise SwitchRefused("Only an administrator can switch interaction signals off.")
    with transaction.atomic():
        obj, _ = OrgPrivacy.objects.select_for_update().get_or_create(pk=1)
        obj.signals_enabled = False
        obj.changed_at = timezone.now()
        obj.changed_by = actor
        obj.save()
        record_event(actor=actor, action="org.signals_disable")
    return obj
