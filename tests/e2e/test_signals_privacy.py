# Fixtures are imported from other modules (unused names to ruff) and named as test parameters
# (redefinitions to ruff): both are how pytest finds them.
# ruff: noqa: F401, F811
"""No raw keystrokes, proven: a secret typed into every field never leaves the page except as
the answer on submit, is never in browser storage, and is stored only in the attempt's answer.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.db import OperationalError, connections
from playwright.sync_api import Page, expect

from candor.signals import api as signals_api
from candor.signals.schemas import parse_batch
from candor.signals.tests.conftest import _fresh_vault_cache, consenting, exercises, org_on
from conftest import PASSWORD
from tests.e2e.test_signals_collector import _settle, ingested, open_exercise

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "Zqxwombat7193Kiwi"  # a phrase no page, id or token contains by chance
DIGITS = "739146825"  # the numeric field takes digits only
MODULE = "/tracks/test-track/how-candor-works/exercises/"


def fragments(text: str, size: int = 5) -> set[str]:
    """Every run of `size` consecutive typed characters: none may leave the page."""
    return {text[i : i + size] for i in range(len(text) - size + 1)}


TEXT_LEAKS = fragments(SECRET) | fragments(SECRET.lower())
LEAKS = TEXT_LEAKS | fragments(DIGITS)


def leaked(data: bytes | str | None, leaks: set[str] = LEAKS) -> set[str]:
    if not data:
        return set()
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return {f for f in leaks if f in text}


def only_summary_numbers(body: bytes) -> None:
    """A signals upload is a strict v1 batch: no arrays but the list of summaries (so no
    per-key timings), no strings but ids and the two enums."""
    parse_batch(body)
    for summary in json.loads(body)["summaries"]:
        for key, value in summary.items():
            assert not isinstance(value, list), key
            if isinstance(value, str):
                assert key in {"client_id", "attempt_token", "ended_by"}, key


def key_listeners(page: Page) -> int:
    """How many keydown/keyup/keypress listeners sit on the page's window, document, form and
    answer fields (DevTools' own view of the registered listeners)."""
    cdp = page.context.new_cdp_session(page)
    total = 0
    for expr in (
        "window",
        "document",
        "document.getElementById('answer-form')",
        "document.getElementById('answer')",
    ):
        obj = cdp.send("Runtime.evaluate", {"expression": expr})["result"]
        if "objectId" not in obj:
            continue
        found = cdp.send("DOMDebugger.getEventListeners", {"objectId": obj["objectId"]})
        total += sum(1 for x in found["listeners"] if x["type"] in {"keydown", "keyup", "keypress"})
    cdp.detach()
    return total


def local_storage(page: Page) -> dict[str, str]:
    return page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage[k]]))"
    )


def scan_database(alias: str, leaks: set[str] = LEAKS) -> dict[str, set[str]]:
    """Every table, every column: where does the secret appear (as text or inside bytes)?

    The test database is SQLite in memory with a shared cache, where a read that meets a
    live-server write fails at once instead of waiting: such a scan is simply run again."""
    for _ in range(40):
        try:
            return _scan(alias, leaks)
        except OperationalError:
            time.sleep(0.25)
    return _scan(alias, leaks)


def _scan(alias: str, leaks: set[str]) -> dict[str, set[str]]:
    hits: dict[str, set[str]] = {}
    connection = connections[alias]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the schema
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else None
                    text = raw.decode("latin-1") if raw is not None else str(value)
                    if leaked(text, leaks):
                        hits.setdefault(table, set()).add(column)
    return hits


def test_no_typed_sequence_leaves_the_page_or_reaches_signal_rows(
    live_server: Any,
    page: Page,
    consenting: Any,
    login: Any,
    ingested: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received: list[bytes] = []  # what the server's upload endpoint was given, byte for byte
    real_parse = signals_api.parse_batch

    def recording_parse(body: bytes) -> Any:
        received.append(bytes(body))
        return real_parse(body)

    monkeypatch.setattr(signals_api, "parse_batch", recording_parse)
    sent: list[tuple[str, str, bytes | None]] = []
    page.context.on("request", lambda r: sent.append((r.url, r.method, r.post_data_buffer)))
    base = live_server.url
    login(page, base, "lena@example.test", PASSWORD)

    storage_seen: list[dict[str, str]] = []
    for slug, phrase in (("rubric", SECRET), ("short-text", SECRET), ("numeric", DIGITS)):
        open_exercise(page, base, slug)
        page.locator("#answer").click()
        page.keyboard.type(phrase, delay=25)
        page.keyboard.press("Backspace")
        page.keyboard.type(phrase[-1])
        storage_seen.append(local_storage(page))
        page.get_by_role("button", name="Check answer").click()
        expect(page.locator("#result")).to_be_visible()
        ingested()
        storage_seen.append(local_storage(page))
    # And once more without submitting: the summary leaves on page hide.
    open_exercise(page, base, "short-text")
    page.locator("#answer").click()
    page.keyboard.type(SECRET, delay=25)
    page.goto("about:blank")
    ingested()

    answers = [
        (url, body)
        for url, method, body in sent
        if method == "POST" and MODULE in url and "/exercises/" in url
    ]
    assert len(answers) == 3
    for _url, body in answers:
        form = parse_qs((body or b"").decode())
        # The answer itself is the one place the typed text goes, in the answer field only.
        assert leaked(form["answer"][0])
        assert not any(leaked(v) for k, vs in form.items() if k != "answer" for v in vs)
    others = [(url, body) for url, method, body in sent if (url, body) not in answers]
    assert not [url for url, body in others if leaked(body) or leaked(url)]
    assert not [url for url, _ in answers if leaked(url)]
    # Uploads sent with keepalive while a page unloads are not reported to Playwright's page
    # events, so the server-side capture (byte for byte, every upload the server got) is what
    # proves the uploads clean; the ones the page did report are checked too.
    uploads = [body for url, _, body in sent if url.endswith("/api/v1/signals") and body]
    assert len(received) >= 4  # three submissions and one page left without submitting
    for body in [*uploads, *received]:
        assert not leaked(body)
        only_summary_numbers(body)
    for snapshot in storage_seen:
        assert all(k.startswith("candor.signals.outbox.") for k in snapshot)
        assert not any(leaked(v) for v in snapshot.values())

    # The database: the phrase is in the attempts' answers and nowhere else — not in signal
    # rows (sealed or not), not in the key store. (The numeric grader's feedback repeats the
    # number it was given — "739146825 is not the expected value" — in the attempt's result.)
    assert scan_database("default", TEXT_LEAKS) == {"learning_attempt": {"answer"}}
    assert scan_database("default") == {"learning_attempt": {"answer", "result"}}
    assert scan_database("keystore") == {}


def test_the_collector_adds_no_key_listener(
    live_server: Any, page: Page, consenting: Any, login: Any
) -> None:
    base = live_server.url
    login(page, base, "otto@example.test", PASSWORD)  # org on, otto not consented
    page.goto(f"{base}{MODULE}rubric/")
    assert page.locator("#signals-config").count() == 0
    without = key_listeners(page)
    page.context.clear_cookies()
    login(page, base, "lena@example.test", PASSWORD)
    open_exercise(page, base, "rubric")
    assert key_listeners(page) == without
