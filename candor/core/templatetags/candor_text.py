"""Small text filters for content shown outside full Markdown (options, feedback lines)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
CODE = re.compile(r"`([^`\n]{1,200})`")


@register.filter
def inline_code(value: object) -> SafeString:
    """Escape the text, then show `backticked` parts as code — authors write option texts and
    feedback with inline code, and nothing else of Markdown is honoured there."""
    escaped = escape(str(value))
    return mark_safe(CODE.sub(r"<code>\1</code>", escaped))  # noqa: S308 - input escaped first
