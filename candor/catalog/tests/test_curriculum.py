"""The shipped curriculum (issue 9): valid, complete, importable, and its code exercises
really graded — every reference solution passes in the sandbox and a plausible wrong solution
per code exercise fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from candor.catalog.content import ItemSpec, exercise_spec, read_content

CONTENT = Path(__file__).resolve().parents[3] / "content"
DEPARTMENT_TRACKS = [
    "ai-for-engineering",
    "ai-for-marketing",
    "ai-for-sales",
    "ai-for-hr",
    "ai-for-legal",
    "ai-for-finance",
]
WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def tree():  # type: ignore[no-untyped-def]
    return read_content(CONTENT, run_reference=False)


def _exercises(tree, track: str) -> list[ItemSpec]:  # type: ignore[no-untyped-def]
    spec = next(t for t in tree.tracks if t.slug == track)
    return [i for m in spec.modules for i in m.items if i.type == "exercise"]


def test_curriculum_is_valid(tree) -> None:  # type: ignore[no-untyped-def]
    assert [str(e) for e in tree.errors] == []


@pytest.mark.django_db
def test_whole_curriculum_imports_twice_idempotently(tree) -> None:  # type: ignore[no-untyped-def]
    from candor.catalog.actions import do_import_content
    from candor.catalog.models import Exercise, Track

    do_import_content(tree)
    again = do_import_content(tree)
    assert set(again.counts) <= {
        "tracks unchanged", "modules unchanged", "lessons unchanged", "exercises unchanged",
    }
    assert Track.objects.filter(is_retired=False).count() == len(tree.tracks)
    assert Exercise.objects.filter(kind="code").count() >= 8


def test_tracks_and_modules_as_promised(tree) -> None:  # type: ignore[no-untyped-def]
    slugs = {t.slug: t for t in tree.tracks}
    assert len(slugs["ai-foundations"].modules) >= 6
    for track in DEPARTMENT_TRACKS:
        assert len(slugs[track].modules) >= 3, track


@pytest.mark.parametrize("track", ["ai-foundations", *DEPARTMENT_TRACKS])
def test_every_module_has_substance(tree, track: str) -> None:  # type: ignore[no-untyped-def]
    spec = next(t for t in tree.tracks if t.slug == track)
    for module in spec.modules:
        lessons = [i for i in module.items if i.type == "lesson"]
        exercises = [i for i in module.items if i.type == "exercise"]
        where = f"{track}/{module.slug}"
        assert 2 <= len(lessons) <= 4, where
        for lesson in lessons:
            words = len(WORD.findall(lesson.doc.body))
            assert 550 <= words <= 1700, f"{where}/{lesson.slug}: {words} words"
        assert len(exercises) >= 5, where
        assert len({e.doc.meta["kind"] for e in exercises}) >= 3, f"{where}: mix the kinds"
        for ex in exercises:
            assert ex.doc.meta.get("hints"), f"{where}/{ex.slug}: needs a hint"
            meta = ex.doc.meta
            kind = meta["kind"]
            if kind in {"single_choice", "multiple_choice"}:
                assert all(o.get("feedback") for o in meta["options"])
            elif kind in {"numeric", "short_text"}:
                assert meta.get("feedback_wrong"), f"{where}/{ex.slug}: feedback for wrong answers"
            elif kind == "rubric":
                assert all(c.get("feedback_fail") for c in meta["checks"])


def test_engineering_has_code_exercises_with_hidden_tests(tree) -> None:  # type: ignore[no-untyped-def]
    spec = next(t for t in tree.tracks if t.slug == "ai-for-engineering")
    for module in spec.modules:
        code = [i for i in module.items if i.type == "exercise" and i.doc.meta["kind"] == "code"]
        assert len(code) >= 2, module.slug
        for ex in code:
            assert ex.doc.meta.get("hidden_tests") and ex.doc.meta.get("solution")


def _code_exercises(tree) -> list[tuple[str, ItemSpec]]:  # type: ignore[no-untyped-def]
    found = []
    for track in tree.tracks:
        for module in track.modules:
            for item in module.items:
                if item.type == "exercise" and item.doc.meta.get("kind") == "code":
                    found.append((f"{track.slug}/{module.doc.path.parent.name}", item))
    return found


def test_every_code_exercise_has_a_wrong_solution_file(tree) -> None:  # type: ignore[no-untyped-def]
    for where, item in _code_exercises(tree):
        track, module = where.split("/")
        wrong = CONTENT / track / "wrong-solutions" / f"{module}--{item.doc.path.stem}.py"
        assert wrong.is_file(), f"missing {wrong.relative_to(CONTENT)}"


@pytest.mark.sandbox
def test_reference_solutions_pass_and_wrong_solutions_fail_in_the_sandbox(tree) -> None:  # type: ignore[no-untyped-def]
    from candor.grading.registry import get_grader

    grader = get_grader("code")
    checked = 0
    for where, item in _code_exercises(tree):
        spec = exercise_spec(item.doc.meta)
        track, module = where.split("/")
        right = grader.grade(
            spec, grader.parse_answer(spec, {"code": spec["solution"], "mode": "submit"})
        )
        assert right.correct, (
            f"{where}/{item.slug}: reference fails: {right.error_message} {right.tests}"
        )
        wrong_code = (
            CONTENT / track / "wrong-solutions" / f"{module}--{item.doc.path.stem}.py"
        ).read_text()
        wrong = grader.grade(
            spec, grader.parse_answer(spec, {"code": wrong_code, "mode": "submit"})
        )
        assert not wrong.correct, f"{where}/{item.slug}: the wrong solution passes"
        checked += 1
    assert checked >= 8
