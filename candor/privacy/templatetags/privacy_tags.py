"""``{% consent_state as consent %}``: the signed-in learner's consent, for the dashboard's
first-visit prompt (the learning app's views know nothing about consent)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def consent_state(context: Any) -> Any:
    from candor.privacy.consent import consent_for

    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated or not user.has_role("learner"):
        return None
    return consent_for(user)


@register.simple_tag
def signals_notice() -> dict[str, Any]:
    from candor.privacy.notice import signals_notice as build

    return build()
