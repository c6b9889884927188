"""Every privacy page and endpoint, for every role; and what each page does."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from candor.privacy.models import AuditEntry, DataSubjectRequest

from .conftest import store_signals

pytestmark = pytest.mark.django_db

ROLES = ("lena", "leo", "maya", "ari", "priya", "adam", "otto", "sam")
LEARNER_GET = ["/my-data/", "/privacy/notice/"]
OFFICER_GET = [
    "/privacy/",
    "/privacy/inventory/",
    "/privacy/consent-coverage/",
    "/privacy/audit/",
    "/privacy/requests/",
    "/privacy/retention/",
]
DPIA_GET = ["/privacy/dpia/", "/privacy/dpia.pdf"]
ADMIN_GET = ["/privacy/settings/"]
LEARNER_POST = [
    "/my-data/consent/",
    "/my-data/withdraw/",
    "/my-data/export/",
    "/my-data/erase-signals/",
    "/my-data/requests/",
]
API_GET = ["/api/v1/privacy/me/consent", "/api/v1/privacy/me/accesses"]


def _expected(name: str, url: str) -> int:
    if url in OFFICER_GET:
        return 200 if name == "priya" else 404
    if url in DPIA_GET:
        return 200 if name in {"priya", "adam"} else 404
    if url in ADMIN_GET:
        return 200 if name == "adam" else 404
    return 200  # every persona is also a learner (roles combine)


def test_every_page_for_every_role(signals_on: Any, client_for: Any) -> None:
    people = signals_on
    for url in LEARNER_GET + OFFICER_GET + DPIA_GET + ADMIN_GET:
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
        for name in ROLES:
            got = client_for(getattr(people, name)).get(url).status_code
            assert got == _expected(name, url), (name, url, got)


def test_request_detail_only_for_officers_and_missing_is_404(
    signals_on: Any, client_for: Any
) -> None:
    from candor.privacy.dsr import do_request_account_deletion

    req, _ = do_request_account_deletion(signals_on.lena)
    for name in ROLES:
        got = client_for(getattr(signals_on, name)).get(f"/privacy/requests/{req.pk}/")
        assert got.status_code == (200 if name == "priya" else 404), name
    assert client_for(signals_on.priya).get("/privacy/requests/999999/").status_code == 404
    assert Client().get(f"/privacy/requests/{req.pk}/").status_code == 302


def test_writes_are_post_only_and_need_a_session_and_csrf(signals_on: Any, client_for: Any) -> None:
    lena = signals_on.lena
    for url in LEARNER_POST:
        assert client_for(lena).get(url).status_code == 405, url
        anonymous = Client().post(url)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"], url
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(lena)
        assert strict.post(url).status_code == 403, url
    for url in ["/privacy/settings/", "/privacy/requests/1/"]:
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(signals_on.adam)
        assert strict.post(url).status_code == 403, url


def test_api_for_every_role(signals_on: Any, client_for: Any) -> None:
    for url in API_GET:
        assert Client().get(url).status_code == 401
        for name in ROLES:
            assert client_for(getattr(signals_on, name)).get(url).status_code == 200
    assert Client().post("/api/v1/privacy/me/export").status_code == 401
    c = client_for(signals_on.lena)
    body = c.post("/api/v1/privacy/me/export").json()
    assert body["format"] == "candor-export/1"
    put = c.put(
        "/api/v1/privacy/me/consent",
        data=json.dumps({"learner_help": False}),
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["signals_allowed"] is False
    bad = c.put("/api/v1/privacy/me/consent", data="{}", content_type="application/json")
    assert bad.status_code == 422
    # A person who is not a learner has no consent to read or set.
    ari = signals_on.ari
    ari.is_learner = False
    ari.save()
    assert client_for(ari).get("/api/v1/privacy/me/consent").status_code == 403
    assert client_for(ari).get("/my-data/").status_code == 404


def test_api_consent_refused_while_the_organisation_is_off(people: Any, client_for: Any) -> None:
    put = client_for(people.lena).put(
        "/api/v1/privacy/me/consent",
        data=json.dumps({"learner_help": True}),
        content_type="application/json",
    )
    assert put.status_code == 409


INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\sstyle=|\son\w+=")


def test_pages_have_no_inline_script_or_style(rich_lena: Any, client_for: Any) -> None:
    pages = {
        "lena": ["/", "/my-data/", "/privacy/notice/"],
        "priya": OFFICER_GET + ["/privacy/dpia/", "/privacy/audit/?names=1"],
        "adam": ADMIN_GET,
    }
    for name, urls in pages.items():
        for url in urls:
            html = client_for(getattr(rich_lena, name)).get(url).content.decode()
            assert not INLINE.findall(html), (url, INLINE.findall(html))


def test_dashboard_asks_once_then_my_data_shows_the_choice(assigned: Any, client_for: Any) -> None:
    from candor.privacy.org import do_enable_signals

    lena = client_for(assigned.lena)
    assert "Interaction signals: your choice" not in lena.get("/").content.decode()
    do_enable_signals(assigned.adam, dpia_reference="DPIA-2026-01")
    assert "Interaction signals: your choice" in lena.get("/").content.decode()
    r = lena.post("/my-data/consent/", {"learner_help": "on", "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert "Interaction signals: your choice" not in lena.get("/").content.decode()
    page = lena.get("/my-data/").content.decode()
    assert "for you" in page and "Turn signals off now" in page
    # An outside redirect target is ignored.
    r = lena.post("/my-data/consent/", {"next": "https://evil.example/"})
    assert r["Location"] == "/my-data/"


def test_withdrawal_is_one_click_and_offers_erasure(signals_on: Any, client_for: Any) -> None:
    from candor.catalog.models import Exercise
    from candor.privacy.consent import consent_for

    lena = signals_on.lena
    store_signals(lena, [Exercise.objects.get(slug="numeric").pk])
    c = client_for(lena)
    r = c.post("/my-data/withdraw/", follow=True)
    assert not consent_for(lena).signals_allowed
    page = r.content.decode()
    assert "nothing more is collected" in page and "erase it below" in page
    assert "still kept" in page and 'href="#erase"' in page


def test_erase_needs_confirmation_and_twice_says_nothing_left(
    signals_on: Any, client_for: Any
) -> None:
    from candor.catalog.models import Exercise

    lena = signals_on.lena
    store_signals(lena, [Exercise.objects.get(slug="numeric").pk])
    c = client_for(lena)
    page = c.post("/my-data/erase-signals/", follow=True).content.decode()
    assert "Tick the box" in page
    page = c.post("/my-data/erase-signals/", {"confirm": "yes"}, follow=True).content.decode()
    assert "Erased: 1 signal summary" in page and "No interaction signal is stored" in page
    page = c.post("/my-data/erase-signals/", {"confirm": "yes"}, follow=True).content.decode()
    assert "nothing to erase" in page


def test_export_downloads_json_and_xapi(rich_lena: Any, client_for: Any) -> None:
    c = client_for(rich_lena.lena)
    r = c.post("/my-data/export/", {"format": "all"})
    assert r["Content-Disposition"].startswith('attachment; filename="candor-my-data-')
    assert json.loads(r.content)["about"]["email"] == "lena@example.test"
    x = c.post("/my-data/export/", {"format": "xapi"})
    statements = json.loads(x.content)
    assert isinstance(statements, list) and all(s["version"] == "1.0.3" for s in statements)
    assert AuditEntry.objects.filter(action="data.export").count() == 2


def test_my_data_shows_summaries_in_plain_words_and_who_accessed(
    rich_lena: Any, client_for: Any
) -> None:
    page = client_for(rich_lena.lena).get("/my-data/").content.decode()
    assert "You spent 42 s on it: 12 s typing and 30 s pausing." in page
    assert 'id="signal-trends" type="application/json"' in page
    assert "Your manager" in page and "compliance" in page  # maya's audited read
    assert "dist/mydata.js" in page


def test_officer_pages_never_show_signal_values(rich_lena: Any, client_for: Any) -> None:
    c = client_for(rich_lena.priya)
    for url in OFFICER_GET + ["/privacy/dpia/", "/privacy/audit/?names=1"]:
        html = c.get(url).content.decode()
        for leak in ["typing_speed_cpm", "You spent 42 s", 'correction_rate": 0.2']:
            assert leak not in html, (url, leak)


def test_audit_log_names_are_revealed_only_on_request_and_audited(
    rich_lena: Any, client_for: Any
) -> None:
    c = client_for(rich_lena.priya)
    plain = c.get("/privacy/audit/").content.decode()
    assert "Lena Learner" not in plain
    assert not AuditEntry.objects.filter(action="audit.view_names").exists()
    named = c.get("/privacy/audit/?names=1").content.decode()
    assert "Lena Learner" in named
    views = AuditEntry.objects.filter(action="audit.view_names")
    assert views.exists() and set(views.values_list("purpose", flat=True)) == {"security_audit"}
    # lena sees that a privacy officer looked at log entries about her.
    page = client_for(rich_lena.lena).get("/my-data/").content.decode()
    assert "A privacy officer" in page and "with names" in page
    search = c.get("/privacy/audit/?person=lena@example.test").content.decode()
    assert "Entries 1–" in search
    assert AuditEntry.objects.filter(action="audit.search_person").count() == 1
    bad = c.get("/privacy/audit/?since=yesterday&person=nobody@example.test").content.decode()
    assert "is not a date" in bad and "Nobody signs in as" in bad


def test_account_deletion_through_the_pages(rich_lena: Any, client_for: Any) -> None:
    from candor.learning.models import Attempt, ModuleCompletion
    from candor.signals.access import my_signal_summaries

    lena = rich_lena.lena
    c = client_for(lena)
    page = c.post(
        "/my-data/requests/", {"kind": "account_deletion", "message": "Leaving."}, follow=True
    ).content.decode()
    assert "reached the privacy officer" in page
    again = c.post("/my-data/requests/", {"kind": "account_deletion"}, follow=True)
    assert "You already asked" in again.content.decode()
    req = DataSubjectRequest.objects.get(user=lena, kind="account_deletion")
    assert (req.due_on - req.received_at.date()).days == 30
    officer = client_for(rich_lena.priya)
    queue = officer.get("/privacy/requests/").content.decode()
    assert f"Request #{req.pk}" in queue and "Lena Learner" not in queue
    detail = officer.get(f"/privacy/requests/{req.pk}/").content.decode()
    assert "Lena Learner" in detail and "Modules you completed" in detail
    assert AuditEntry.objects.filter(action="dsr.view").count() == 1
    done = officer.post(
        f"/privacy/requests/{req.pk}/", {"action": "delete_account"}, follow=True
    ).content.decode()
    assert "account is deactivated" in done
    lena.refresh_from_db()
    assert not lena.is_active and not lena.has_usable_password()
    assert not Attempt.objects.filter(user=lena).exists()
    assert ModuleCompletion.objects.filter(user=lena).exists()  # kept, as the notice says
    assert my_signal_summaries(lena) == []
    twice = officer.post(
        f"/privacy/requests/{req.pk}/", {"action": "delete_account"}, follow=True
    ).content.decode()
    assert "already completed" in twice
    assert AuditEntry.objects.filter(action="dsr.account_deletion.complete").count() == 1
    assert Client().post("/login/", {"username": lena.email, "password": "x"}).status_code == 200


def test_questions_are_answered_or_declined_with_a_reason(signals_on: Any, client_for: Any) -> None:
    c = client_for(signals_on.lena)
    empty = c.post("/my-data/requests/", {"kind": "access", "message": " "}, follow=True)
    assert "Write your question" in empty.content.decode()
    c.post("/my-data/requests/", {"kind": "access", "message": "What is kept?"})
    req = DataSubjectRequest.objects.get(kind="access")
    officer = client_for(signals_on.priya)
    no_text = officer.post(f"/privacy/requests/{req.pk}/", {"action": "answer"}, follow=True)
    assert "Write what was done" in no_text.content.decode()
    officer.post(f"/privacy/requests/{req.pk}/", {"action": "answer", "outcome": "See notice."})
    req.refresh_from_db()
    assert req.status == "completed" and req.handled_by == signals_on.priya
    page = c.get("/my-data/").content.decode()
    assert "See notice." in page


def test_admin_records_the_dpia_reference_before_enabling(people: Any, client_for: Any) -> None:
    from candor.privacy.org import signals_enabled

    c = client_for(people.adam)
    page = c.post("/privacy/settings/", {"dpia_reference": " "}, follow=True).content.decode()
    assert "impact assessment" in page and not signals_enabled()
    c.post("/privacy/settings/", {"dpia_reference": "DPIA-2026-07"})
    assert signals_enabled()
    assert AuditEntry.objects.filter(action="org.signals_enable").count() == 1
    c.post("/privacy/settings/", {"action": "disable"})
    assert not signals_enabled()


def test_dpia_report_is_generated_as_html_and_pdf(signals_on: Any, client_for: Any) -> None:
    c = client_for(signals_on.priya)
    html = c.get("/privacy/dpia/").content.decode()
    assert "DPIA-2026-01" in html and "Interaction signals: how you worked" in html
    pdf = c.get("/privacy/dpia.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "impact assessment" in text.lower() and "learner_self_view" in text
