"""``{% signals_collector exercise progress %}``: the consent gate in the page.

Renders the collector's script tag and its configuration only when the signed-in learner's
consent and the organisation's switch allow signals. Otherwise it renders nothing at all, so
the collector is not even delivered (issue 5, item 2).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from candor.signals import conf
from candor.signals.access import signals_allowed
from candor.vault import api as vault

register = template.Library()


@register.inclusion_tag("signals/collector_tag.html", takes_context=True)
def signals_collector(context: Any, exercise: Any = None, progress: Any = None) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not signals_allowed(user):
        return {"enabled": False}
    passed = bool(progress and progress.passed_at)
    return {
        "enabled": True,
        "request": request,
        "csrf_token": context.get("csrf_token", ""),
        "endpoint": reverse("api:upload_signals"),
        # The outbox in browser storage is per learner, so two people sharing a browser never
        # send each other's queued summaries; the key is a pseudonym, not the user id.
        "outbox_key": vault.pseudonym("signals_outbox", str(user.pk))[:16],  # type: ignore[union-attr]
        "retry_base_ms": conf.retry_base_ms(),
        "idle_hint_ms": conf.idle_hint_seconds() * 1000,
        "failed": progress.submissions if progress and not passed else 0,
        "passed": passed,
    }
