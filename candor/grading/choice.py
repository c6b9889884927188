"""Graders for ``single_choice`` and ``multiple_choice`` exercises.

Answers are option indices (0-based, in the order of ``options`` in the front matter), as a form
posts them: a string such as ``"2"`` or an int; a list of those for multiple choice.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar, TypeGuard

from candor.grading.base import AnswerError, Feedback, GradeResult, SpecError

COMMON_KEYS = frozenset({"id", "type", "kind", "title", "hints", "explanation", "max_attempts"})
MIN_OPTIONS, MAX_OPTIONS = 2, 10
_OWN_KEYS = frozenset({"options"})
_OPTION_KEYS = frozenset({"text", "correct", "feedback"})
# A form never sends more picks than options; anything longer is not worth looking at.
_MAX_PICKS = 50
_INDEX = re.compile(r"[0-9]{1,3}")


def _nonempty_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _common_errors(spec: dict[str, Any], own: frozenset[str], kind: str) -> list[SpecError]:
    errors = [
        SpecError(f"Unknown key {key!r} for a {kind} exercise.", key=str(key))
        for key in spec
        if key not in own and key not in COMMON_KEYS
    ]
    if "hints" in spec:
        hints = spec["hints"]
        if not (isinstance(hints, list) and hints and all(_nonempty_str(h) for h in hints)):
            errors.append(SpecError("hints must be a non-empty list of texts.", key="hints"))
    return errors


def _options(spec: dict[str, Any]) -> list[dict[str, Any]]:
    options = spec.get("options")
    if not isinstance(options, list):
        return []
    return [o if isinstance(o, dict) else {} for o in options]


def _correct(options: list[dict[str, Any]]) -> set[int]:
    return {i for i, option in enumerate(options) if option.get("correct") is True}


def _text(option: dict[str, Any]) -> str:
    return str(option.get("text", ""))


def _parse_index(raw: Any, count: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise AnswerError("Pick one of the options.")
    if isinstance(raw, str):
        # NFKC turns full-width digits into ASCII ones; anything else that is not a short run of
        # digits cannot be an option of this exercise.
        text = unicodedata.normalize("NFKC", raw[:20]).strip()
        if len(raw) > 20 or not _INDEX.fullmatch(text):
            raise AnswerError("Pick one of the options.")
        raw = int(text)
    if not 0 <= raw < count:
        raise AnswerError("That option does not exist: pick one of the options shown.")
    return raw


class _ChoiceGrader:
    kind: ClassVar[str]
    runs_async: ClassVar[bool] = False
    multiple: ClassVar[bool]

    def check_spec(self, spec: dict[str, Any]) -> list[SpecError]:
        if not isinstance(spec, dict):
            return [SpecError("The exercise must be a mapping of keys to values.")]
        errors = _common_errors(spec, _OWN_KEYS, self.kind)
        options = spec.get("options")
        if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            errors.append(
                SpecError(
                    f"options must be a list of {MIN_OPTIONS}–{MAX_OPTIONS} options, "
                    "each with text and feedback.",
                    "options",
                )
            )
            if not isinstance(options, list):
                return errors
        seen: set[str] = set()
        for number, option in enumerate(options, start=1):
            errors.extend(self._check_option(number, option, seen))
        correct = sum(1 for o in options if isinstance(o, dict) and o.get("correct") is True)
        if not self.multiple and correct != 1:
            errors.append(
                SpecError(
                    f"A single_choice exercise needs exactly one option with correct: true "
                    f"(found {correct}).",
                    "options",
                )
            )
        if self.multiple and correct < 1:
            errors.append(
                SpecError(
                    "A multiple_choice exercise needs at least one option with correct: true.",
                    "options",
                )
            )
        return errors

    def _check_option(self, number: int, option: Any, seen: set[str]) -> list[SpecError]:
        where = f"Option {number}"
        if not isinstance(option, dict):
            return [
                SpecError(
                    f"{where} must be a mapping with text, feedback and optionally correct.",
                    "options",
                )
            ]
        errors = [
            SpecError(
                f"{where} has an unknown key {key!r} (known: text, correct, feedback).", "options"
            )
            for key in option
            if key not in _OPTION_KEYS
        ]
        text = option.get("text")
        if not _nonempty_str(text):
            # YAML reads `text: 42` or `text: yes` as a number or boolean; quoting fixes it.
            errors.append(
                SpecError(f'{where} needs text: a non-empty text (quote it, e.g. "42").', "options")
            )
        elif (key := " ".join(text.split()).casefold()) in seen:
            errors.append(
                SpecError(f"{where} repeats the text of an earlier option: {text!r}.", "options")
            )
        else:
            seen.add(key)
        if not _nonempty_str(option.get("feedback")):
            errors.append(
                SpecError(f"{where} needs feedback: shown to learners who pick it.", "options")
            )
        if not isinstance(option.get("correct", False), bool):
            errors.append(SpecError(f"{where}: correct must be true or false.", "options"))
        return errors

    def public_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {"options": [{"text": _text(o)} for o in _options(spec)]}


class SingleChoiceGrader(_ChoiceGrader):
    kind: ClassVar[str] = "single_choice"
    multiple: ClassVar[bool] = False

    def parse_answer(self, spec: dict[str, Any], raw: Any) -> int:
        return _parse_index(raw, len(_options(spec)))

    def grade(self, spec: dict[str, Any], answer: Any) -> GradeResult:
        options = _options(spec)
        valid = (
            isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(options)
        )
        if not valid:
            return GradeResult(
                correct=False,
                score=0.0,
                feedback=[Feedback("That option does not exist.", ok=False)],
            )
        option = options[answer]
        correct = option.get("correct") is True
        message = str(option.get("feedback") or ("Correct." if correct else "Not quite."))
        return GradeResult(
            correct=correct,
            score=1.0 if correct else 0.0,
            feedback=[Feedback(message, ok=correct, label=_text(option))],
        )


class MultipleChoiceGrader(_ChoiceGrader):
    kind: ClassVar[str] = "multiple_choice"
    multiple: ClassVar[bool] = True

    def parse_answer(self, spec: dict[str, Any], raw: Any) -> list[int]:
        if not isinstance(raw, (list, tuple)):
            raise AnswerError("Pick the options you think are right.")
        if len(raw) > _MAX_PICKS:
            raise AnswerError("Too many picks: pick each option at most once.")
        count = len(_options(spec))
        # A repeated pick (a double-submitted checkbox) means the same as picking it once.
        picks = sorted({_parse_index(item, count) for item in raw})
        if not picks:
            raise AnswerError("Pick at least one option.")
        return picks

    def grade(self, spec: dict[str, Any], answer: Any) -> GradeResult:
        options = _options(spec)
        items = answer if isinstance(answer, (list, tuple, set, frozenset)) else []
        picked = {
            i
            for i in items
            if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(options)
        }
        correct = _correct(options)
        hits, wrong = len(picked & correct), len(picked - correct)
        # Each wrong pick cancels a right one, so ticking every box earns nothing.
        score = max(0.0, (hits - wrong) / len(correct)) if correct else 0.0
        is_correct = bool(correct) and picked == correct
        feedback: list[Feedback] = []
        if not is_correct:
            feedback.append(
                Feedback(
                    f"You picked {hits} of the {len(correct)} right options"
                    + (f" and {wrong} wrong one{'s' if wrong != 1 else ''}." if wrong else "."),
                    ok=False,
                )
            )
        for i, option in enumerate(options):
            message, label = str(option.get("feedback") or ""), _text(option)
            if i in picked:
                feedback.append(Feedback(message, ok=i in correct, label=label))
            elif i in correct:
                feedback.append(Feedback(f"You missed: {label} — {message}", ok=False, label=label))
        return GradeResult(
            correct=is_correct, score=1.0 if is_correct else score, feedback=feedback
        )
