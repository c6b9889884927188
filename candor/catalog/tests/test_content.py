"""The content reader and importer: every error with file and line, nothing half-imported,
re-imports that keep progress, removed items retired."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from candor.catalog.actions import ContentHasErrors, do_import_content
from candor.catalog.content import read_content
from candor.catalog.models import Exercise, Lesson, Track
from candor.learning.actions import do_submit_answer
from candor.learning.models import Attempt, ExerciseProgress
from conftest import FIXTURE_CONTENT

MODULE = "01-how-candor-works"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def _write(path: Path, text: str) -> None:
    path.write_text(text.lstrip("\n"), encoding="utf-8")


def _errors(root: Path) -> list[str]:
    return [str(e) for e in read_content(root, run_reference=False).errors]


def test_fixture_content_is_valid(tree: Path) -> None:
    assert _errors(tree) == []


def test_every_error_is_reported_with_file_and_line(tree: Path) -> None:
    module = tree / "test-track" / MODULE
    _write(module / "07-broken-yaml.md", "---\ntype: lesson\ntitle: [unclosed\n---\nBody\n")
    _write(module / "08-no-front-matter.md", "Just text\n")
    _write(
        module / "09-bad-kind.md",
        "---\ntype: exercise\nkind: essay\ntitle: X\nhints: [a]\n---\nQ\n",
    )
    _write(
        module / "10-bad-choice.md",
        "---\ntype: exercise\nkind: single_choice\ntitle: X\nhints: []\n"
        "options:\n  - text: A\n    feedback: fa\n  - text: B\n    feedback: fb\n---\nQ\n",
    )
    _write(module / "11-unknown-key.md", "---\ntype: lesson\ntitle: T\ncolour: red\n---\nBody\n")
    (module / "12-not-utf8.md").write_bytes(b"---\ntype: lesson\ntitle: caf\xe9\n---\nx\n")
    _write(module / "Bad Name.md", "---\ntype: lesson\ntitle: T\n---\nBody\n")
    errors = _errors(tree)
    joined = "\n".join(errors)
    assert f"test-track/{MODULE}/07-broken-yaml.md:3: invalid YAML" in joined
    assert "08-no-front-matter.md:1: file must start with a '---' line" in joined
    assert "09-bad-kind.md:3: 'kind' must be one of" in joined
    assert "10-bad-choice.md:5: 'hints' must be a list" in joined
    assert "10-bad-choice.md" in joined and "correct" in joined  # no correct option
    assert "11-unknown-key.md:4: unknown key 'colour'" in joined
    assert "12-not-utf8.md:3: file is not valid UTF-8" in joined
    assert "Bad Name.md:1: file name must look like" in joined


def test_missing_track_and_module_files(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "empty-track").mkdir(parents=True)
    (root / "other" / "01-mod").mkdir(parents=True)
    _write(root / "other" / "track.md", "---\ntitle: T\nsummary: S\n---\n")
    errors = "\n".join(_errors(root))
    assert "empty-track/track.md:1: missing track.md" in errors
    assert "other/01-mod/module.md:1: missing module.md" in errors


@pytest.mark.django_db
def test_a_file_with_errors_means_nothing_is_imported(tree: Path) -> None:
    _write(tree / "test-track" / MODULE / "07-broken.md", "---\ntype: lesson\n---\n")
    result = read_content(tree, run_reference=False)
    assert result.errors
    with pytest.raises(ContentHasErrors):
        do_import_content(result)
    assert Track.objects.count() == 0
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("content_import", str(tree), "--no-run", "--quiet")
    assert Track.objects.count() == 0


@pytest.mark.django_db
def test_reimport_is_idempotent_updates_in_place_and_retires(tree: Path, people: Any) -> None:
    first = do_import_content(read_content(tree, run_reference=False))
    assert first.counts["exercises created"] == 6
    again = do_import_content(read_content(tree, run_reference=False))
    assert again.counts["exercises unchanged"] == 6 and again.counts["exercises created"] == 0

    ex = Exercise.objects.get(slug="numeric")
    do_submit_answer(people.lena, ex, "6", uuid.uuid4())
    assert ExerciseProgress.objects.get(user=people.lena, exercise=ex).passed_at

    path = tree / "test-track" / MODULE / "04-numeric.md"
    path.write_text(path.read_text().replace("Minutes to spare", "Minutes left over"))
    (tree / "test-track" / MODULE / "05-short-text.md").unlink()
    report = do_import_content(read_content(tree, run_reference=False))
    assert report.counts["exercises updated"] == 1
    assert report.counts["exercises retired"] == 1
    ex.refresh_from_db()
    assert ex.title == "Minutes left over"  # same row: the learner's progress stays attached
    assert ExerciseProgress.objects.get(user=people.lena, exercise=ex).passed_at
    assert Attempt.objects.filter(exercise=ex).count() == 1
    retired = Exercise.objects.get(slug="short-text")
    assert retired.is_retired  # kept, not deleted

    _write(
        tree / "test-track" / MODULE / "05-short-text.md",
        "---\ntype: lesson\ntitle: Back\n---\nText\n",
    )
    do_import_content(read_content(tree, run_reference=False))
    assert Lesson.objects.filter(slug="short-text", is_retired=False).exists()


@pytest.mark.django_db
def test_raw_html_in_content_is_escaped(tree: Path) -> None:
    lesson = tree / "test-track" / MODULE / "01-lessons-and-exercises.md"
    lesson.write_text(
        lesson.read_text()
        + "\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n[x](javascript:alert(3))\n"
    )
    do_import_content(read_content(tree, run_reference=False))
    html = Lesson.objects.get(slug="lessons-and-exercises").body_html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "onerror" not in html.replace("&lt;img src=x onerror", "")
    assert "javascript:" not in html


def test_content_check_command_exit_status(tree: Path, capsys: Any) -> None:
    call_command("content_check", str(tree), "--no-run")
    assert "OK: 2 track(s)" in capsys.readouterr().out
    _write(tree / "test-track" / MODULE / "07-x.md", "---\ntype: nonsense\ntitle: T\n---\nB\n")
    with pytest.raises(CommandError, match="1 error"):
        call_command("content_check", str(tree), "--no-run")
    assert "07-x.md:2: 'type' must be 'lesson' or 'exercise'" in capsys.readouterr().err
