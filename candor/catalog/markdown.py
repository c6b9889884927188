"""Markdown from content files → safe HTML.

Content is reviewed in git, but it is still input: raw HTML in it is escaped rather than
rendered (the Markdown HTML processors are removed), and the output is cleaned again with an
allow-list, so no content file can put a script, an event handler or a style on a page.
"""

from __future__ import annotations

from typing import Any

import bleach
import markdown
from bleach.css_sanitizer import CSSSanitizer

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "img": ["src", "alt", "title"],
    "code": ["class"],
    "div": ["class"],
    "p": ["class"],
    "span": ["class"],
    "th": ["align"],
    "td": ["align"],
    "h2": ["id"],
    "h3": ["id"],
    "h4": ["id"],
}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}
CALLOUT_KINDS = ("note", "tip", "warning", "example")


def _make() -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["fenced_code", "tables", "admonition", "sane_lists", "toc"],
        extension_configs={"toc": {"toc_depth": "2-3", "permalink": False}},
        output_format="html",
    )
    # Escape raw HTML instead of passing it through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (clean HTML, table of contents [{"id", "title", "level"}])."""
    md = _make()
    # Content starts headings at ## (the page title is the #); shift a stray # down.
    html = md.convert(text)
    toc: list[dict[str, Any]] = []

    def walk(tokens: list[dict[str, Any]]) -> None:
        for token in tokens:
            toc.append({"id": token["id"], "title": token["name"], "level": token["level"]})
            walk(token.get("children", []))

    walk(getattr(md, "toc_tokens", []))
    clean = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        css_sanitizer=CSSSanitizer(allowed_css_properties=[]),
        strip=False,
    )
    return clean, toc


def render_html(text: str) -> str:
    return render(text)[0]
