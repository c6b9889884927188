"""Access for every view and every persona (the same 404 for missing and not-yours), bad
input answered with a message (never a 500), and nothing individual reachable by an author."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from candor.insights.models import Budget, Release

from .conftest import make_summary

PERSONAS = ("lena", "leo", "maya", "ari", "priya", "adam", "otto", "sam")
REPORT = "/insights/courses/test-track/"


def _client(people: Any, name: str) -> Client:
    c = Client()
    if name != "anonymous":
        c.force_login(getattr(people, name))
    return c


def _main(html: bytes) -> str:
    """The page's main content (the header differs per person: their name, their links)."""
    text = html.decode()
    return text[text.index("<main") : text.index("</main>")]


def _spent() -> Decimal:
    return sum((b.spent_epsilon for b in Budget.objects.all()), Decimal(0))


@pytest.fixture
def released(
    history: Any, course: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> Release:
    history(learners=24)
    c = _client(people, "ari")
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(REPORT + "release", {"metrics": "pass_rate,median_time"})
    assert response.status_code == 302, response.content
    release = Release.objects.get()
    assert release.status == "done", release.message
    return release


@pytest.mark.parametrize("name", [*PERSONAS, "anonymous"])
def test_every_view_for_every_persona(released: Release, people: Any, name: str) -> None:
    c = _client(people, name)
    spent = _spent()
    author = name == "ari"
    pages = {
        "/insights/courses/": 200 if author else 404,
        REPORT + "?metrics=pass_rate,median_time": 200 if author else 404,
        REPORT + "report.csv?metrics=pass_rate,median_time": 200 if author else 404,
        f"/insights/releases/{released.pk}/status": 200 if author else 404,
        "/insights/ledger/": 200 if name in {"ari", "priya"} else 404,
        "/insights/me/": 200,
    }
    for url, expected in pages.items():
        response = c.get(url)
        if name == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"], url
        else:
            assert response.status_code == expected, (url, response.status_code)
    response = c.post(REPORT + "release", {"metrics": "hint_uptake"})
    assert response.status_code == (302 if name in {"ari", "anonymous"} else 404)
    if not author:
        assert _spent() == spent  # nobody but an author can spend budget


def test_missing_and_not_yours_look_the_same(released: Release, people: Any) -> None:
    ari, lena = _client(people, "ari"), _client(people, "lena")
    for url in (
        "/insights/courses/no-such-track/",
        f"/insights/releases/{released.pk + 99}/status",
    ):
        assert ari.get(url).status_code == 404
    assert lena.get(f"/insights/releases/{released.pk}/status").status_code == 404
    missing = _main(ari.get("/insights/courses/no-such-track/").content)
    not_yours = _main(lena.get(REPORT).content)
    assert missing == not_yours


@pytest.mark.parametrize(
    "query, message",
    [
        ("quarter=2026-Q9", "is not a quarter"),
        ("metrics=typing_speed", "Unknown metric"),
        ("learner=lena", "Unknown parameter"),
        ("user=2", "Unknown parameter"),
        ("module=" + "a" * 90, "module must be"),
    ],
)
def test_malformed_parameters_get_a_clear_400(
    course: Any, people: Any, query: str, message: str
) -> None:
    c = _client(people, "ari")
    for response in (
        c.get(f"{REPORT}?{query}"),
        c.post(REPORT + "release", dict([query.split("=", 1)])),
    ):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert _spent() == 0 and Release.objects.count() == 0


def test_an_unknown_module_is_a_404(course: Any, people: Any) -> None:
    assert _client(people, "ari").get(REPORT + "?module=nope").status_code == 404


def test_showing_a_released_report_spends_nothing(released: Release, people: Any) -> None:
    c = _client(people, "ari")
    spent = _spent()
    for _ in range(3):
        page = c.get(REPORT + "?metrics=median_time,pass_rate").content.decode()
        assert "Released" in page and "95 %" in page
    assert _spent() == spent and Release.objects.count() == 1


def test_an_exhausted_budget_answers_409_with_the_renewal_date(
    released: Release, people: Any, settings: Any
) -> None:
    settings.CANDOR_INSIGHTS_EPSILON_PER_QUARTER = "3"
    response = _client(people, "ari").post(REPORT + "release", {"metrics": "idle_share"})
    assert response.status_code == 409
    assert "It renews on" in response.content.decode()


def test_the_csv_holds_only_released_numbers(released: Release, people: Any) -> None:
    response = _client(people, "ari").get(REPORT + "report.csv?metrics=pass_rate,median_time")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and {r["metric"] for r in rows if r["metric"]} <= {"pass_rate", "median_time"}
    for row in rows:
        if row["value"]:
            assert float(row["ci95_low"]) <= float(row["value"]) <= float(row["ci95_high"])
            assert float(row["learners_noisy"]) >= 5 or row["exercise"] == "(all exercises)"
    # Before a release there is nothing to export, and asking spends nothing.
    before = _spent()
    missing = _client(people, "ari").get(REPORT + "report.csv?metrics=paste_share")
    assert missing.status_code == 404 and _spent() == before


def test_an_author_cannot_narrow_a_report_to_one_learner(
    course: Any, consenting: Any, exercises: Any, send: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Only lena and leo contribute: below k for every exercise, whatever the parameters.
    send(consenting.lena, [make_summary(exercises["numeric"].pk)])
    send(consenting.leo, [make_summary(exercises["numeric"].pk)])
    c = _client(consenting, "ari")
    for params in ({}, {"module": "how-candor-works"}, {"metrics": "median_time"}):
        with django_capture_on_commit_callbacks(execute=True):
            c.post(REPORT + "release", params)
    for release in Release.objects.all():
        assert release.status == "refused" and release.result is None
    assert _spent() == 0


def test_my_insights_show_only_my_own_data(
    consenting: Any, exercises: Any, send: Any, submit: Any
) -> None:
    ex = exercises["short-text"]
    for _ in range(3):
        token = submit(consenting.leo, ex, right=False)
        send(
            consenting.leo,
            [make_summary(ex.pk, attempt_token=str(token), ended_by="submit", submissions=1)],
        )
    send(consenting.lena, [make_summary(exercises["numeric"].pk)])
    lena = _client(consenting, "lena").get(f"/insights/me/?user={consenting.leo.pk}")
    page = lena.content.decode()
    assert lena.status_code == 200
    assert "1 summary" in page and "3 tries" not in page
    leo = _client(consenting, "leo").get("/insights/me/").content.decode()
    assert "3 summaries" in leo and "3 tries without a pass yet" in leo
    assert 'type="application/json"' in leo and "<script>" not in leo


def test_pages_have_no_inline_script_or_style(released: Release, people: Any) -> None:
    import re

    pages = {
        "ari": [
            "/insights/courses/",
            REPORT + "?metrics=pass_rate,median_time",
            REPORT,
            "/insights/ledger/",
        ],
        "lena": ["/insights/me/"],
        "maya": ["/team/compliance/"],
    }
    for name, urls in pages.items():
        c = _client(people, name)
        for url in urls:
            html = c.get(url).content.decode()
            assert " style=" not in html, url
            for tag in re.findall(r"<script[^>]*>", html):
                assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
            assert not re.search(r"<[^>]+\son[a-z]+=", html), url  # no inline handlers


def test_the_privacy_officer_reaches_the_budget_ledger_from_their_pages(people: Any) -> None:
    officer = _client(people, "priya")
    page = officer.get("/privacy/")
    assert page.status_code == 200
    assert 'href="/insights/ledger/"' in page.content.decode()
    assert officer.get("/insights/ledger/").status_code == 200
