"""Every endpoint, every persona: only the subject ever reads or writes their signals."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from candor.privacy.models import AuditEntry
from candor.signals.models import SignalSummary

from .conftest import make_summary

PERSONAS = ("lena", "leo", "maya", "ari", "priya", "adam", "otto", "sam")
CONSENTED = {"lena", "leo"}


def test_anonymous_callers_get_401_everywhere(consenting: Any, exercises: Any) -> None:
    c = Client()
    body = json.dumps({"summaries": [make_summary(exercises["rubric"].pk)]})
    assert c.post("/api/v1/signals", body, content_type="application/json").status_code == 401
    assert c.get("/api/v1/signals/mine").status_code == 401
    assert c.get(f"/api/v1/signals/mine/{uuid.uuid4()}").status_code == 401
    assert c.delete("/api/v1/signals/mine").status_code == 401
    assert SignalSummary.objects.count() == 0


@pytest.mark.parametrize("name", PERSONAS)
def test_upload_needs_the_callers_own_consent(
    name: str, consenting: Any, exercises: Any, post: Any
) -> None:
    person = getattr(consenting, name)
    response = post(person, [make_summary(exercises["rubric"].pk)])
    if name in CONSENTED:
        assert response.status_code == 201
    else:
        assert response.status_code == 403
        assert "off for you" in response.json()["detail"]
    assert SignalSummary.objects.count() == (1 if name in CONSENTED else 0)


def test_withdrawing_consent_or_the_org_switch_stops_uploads_at_once(
    consenting: Any, exercises: Any, post: Any
) -> None:
    from candor.privacy.consent import do_set_consent
    from candor.privacy.org import do_disable_signals, do_enable_signals

    lena, adam = consenting.lena, consenting.adam
    do_set_consent(lena, learner_help=False, course_improvement=False)
    assert post(lena, [make_summary(exercises["rubric"].pk)]).status_code == 403
    do_set_consent(lena, learner_help=True, course_improvement=False)
    assert post(lena, [make_summary(exercises["rubric"].pk)]).status_code == 201
    do_disable_signals(adam)
    assert post(lena, [make_summary(exercises["rubric"].pk)]).status_code == 403
    do_enable_signals(adam, dpia_reference="DPIA-2026-02")
    assert post(lena, [make_summary(exercises["rubric"].pk)]).status_code == 201


def test_a_consenting_person_without_the_learner_role_cannot_upload(
    consenting: Any, exercises: Any, post: Any
) -> None:
    from candor.privacy.consent import do_set_consent

    ari = consenting.ari
    ari.is_learner = False
    ari.save()
    do_set_consent(ari, learner_help=True, course_improvement=True)
    assert post(ari, [make_summary(exercises["rubric"].pk)]).status_code == 403


def test_upload_without_the_csrf_token_is_refused(consenting: Any, exercises: Any) -> None:
    c = Client(enforce_csrf_checks=True)
    c.force_login(consenting.lena)
    body = json.dumps({"summaries": [make_summary(exercises["rubric"].pk)]})
    assert c.post("/api/v1/signals", body, content_type="application/json").status_code == 403


def _seed(consenting: Any, exercises: Any, post: Any) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for name in CONSENTED:
        before = set(SignalSummary.objects.values_list("pk", flat=True))
        post(getattr(consenting, name), [make_summary(exercises["rubric"].pk)])
        after = set(SignalSummary.objects.values_list("pk", flat=True))
        rows[name] = [str(pk) for pk in after - before]
    return rows


@pytest.mark.parametrize("name", PERSONAS)
def test_each_persona_lists_only_their_own_summaries(
    name: str, consenting: Any, exercises: Any, post: Any, client_for: Any
) -> None:
    rows = _seed(consenting, exercises, post)
    c = client_for(getattr(consenting, name))
    listed = c.get("/api/v1/signals/mine").json()
    assert [d["id"] for d in listed] == rows.get(name, [])
    for owner, ids in rows.items():
        for row_id in ids:
            one = c.get(f"/api/v1/signals/mine/{row_id}")
            if owner == name:
                assert one.status_code == 200 and one.json()["ok"] is True
            else:
                # Someone else's summary and a missing one give the very same answer.
                missing = c.get(f"/api/v1/signals/mine/{uuid.uuid4()}")
                assert one.status_code == missing.status_code == 404
                assert one.content == missing.content
    assert c.get("/api/v1/signals/mine/not-a-uuid").status_code == 404


@pytest.mark.parametrize("name", PERSONAS)
def test_erasing_touches_only_the_callers_own_signals(
    name: str, consenting: Any, exercises: Any, post: Any, client_for: Any
) -> None:
    rows = _seed(consenting, exercises, post)
    c = client_for(getattr(consenting, name))
    response = c.delete("/api/v1/signals/mine")
    assert response.status_code == 200
    assert response.json()["rows_deleted"] == len(rows.get(name, []))
    left = {str(pk) for pk in SignalSummary.objects.values_list("pk", flat=True)}
    expected = {row for owner, ids in rows.items() if owner != name for row in ids}
    assert left == expected
    assert AuditEntry.objects.filter(action="signals.erase").count() == 1


def test_erased_signals_are_unreadable_and_gone(
    consenting: Any, exercises: Any, post: Any, client_for: Any
) -> None:
    lena = consenting.lena
    post(lena, [make_summary(exercises["rubric"].pk)])
    c = client_for(lena)
    assert c.delete("/api/v1/signals/mine").json() == {"rows_deleted": 1, "keys_destroyed": 1}
    assert c.get("/api/v1/signals/mine").json() == []


def test_the_rate_limit_answers_429_with_retry_after_per_learner(
    consenting: Any, exercises: Any, post: Any, settings: Any
) -> None:
    settings.CANDOR_SIGNALS_RATE_LIMIT = 3
    ex = exercises["rubric"].pk
    for _ in range(3):
        assert post(consenting.lena, [make_summary(ex)]).status_code == 201
    refused = post(consenting.lena, [make_summary(ex)])
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert post(consenting.leo, [make_summary(ex)]).status_code == 201  # per learner


def test_size_type_and_json_errors(consenting: Any, exercises: Any, post: Any) -> None:
    lena = consenting.lena
    big = json.dumps({"summaries": [make_summary(exercises["rubric"].pk)], "pad": "x" * 70_000})
    assert post(lena, big).status_code == 413
    assert post(lena, b"{}", content_type="text/plain").status_code == 415
    bad = post(lena, b'{"summaries": [')
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["detail"]
    wrong = post(lena, [make_summary(exercises["rubric"].pk, keystrokes=-5)])
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "summaries", 0, "keystrokes"]


def test_a_withdrawal_during_an_upload_wins(
    consenting: Any, exercises: Any, post: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Consent is checked again inside the storing transaction, under the learner's lock."""
    from candor.privacy.consent import do_set_consent
    from candor.signals import ingestion

    real = ingestion._server_indicators

    def withdraw_meanwhile(user: Any, summaries: Any) -> Any:
        do_set_consent(user, learner_help=False, course_improvement=False)
        return real(user, summaries)

    monkeypatch.setattr(ingestion, "_server_indicators", withdraw_meanwhile)
    response = post(consenting.lena, [make_summary(exercises["rubric"].pk)])
    assert response.status_code == 403
    assert SignalSummary.objects.count() == 0
