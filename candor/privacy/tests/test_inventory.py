"""The data inventory: every personal table declared; export and erasure complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from candor.privacy import inventory
from candor.privacy.consent import NOTICE_DIGESTS, NOTICE_VERSION
from candor.privacy.dsr import do_erase_signals, do_export
from candor.privacy.export import to_json
from candor.privacy.notice import digest, signals_notice

from .conftest import store_signals

pytestmark = pytest.mark.django_db

BASE = "https://candor.example.test"
REQUIRED_ROWS = [
    "accounts.User",
    "sessions.Session",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "learning.AssignmentRule",
    "learning.Assignment",
    "learning.LessonView",
    "learning.Attempt",
    "learning.ExerciseProgress",
    "learning.ModuleCompletion",
    "signals.SignalSummary",
    "signals.RateWindow",
    "vault.DataKey",
    "vault.ErasureLog",
    "privacy.ConsentRecord",
    "privacy.DataSubjectRequest",
    "privacy.AuditEntry",
]


def test_every_model_holding_personal_data_is_declared() -> None:
    assert inventory.undeclared_models() == {}
    declared = {d.model for d in inventory.declarations()}
    for must in [
        "accounts.User",
        "learning.Attempt",
        "learning.ModuleCompletion",
        "signals.SignalSummary",
        "privacy.ConsentRecord",
        "privacy.AuditEntry",
        "privacy.DataSubjectRequest",
        "vault.DataKey",
    ]:
        assert must in declared


def test_an_undeclared_model_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    real = inventory.load()
    partial = inventory.Inventory()
    partial.declarations = {k: v for k, v in real.declarations.items() if k != "learning.attempt"}
    partial.exempt = dict(real.exempt)
    monkeypatch.setattr(inventory, "_inventory", partial)
    missing = inventory.undeclared_models()
    assert list(missing) == ["learning.Attempt"]
    assert "user refers to a person" in missing["learning.Attempt"]
    from candor.privacy.apps import check_inventory

    assert [m.id for m in check_inventory()] == ["privacy.E001"]


def test_introspection_sees_references_pseudonyms_and_sealed_rows() -> None:
    from django.apps import apps

    reasons = inventory.personal_data_reasons
    assert reasons(apps.get_model("privacy", "AuditHead")) == []
    assert "subject identifies or pseudonymises a person" in reasons(
        apps.get_model("privacy", "AuditEntry")
    )
    assert "holds sealed rows of an owner" in reasons(apps.get_model("signals", "SignalSummary"))
    assert "handled_by refers to a person" in reasons(
        apps.get_model("privacy", "DataSubjectRequest")
    )


def test_bad_declarations_fail_at_start() -> None:
    from django.core.exceptions import ImproperlyConfigured

    inv = inventory.Inventory()
    good = {
        "model": "learning.Attempt",
        "title": "t",
        "category": "learning",
        "fields": {"answer": "a"},
        "purposes": ["learner_self_view"],
        "legal_basis": "contract",
        "audience": ["you"],
        "retention": "r",
        "on_erasure": "e",
    }
    for bad in [
        {**good, "purposes": ["performance_review"]},
        {**good, "legal_basis": "because"},
        {**good, "fields": {}},
        {**good, "category": "misc"},
        {**good, "retention": " "},
    ]:
        with pytest.raises(ImproperlyConfigured):
            inv.add([bad], "test")
    inv.add([good], "test")
    with pytest.raises(ImproperlyConfigured, match="twice"):
        inv.add([good], "test")


def test_the_consent_notice_is_generated_from_the_inventory_and_pinned() -> None:
    notice = signals_notice()
    titles = [d["title"] for d in notice["data"]]
    assert "Interaction signals: how you worked on each exercise" in titles
    assert NOTICE_DIGESTS[NOTICE_VERSION] == digest(notice), (
        "The consent notice changed (a declaration with in_signals_notice=True changed). "
        "Add a new NOTICE_VERSION with this digest to consent.NOTICE_DIGESTS: "
        f"{digest(notice)}"
    )


def _archive(user: Any) -> dict[str, Any]:
    return json.loads(to_json(do_export(user, base_url=BASE)))


def test_export_holds_every_declared_field_of_the_learner(rich_lena: Any) -> None:
    archive = _archive(rich_lena.lena)
    data = archive["data"]
    assert set(data) == {d.model for d in inventory.declarations()}
    # The fixture gives lena a row in each of these; any other declared table (an app added
    # later, an author's or admin's table) is checked field by field whenever it has rows.
    for model in REQUIRED_ROWS:
        assert data[model]["rows"], f"lena has no row in {model}: the fixture misses it"
    for decl in inventory.declarations():
        rows = data[decl.model]["rows"]
        for row in rows:
            if decl.model == "signals.SignalSummary" and not row.get("ok"):
                continue
            missing = set(decl.fields) - set(row)
            assert not missing, f"{decl.model}: {missing}"
        assert data[decl.model]["withheld"] == dict(decl.withheld)
    text = json.dumps(archive)
    assert rich_lena.lena.password not in text
    summaries = [r for r in data["signals.SignalSummary"]["rows"] if r["ok"]]
    assert len(summaries) == 2 and summaries[0]["summary"]["insertions"] == 30
    audit = data["privacy.AuditEntry"]["rows"]
    assert any(r["by"] == "manager" and r["purpose"] == "compliance" for r in audit)
    assert all("actor" not in r for r in audit)  # others' pseudonyms are not handed out


def test_export_of_a_learner_with_no_data_is_a_valid_archive(people: Any) -> None:
    archive = _archive(people.otto)
    assert archive["format"] == "candor-export/1"
    assert archive["about"]["email"] == "otto@example.test"
    assert archive["xapi"]["statements"] == []
    nonempty = {m for m, s in archive["data"].items() if s["rows"]}
    # His account only: the archive is built before its own export is recorded.
    assert nonempty == {"accounts.User"}


def test_xapi_statements_are_valid_for_an_independent_implementation(rich_lena: Any) -> None:
    statements_mod = pytest.importorskip(
        "ralph.models.xapi.base.statements",
        reason="ralph-malph (the independent xAPI models) is not installed: add "
        "'ralph-malph==5.1.0' to pyproject's dev extras",
    )
    from candor.learning.models import Attempt, ModuleCompletion

    statements = _archive(rich_lena.lena)["xapi"]["statements"]
    lena = rich_lena.lena
    expected = (
        Attempt.objects.filter(user=lena).count()
        + ModuleCompletion.objects.filter(user=lena).count()
        + 2
    )
    assert len(statements) == expected
    for stmt in statements:
        statements_mod.BaseXapiStatement.model_validate(stmt)
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in statements}
    assert verbs == {"answered", "completed", "interacted"}
    signal = next(s for s in statements if s["verb"]["id"].endswith("interacted"))
    assert signal["result"]["duration"] == "PT42S"
    assert signal["result"]["extensions"][f"{BASE}/xapi/extensions/signals/insertions"] == 30
    assert len({s["id"] for s in statements}) == len(statements)
    again = _archive(lena)["xapi"]["statements"]
    assert [s["id"] for s in again] == [s["id"] for s in statements]  # stable ids


@pytest.mark.django_db(transaction=True)  # the database copy needs no open transaction
def test_erasure_leaves_no_readable_signal_and_twice_is_harmless(
    rich_lena: Any, tmp_path: Path
) -> None:
    import candor.vault as vault
    from candor.catalog.models import Exercise
    from candor.privacy.models import AuditEntry, DataSubjectRequest
    from candor.signals.access import my_signal_summaries, owner_for
    from candor.signals.models import SignalSummary
    from candor.vault.breach.drill import run_drill
    from candor.vault.breach.source import open_source
    from candor.vault.models import DataKey
    from candor.vault.retention import sealed_models
    from candor.vault.tests.conftest import database_copy

    lena, leo = rich_lena.lena, rich_lena.leo
    store_signals(leo, [Exercise.objects.get(slug="numeric").pk])
    owner = owner_for(lena)
    old = list(SignalSummary.objects.filter(owner=owner))
    assert len(old) == 2
    first = do_erase_signals(lena)
    assert (first.rows_deleted, first.nothing_left) == (2, False)
    # No table holds a row of hers that opens; her old ciphertexts do not open either.
    for model in sealed_models():
        assert not model._default_manager.filter(owner=owner).exists(), model
    for row in old:
        with pytest.raises(vault.api.VaultError):
            row.open_payload()
    assert not DataKey.objects.filter(owner=owner, wrapped__isnull=False).exists()
    assert my_signal_summaries(lena) == []
    assert [r["ok"] for r in my_signal_summaries(leo)] == [True]  # others untouched
    second = do_erase_signals(lena)
    assert second.nothing_left and "nothing to erase" in second.message()
    assert DataSubjectRequest.objects.filter(user=lena, kind="erasure").count() == 3
    assert AuditEntry.objects.filter(action="signals.erase").count() == 3
    assert AuditEntry.objects.filter(action="vault.erase_owner").count() == 3
    # The breach drill, on a copy of the database, agrees: nothing readable, no link.
    source = open_source(database_copy(tmp_path))
    try:
        report = run_drill(source)
    finally:
        source.close()
    assert report.passed and report.readable_signal_values == 0
