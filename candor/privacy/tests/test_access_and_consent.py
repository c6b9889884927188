"""Purpose-bound reads, consent choices and the organisation switch."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from candor.privacy.access import access_personal_data
from candor.privacy.audit import subject_pseudonym
from candor.privacy.consent import NOTICE_VERSION, consent_for, do_set_consent
from candor.privacy.models import AuditEntry, ConsentRecord
from candor.privacy.org import SwitchRefused, do_enable_signals, signals_enabled
from candor.privacy.purposes import DESCRIPTIONS, ROLE_PURPOSES, Purpose, PurposeRefused

pytestmark = pytest.mark.django_db

# PRODUCT.md §5 rule 2: no purpose or metric for evaluating, ranking, hiring/firing people, or
# inferring their emotions, stress, attention or engagement. Metric and purpose names are
# identifiers (snake_case or camelCase), so prose that explains the rule is not flagged.
STEMS = (
    "productivity",
    "performance",
    "rank",
    "hiring",
    "firing",
    "emotion",
    "stress",
    "attention",
    "engagement",
    "frustration",
    "sentiment",
    "mood",
)
IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b|\b[a-z]+[A-Z][A-Za-z0-9]*\b")


def forbidden_names(text: str) -> list[str]:
    return [t for t in IDENTIFIER.findall(text) if any(stem in t.lower() for stem in STEMS)]


def test_registered_purposes_are_exactly_the_six_of_the_product() -> None:
    assert {p.value for p in Purpose} == {
        "learner_self_view",
        "learner_help",
        "course_improvement",
        "compliance",
        "security_audit",
        "data_subject_request",
    }
    assert set(DESCRIPTIONS) == set(Purpose)
    for purposes in ROLE_PURPOSES.values():
        assert all(not forbidden_names(p.value) for p in purposes)
    assert forbidden_names("engagement_score = rankLearners(x); productivity_index") == [
        "engagement_score",
        "rankLearners",
        "productivity_index",
    ]


def test_lint_no_forbidden_metric_or_purpose_names_in_code() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in list(root.rglob("*.py")) + list((root.parent / "frontend").glob("**/*.js")):
        if "tests" in path.parts or "migrations" in path.parts or "node_modules" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in forbidden_names(line):
                offenders.append(f"{path.relative_to(root.parent)}:{n}: {name}")
    assert offenders == []


def test_unregistered_purposes_are_refused(people: Any) -> None:
    for bad in ["performance_review", "ranking", "", "COMPLIANCE "]:
        with pytest.raises(PurposeRefused):
            access_personal_data(people.maya, people.lena, bad, object_ref="x")
    assert AuditEntry.objects.count() == 0


def test_roles_may_use_only_their_purposes_and_each_read_is_audited(people: Any) -> None:
    access_personal_data(people.maya, people.lena, "compliance", object_ref="completion")
    entry = AuditEntry.objects.get()
    assert (entry.actor_role, entry.purpose, entry.subject) == (
        "manager",
        "compliance",
        subject_pseudonym(people.lena),
    )
    for reader, purpose in [
        (people.maya, "security_audit"),
        (people.leo, "compliance"),
        (people.ari, "compliance"),
        (people.adam, "data_subject_request"),
    ]:
        with pytest.raises(PurposeRefused):
            access_personal_data(reader, people.lena, purpose, object_ref="x")
    assert AuditEntry.objects.count() == 1
    # Reading your own data is not an access by someone else: nothing to record.
    access_personal_data(people.lena, people.lena, "learner_self_view", object_ref="mine")
    assert AuditEntry.objects.count() == 1


def test_consent_is_off_by_default_versioned_and_kept_as_history(people: Any) -> None:
    state = consent_for(people.lena)
    assert not state.learner_help and not state.course_improvement and not state.decided
    assert not state.needs_choice  # the organisation has not enabled signals
    do_enable_signals(people.adam, dpia_reference="DPIA-2026-01")
    assert consent_for(people.lena).needs_choice
    on = do_set_consent(people.lena, learner_help=True, course_improvement=True)
    assert on.signals_allowed and on.aggregates_allowed and on.notice_version == NOTICE_VERSION
    off = do_set_consent(people.lena, learner_help=False, course_improvement=True)
    assert not off.signals_allowed and not off.course_improvement  # aggregates need collection
    assert ConsentRecord.objects.filter(user=people.lena).count() == 2
    assert AuditEntry.objects.filter(action="consent.change").count() == 2


def test_signals_need_the_org_switch_with_a_dpia_reference(people: Any) -> None:
    do_set_consent(people.lena, learner_help=True, course_improvement=False)
    assert not consent_for(people.lena).signals_allowed
    with pytest.raises(SwitchRefused, match="impact assessment"):
        do_enable_signals(people.adam, dpia_reference="  ")
    with pytest.raises(SwitchRefused, match="administrator"):
        do_enable_signals(people.priya, dpia_reference="DPIA-1")
    assert not signals_enabled()
    do_enable_signals(people.adam, dpia_reference="DPIA-2026-01")
    assert consent_for(people.lena).signals_allowed
    assert AuditEntry.objects.filter(action="org.signals_enable").count() == 1
