"""Right and wrong answers for any exercise, built from its spec and checked with its grader.

Synthetic learners answer through ``learning.actions.do_submit_answer`` like real ones, so they
need answers the graders accept. A right answer is kept only if the exercise's own grader says
it is right; when none can be built (an exotic regex), the synthetic learner never passes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from candor.grading.registry import get_grader

WRONG_TEXT = "I am not sure about this one."


@dataclass(frozen=True)
class Answers:
    right: Any | None
    wrong: Any


def _choice(spec: dict[str, Any], multiple: bool) -> Answers:
    options = spec.get("options") or []
    correct = [i for i, o in enumerate(options) if isinstance(o, dict) and o.get("correct")]
    other = [i for i in range(len(options)) if i not in correct]
    if multiple:
        wrong = [str(i) for i in (correct[:-1] or other[:1])] or [str(other[0])]
        return Answers([str(i) for i in correct], wrong)
    return Answers(str(correct[0]) if correct else None, str(other[0] if other else 0))


def _numeric(spec: dict[str, Any]) -> Answers:
    value = spec.get("answer")
    if not isinstance(value, int | float):
        return Answers(None, "1")
    wrong = value * 3 + 7
    return Answers(repr(value) if isinstance(value, float) else str(value), f"{wrong:g}")


def _short_text(spec: dict[str, Any]) -> Answers:
    accepted = [a for a in spec.get("accepted") or [] if isinstance(a, str)]
    if accepted:
        return Answers(accepted[0], "zzz wrong answer")
    for pattern in spec.get("patterns") or []:
        literal = re.sub(r"[\^\$\\()?*+]|\[[^\]]*\]", "", str(pattern)).split("|")[0].strip()
        if literal:
            return Answers(literal, "zzz wrong answer")
    return Answers(None, "zzz wrong answer")


def _rubric_text(spec: dict[str, Any], regex_literals: bool) -> str:
    words: list[str] = []
    lines: list[str] = []
    for check in spec.get("checks") or []:
        kind = check.get("type")
        terms = [t for t in check.get("terms") or [] if isinstance(t, str)]
        if kind == "mention_any" and terms:
            words.append(terms[0])
        elif kind == "mention_all":
            words.extend(terms)
        elif kind == "has_list":
            count = int(check.get("min_items", 2) or 2)
            lines.extend(f"- point {i + 1} about the task" for i in range(count))
        elif kind == "regex" and regex_literals:
            literal = re.sub(r"[\^\$\\()?*+.]|\[[^\]]*\]|\{[^}]*\}", "", str(check.get("pattern")))
            if literal.split("|")[0].strip():
                words.append(literal.split("|")[0].strip())
    low = spec.get("min_words") or 0
    for check in spec.get("checks") or []:
        if check.get("type") == "word_count" and isinstance(check.get("min"), int):
            low = max(low, check["min"])
    text = "In this answer I explain the approach: " + ", ".join(words) + "."
    filler = " This keeps the answer clear and specific for the reader."
    while len(text.split()) + sum(len(x.split()) for x in lines) < low + 3:
        text += filler
    return "\n".join([text, *lines])


def _rubric(spec: dict[str, Any], example: str = "") -> Answers:
    # A regex check may require a phrase or forbid one: try with its literal text, then
    # without, then the model answer an explanation often quotes.
    grader = get_grader("rubric")
    candidates = [_rubric_text(spec, True), _rubric_text(spec, False)]
    quoted = re.findall(r"[\"“]([^\"”]{80,})[\"”]", example)
    candidates.extend(q.strip() for q in quoted)
    for text in candidates:
        if grader.grade(spec, text).correct:
            return Answers(text, "ok")
    return Answers(candidates[0], "ok")


def _code(spec: dict[str, Any]) -> Answers:
    solution = spec.get("solution")
    starter = str(spec.get("starter") or "")
    right = {"code": solution, "mode": "submit"} if isinstance(solution, str) else None
    return Answers(right, {"code": starter or "pass\n", "mode": "submit"})


BUILDERS = {
    "single_choice": lambda s: _choice(s, False),
    "multiple_choice": lambda s: _choice(s, True),
    "numeric": _numeric,
    "short_text": _short_text,
    "rubric": _rubric,  # given the explanation as well, see answers_for
    "code": _code,
}


def answers_for(kind: str, spec: dict[str, Any], example: str = "") -> Answers | None:
    """Right and wrong raw answers, or None if this kind cannot be answered here.

    ``example``: the exercise's explanation as text (rubric exercises often quote a model
    answer there)."""
    builder = BUILDERS.get(kind)
    try:
        grader = get_grader(kind)
    except KeyError:
        return None
    if builder is None:
        return None
    answers = _rubric(spec, example) if kind == "rubric" else builder(spec)
    if answers.right is not None and not grader.runs_async:
        try:
            ok = grader.grade(spec, grader.parse_answer(spec, answers.right)).correct
        except Exception:
            ok = False
        if not ok:
            answers = Answers(None, answers.wrong)
    return answers
