"""Which grader handles which exercise kind."""

from __future__ import annotations

from candor.grading.base import Grader
from candor.grading.choice import MultipleChoiceGrader, SingleChoiceGrader
from candor.grading.code import CodeGrader
from candor.grading.numeric import NumericGrader
from candor.grading.rubric import RubricGrader
from candor.grading.text import ShortTextGrader

GRADERS: dict[str, Grader] = {
    g.kind: g
    for g in (
        SingleChoiceGrader(),
        MultipleChoiceGrader(),
        NumericGrader(),
        ShortTextGrader(),
        RubricGrader(),
        CodeGrader(),
    )
}

KINDS = tuple(GRADERS)


def get_grader(kind: str) -> Grader:
    try:
        return GRADERS[kind]
    except KeyError:
        raise KeyError(f"Unknown exercise kind {kind!r}; known kinds: {', '.join(KINDS)}") from None
