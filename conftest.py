"""Shared fixtures: the named personas of ARCHITECTURE.md and a small imported course.

lena and leo are learners in maya's team; maya is their manager; ari an author; priya the
privacy officer; adam the admin; otto a learner in another team (an outsider to maya).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + ORM in one test
os.environ.setdefault("CANDOR_GRADING_INLINE", "1")
# Keys (KEK file, pseudonym secret) of the test run live in a throw-away directory.
if "CANDOR_VAULT_KEY_DIR" not in os.environ:
    _keys = tempfile.mkdtemp(prefix="candor-test-keys-")
    os.environ["CANDOR_VAULT_KEY_DIR"] = _keys
    atexit.register(shutil.rmtree, _keys, ignore_errors=True)

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every database test may use the key store too (audit pseudonyms and sealing need it)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = set(getattr(item, "fixturenames", ()))
        if marker is None and not fixtures & DB_FIXTURES:
            continue
        if marker is not None and "databases" in marker.kwargs:
            continue
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            fixtures & {"transactional_db", "live_server"}
        )
        item.add_marker(
            pytest.mark.django_db(databases="__all__", transaction=transactional), append=False
        )


FIXTURE_CONTENT = Path(__file__).parent / "tests" / "fixtures" / "content"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def course(db: Any) -> Any:
    """The fixture track imported, assigned (mandatory, due in 14 days) to everyone."""
    from candor.catalog.actions import do_import_content
    from candor.catalog.content import read_content
    from candor.catalog.models import Track
    from candor.learning.models import AssignmentRule

    tree = read_content(FIXTURE_CONTENT, run_reference=False)
    assert not tree.errors, tree.errors
    do_import_content(tree)
    track = Track.objects.get(slug="test-track")
    AssignmentRule.objects.create(
        track=track, audience=AssignmentRule.Audience.EVERYONE, mandatory=True, due_days=14
    )
    return track


class Personas:
    def __init__(self) -> None:
        from candor.accounts.models import Department, User

        company = Department.objects.create(name="Company", slug="company")
        marketing = Department.objects.create(name="Marketing", slug="marketing", parent=company)
        sales = Department.objects.create(name="Sales", slug="sales", parent=company)
        self.departments = {"company": company, "marketing": marketing, "sales": sales}

        def make(local: str, name: str, dept: Any, **extra: Any) -> Any:
            return User.objects.create_user(
                f"{local}@example.test", PASSWORD, full_name=name, department=dept, **extra
            )

        self.maya = make("maya", "Maya Manager", marketing, is_manager=True)
        self.lena = make("lena", "Lena Learner", marketing, manager=self.maya)
        self.leo = make("leo", "Leo Learner", marketing, manager=self.maya)
        self.ari = make("ari", "Ari Author", company, is_author=True)
        self.priya = make("priya", "Priya Privacy", company, is_privacy_officer=True)
        self.adam = make("adam", "Adam Admin", company, is_admin=True)
        self.otto = make("otto", "Otto Outsider", sales)
        self.sam = make("sam", "Sam Othermanager", sales, is_manager=True)
        self.otto.manager = self.sam
        self.otto.save()

    def all(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in ("lena", "leo", "maya", "ari", "priya", "adam", "otto", "sam")
        }


@pytest.fixture
def people(db: Any) -> Personas:
    return Personas()


@pytest.fixture
def assigned(course: Any, people: Personas) -> Personas:
    from candor.learning.assignments import sync_assignments

    sync_assignments()
    return people


@pytest.fixture
def client_for(client: Any) -> Iterator[Any]:
    """client_for(user) → a test client signed in as that user."""
    from django.test import Client

    def make(user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    yield make


# Test databases are flushed between transactional tests; the audit log's append-only triggers
# would refuse that. Tests of the triggers themselves switch the guard back on (audit_guard).
import candor.privacy.triggers as _audit_triggers  # noqa: E402

_audit_triggers.MAINTENANCE = True


@pytest.fixture
def audit_guard(db: Any) -> Iterator[None]:
    from django.db import connection

    _audit_triggers.MAINTENANCE = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET candor.audit_maintenance = 'off'")
    try:
        yield
    finally:
        _audit_triggers.MAINTENANCE = True
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET candor.audit_maintenance = 'on'")
