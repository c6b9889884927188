"""Personal data held by learning: assignments, lesson views, answers, progress, completion."""

from __future__ import annotations

from typing import Any

from candor.privacy.inventory import Declaration, LegalBasis
from candor.privacy.purposes import Purpose


def _delete(model_name: str) -> Any:
    def erase(user: Any) -> int:
        from django.apps import apps

        return int(apps.get_model("learning", model_name).objects.filter(user=user).delete()[0])

    return erase


_YOU = "you"
_MANAGER = "your manager (mandatory modules: status, due date and completion date only)"

DECLARATIONS: list[Declaration] = [
    Declaration(
        model="learning.AssignmentRule",
        title="Training rules that name you personally",
        category="learning",
        subject_field="person",
        fields={
            "track__title": "The track",
            "module__title": "The module, if only one",
            "mandatory": "Whether it is mandatory",
            "due_date": "A fixed due date",
            "due_days": "Or days to complete it",
            "created_at": "When the rule was made",
        },
        purposes=(Purpose.COMPLIANCE,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        audience=("you", "administrators"),
        retention="Until an administrator removes the rule.",
        on_erasure="Kept: it states what the company required of you.",
    ),
    Declaration(
        model="learning.Assignment",
        title="Modules assigned to you",
        category="learning",
        fields={
            "module__track__title": "The track",
            "module__title": "The module",
            "mandatory": "Whether it is mandatory",
            "due_on": "When it is due",
            "assigned_at": "When it was assigned",
        },
        purposes=(Purpose.LEARNER_SELF_VIEW, Purpose.COMPLIANCE),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        audience=(_YOU, _MANAGER),
        retention="As long as your account exists.",
        on_erasure="Kept with the completion records, which it explains.",
    ),
    Declaration(
        model="learning.LessonView",
        title="Lessons you opened",
        category="learning",
        fields={"lesson__title": "The lesson", "viewed_at": "When you first opened it"},
        erase=_delete("LessonView"),
        purposes=(Purpose.LEARNER_SELF_VIEW,),
        legal_basis=LegalBasis.CONTRACT,
        audience=(_YOU,),
        retention="As long as your account exists.",
        on_erasure="Deleted.",
    ),
    Declaration(
        model="learning.Attempt",
        title="Your answers to exercises and their feedback",
        category="learning",
        fields={
            "exercise__title": "The exercise",
            "number": "Which attempt it was",
            "mode": "Submitted, or a code run",
            "status": "Grading status",
            "answer": "What you answered",
            "correct": "Whether it was correct",
            "score": "The grader's score (0–1)",
            "result": "The feedback you were shown",
            "created_at": "When you answered",
            "graded_at": "When it was graded",
        },
        withheld={"client_token": "a one-time form token that prevents double submissions"},
        erase=_delete("Attempt"),
        purposes=(Purpose.LEARNER_SELF_VIEW, Purpose.LEARNER_HELP),
        legal_basis=LegalBasis.CONTRACT,
        audience=(_YOU,),
        retention="As long as your account exists.",
        on_erasure="Deleted.",
    ),
    Declaration(
        model="learning.ExerciseProgress",
        title="Your progress per exercise",
        category="learning",
        fields={
            "exercise__title": "The exercise",
            "submissions": "Answers you submitted",
            "passed_at": "When you passed it",
            "revealed_at": "When you revealed the solution",
        },
        erase=_delete("ExerciseProgress"),
        purposes=(Purpose.LEARNER_SELF_VIEW,),
        legal_basis=LegalBasis.CONTRACT,
        audience=(_YOU,),
        retention="As long as your account exists.",
        on_erasure="Deleted.",
    ),
    Declaration(
        model="learning.ModuleCompletion",
        title="Modules you completed",
        category="learning",
        fields={
            "module__track__title": "The track",
            "module__title": "The module",
            "completed_at": "When you completed it",
        },
        purposes=(Purpose.LEARNER_SELF_VIEW, Purpose.COMPLIANCE),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        audience=(_YOU, _MANAGER),
        retention="As the company's policy for training records requires (proof of training).",
        on_erasure="Kept: the company may have to prove the training was done.",
    ),
]

# Reminders and certificates (mandatory-training operations, issue 8).
from candor.learning.ops_inventory import DECLARATIONS as _OPERATIONS  # noqa: E402

DECLARATIONS += _OPERATIONS
