"""Read and validate a content folder (docs/content-format.md) without touching the database.

Every problem is collected with its file and line, so an author sees all of them at once;
the importer refuses to write anything while there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from candor.grading.base import SpecError
from candor.grading.registry import GRADERS

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED_RE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
MAX_FILE_BYTES = 512 * 1024

TRACK_KEYS = {"title", "summary", "order"}
MODULE_KEYS = {"title", "summary", "estimated_minutes"}
LESSON_KEYS = {"type", "title", "estimated_minutes", "id"}
EXERCISE_COMMON_KEYS = {"type", "kind", "title", "hints", "explanation", "max_attempts", "id"}


@dataclass(frozen=True)
class ContentError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Doc:
    """One Markdown file: its front matter, the line of each key, and its body."""

    path: Path
    meta: dict[str, Any]
    lines: dict[str, int]
    body: str
    body_line: int

    def line(self, key: str = "") -> int:
        return self.lines.get(key.split(".")[0], 1)


@dataclass
class ItemSpec:
    slug: str
    order: int
    doc: Doc
    type: str  # "lesson" | "exercise"


@dataclass
class ModuleSpec:
    slug: str
    order: int
    doc: Doc
    items: list[ItemSpec] = field(default_factory=list)


@dataclass
class TrackSpec:
    slug: str
    doc: Doc
    modules: list[ModuleSpec] = field(default_factory=list)


@dataclass
class ContentTree:
    root: Path
    is_root: bool  # a folder of tracks (True) or a single track folder (False)
    tracks: list[TrackSpec] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)


class _Reporter:
    def __init__(self, base: Path, errors: list[ContentError]) -> None:
        self.base = base
        self.errors = errors

    def __call__(self, path: Path, line: int, message: str) -> None:
        try:
            shown = str(path.relative_to(self.base.parent))
        except ValueError:
            shown = str(path)
        self.errors.append(ContentError(shown, line, message))


def read_doc(path: Path, report: _Reporter) -> Doc | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report(path, 1, f"cannot read file: {exc.strerror}")
        return None
    if len(raw) > MAX_FILE_BYTES:
        report(path, 1, f"file is larger than {MAX_FILE_BYTES // 1024} KB")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report(path, line, "file is not valid UTF-8")
        return None
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        report(path, 1, "file must start with a '---' line opening the YAML front matter")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        report(path, 1, "front matter is not closed by a '---' line")
        return None
    front = "\n".join(lines[1:end])
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        report(path, line, f"invalid YAML in front matter: {problem}")
        return None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        report(path, 2, "front matter must be a mapping of keys to values")
        return None
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
    body = "\n".join(lines[end + 1 :]).strip("\n")
    return Doc(path=path, meta=meta, lines=key_lines, body=body, body_line=end + 2)


def _require_text(doc: Doc, key: str, report: _Reporter, max_len: int) -> None:
    value = doc.meta.get(key)
    if value is None:
        report(doc.path, 1, f"missing required key '{key}'")
    elif not isinstance(value, str) or not value.strip():
        report(doc.path, doc.line(key), f"'{key}' must be non-empty text")
    elif len(value) > max_len:
        report(doc.path, doc.line(key), f"'{key}' is longer than {max_len} characters")


def _optional_int(doc: Doc, key: str, report: _Reporter, lo: int, hi: int) -> None:
    value = doc.meta.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        report(doc.path, doc.line(key), f"'{key}' must be a whole number from {lo} to {hi}")


def _unknown_keys(doc: Doc, allowed: set[str], report: _Reporter) -> None:
    for key in doc.meta:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            report(doc.path, doc.line(str(key)), f"unknown key '{key}' (known keys: {known})")


def _check_track(doc: Doc, report: _Reporter) -> None:
    _unknown_keys(doc, TRACK_KEYS, report)
    _require_text(doc, "title", report, 120)
    _require_text(doc, "summary", report, 300)
    _optional_int(doc, "order", report, 0, 10_000)


def _check_module(doc: Doc, report: _Reporter) -> None:
    _unknown_keys(doc, MODULE_KEYS, report)
    _require_text(doc, "title", report, 120)
    _require_text(doc, "summary", report, 300)
    _optional_int(doc, "estimated_minutes", report, 1, 600)


def _check_lesson(doc: Doc, report: _Reporter) -> None:
    _unknown_keys(doc, LESSON_KEYS, report)
    _require_text(doc, "title", report, 160)
    _optional_int(doc, "estimated_minutes", report, 1, 600)
    if not doc.body.strip():
        report(doc.path, doc.body_line, "a lesson needs a Markdown body after the front matter")


def exercise_spec(meta: dict[str, Any]) -> dict[str, Any]:
    """The grader's part of an exercise's front matter."""
    return {k: v for k, v in meta.items() if k not in EXERCISE_COMMON_KEYS}


def _check_exercise(doc: Doc, report: _Reporter, run_reference: bool) -> None:
    meta = doc.meta
    _require_text(doc, "title", report, 160)
    kind = meta.get("kind")
    if kind not in GRADERS:
        report(doc.path, doc.line("kind"), f"'kind' must be one of: {', '.join(GRADERS)}")
        return
    hints = meta.get("hints")
    if (
        not isinstance(hints, list)
        or not hints
        or not all(isinstance(h, str) and h.strip() for h in hints)
    ):
        report(doc.path, doc.line("hints"), "'hints' must be a list of at least one non-empty text")
    elif len(hints) > 10:
        report(doc.path, doc.line("hints"), "at most 10 hints")
    explanation = meta.get("explanation")
    if explanation is not None and not isinstance(explanation, str):
        report(doc.path, doc.line("explanation"), "'explanation' must be text")
    _optional_int(doc, "max_attempts", report, 0, 100)
    if not doc.body.strip():
        report(
            doc.path, doc.body_line, "an exercise needs a prompt: Markdown after the front matter"
        )
    grader = GRADERS[kind]
    spec = exercise_spec(meta)
    spec_errors: list[SpecError] = grader.check_spec(spec)
    for err in spec_errors:
        report(doc.path, doc.line(err.key) if err.key else doc.line("kind"), err.message)
    verify = getattr(grader, "verify_reference", None)
    if run_reference and not spec_errors and verify is not None:
        for err in verify(spec):
            report(doc.path, doc.line(err.key or "solution"), err.message)


def _numbered_children(folder: Path, report: _Reporter) -> list[tuple[int, str, Path]]:
    found: list[tuple[int, str, Path]] = []
    seen: dict[str, Path] = {}
    for child in sorted(folder.iterdir()):
        stem = child.stem if child.is_file() else child.name
        if child.is_file() and child.suffix != ".md":
            continue
        if child.name in {"track.md", "module.md"}:
            continue
        match = NUMBERED_RE.match(stem)
        if not match:
            if child.is_file():
                report(child, 1, "file name must look like '01-some-slug.md'")
            continue  # other folders (e.g. wrong-solutions/) are not content
        slug = match.group(2)
        if slug in seen:
            report(child, 1, f"slug '{slug}' is already used by {seen[slug].name}")
            continue
        seen[slug] = child
        found.append((int(match.group(1)), slug, child))
    return found


def _read_track(folder: Path, report: _Reporter, run_reference: bool) -> TrackSpec | None:
    if not SLUG_RE.match(folder.name):
        report(folder, 1, "track folder name must be a slug: lowercase letters, digits, hyphens")
        return None
    track_file = folder / "track.md"
    if not track_file.is_file():
        report(track_file, 1, "missing track.md")
        return None
    doc = read_doc(track_file, report)
    if doc is None:
        return None
    _check_track(doc, report)
    track = TrackSpec(slug=folder.name, doc=doc)
    module_slugs: set[str] = set()
    for order, slug, path in _numbered_children(folder, report):
        if path.is_file():
            report(path, 1, "lessons and exercises belong in a module folder, not the track folder")
            continue
        module_file = path / "module.md"
        if not module_file.is_file():
            report(module_file, 1, "missing module.md")
            continue
        mdoc = read_doc(module_file, report)
        if mdoc is None:
            continue
        _check_module(mdoc, report)
        module = ModuleSpec(slug=slug, order=order, doc=mdoc)
        module_slugs.add(slug)
        item_ids: dict[str, Path] = {}
        for item_order, item_slug, item_path in _numbered_children(path, report):
            if item_path.is_dir():
                continue
            idoc = read_doc(item_path, report)
            if idoc is None:
                continue
            kind = idoc.meta.get("type")
            identity = idoc.meta.get("id", item_slug)
            if not isinstance(identity, str) or not SLUG_RE.match(identity):
                report(item_path, idoc.line("id"), "'id' must be a slug")
                continue
            if identity in item_ids:
                report(
                    item_path,
                    idoc.line("id"),
                    f"id '{identity}' is also used by {item_ids[identity].name}",
                )
                continue
            item_ids[identity] = item_path
            if kind == "lesson":
                _check_lesson(idoc, report)
            elif kind == "exercise":
                _check_exercise(idoc, report, run_reference)
            else:
                report(item_path, idoc.line("type"), "'type' must be 'lesson' or 'exercise'")
                continue
            module.items.append(ItemSpec(slug=identity, order=item_order, doc=idoc, type=kind))
        if not module.items:
            report(module_file, 1, "a module needs at least one lesson or exercise")
        track.modules.append(module)
    if not track.modules:
        report(track_file, 1, "a track needs at least one module folder ('01-some-module/')")
    return track


def read_content(path: Path | str, run_reference: bool = True) -> ContentTree:
    """Read a content root (a folder of tracks) or a single track folder."""
    root = Path(path).resolve()
    errors: list[ContentError] = []
    report = _Reporter(root, errors)
    if not root.is_dir():
        report(root, 1, "not a folder")
        return ContentTree(root=root, is_root=True, errors=errors)
    is_root = not (root / "track.md").exists()
    tree = ContentTree(root=root, is_root=is_root, errors=errors)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    for folder in folders if is_root else [root]:
        track = _read_track(folder, report, run_reference)
        if track is not None:
            tree.tracks.append(track)
    if is_root and not folders:
        report(root, 1, "no track folders found (each track is a folder with a track.md)")
    return tree
