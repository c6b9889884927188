"""Organisation import: every problem with its line and nothing half-imported; idempotent
updates; leavers deactivated (not deleted) with their sessions ended; the command and the page."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from candor.accounts.models import Department, User
from candor.learning.models import Assignment
from candor.learning.people import do_org_import
from candor.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,department,manager_email,roles,joined_on\n"
STAFF = [
    "maya@example.test,Maya Manager,marketing,,learner;manager,",
    "lena@example.test,Lena Learner,marketing,maya@example.test,learner,",
    "leo@example.test,Leo Learner,marketing,maya@example.test,learner,",
    "ari@example.test,Ari Author,company,,learner;author,",
    "priya@example.test,Priya Privacy,company,,learner;privacy_officer,",
    "adam@example.test,Adam Admin,company,,learner;admin,",
    "otto@example.test,Otto Outsider,sales,sam@example.test,learner,",
    "sam@example.test,Sam Othermanager,sales,,learner;manager,",
]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


def snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        User.objects.values_list(
            "email", "full_name", "department__slug", "manager__email", "is_active", "is_manager"
        )
    )


def test_the_current_organisation_imports_as_no_change(assigned: Any) -> None:
    result = do_org_import(assigned.adam, csv_bytes(*STAFF))
    assert result.plan.ok, result.lines()
    assert (len(result.plan.people), result.plan.unchanged) == (0, 8)
    assert AuditEntry.objects.filter(action__startswith="person.").count() == 0


def test_new_hire_move_and_leaver_in_one_import(assigned: Any, client_for: Any) -> None:
    from django.contrib.sessions.models import Session

    client_for(assigned.leo).get("/")  # leo has a session
    rows = [r for r in STAFF if not r.startswith("leo@")]  # leo has left
    rows = [
        r.replace(
            "otto@example.test,Otto Outsider,sales", "otto@example.test,Otto Outsider,marketing"
        )
        for r in rows
    ]
    rows = [r.replace("marketing,sam@example.test", "marketing,maya@example.test") for r in rows]
    rows.append("nina@example.test,Nina Neu,Marketing,maya@example.test,learner,2026-01-05")
    data = csv_bytes(*rows)

    dry = do_org_import(assigned.adam, data, dry_run=True)
    assert dry.plan.ok, dry.lines()
    assert [p.row.email for p in dry.plan.created] == ["nina@example.test"]
    assert [p.row.email for p in dry.plan.updated] == ["otto@example.test"]
    assert [u.email for u in dry.plan.deactivate] == ["leo@example.test"]
    assert "Dry run: nothing was changed." in dry.lines()
    assert not User.objects.filter(email="nina@example.test").exists()

    result = do_org_import(assigned.adam, data)
    assert result.applied is not None
    nina = User.objects.get(email="nina@example.test")
    assert nina.department is not None
    assert nina.department.slug == "marketing" and nina.manager == assigned.maya
    assert str(nina.joined_on) == "2026-01-05" and not nina.has_usable_password()
    assert Assignment.objects.filter(user=nina).exists()  # a new hire is assigned at once
    leo = User.objects.get(email="leo@example.test")
    assert not leo.is_active  # deactivated, not deleted
    assert not Assignment.objects.filter(user=leo).exists()
    assert result.sessions_ended == 1 and not Session.objects.exists()
    otto = User.objects.get(email="otto@example.test")
    assert otto.department is not None
    assert otto.department.slug == "marketing" and otto.manager == assigned.maya
    actions = sorted(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("person.create") == 1 and actions.count("person.deactivate") == 1
    assert actions.count("person.update") == 1 and actions.count("org.import") == 1

    again = do_org_import(assigned.adam, data)  # idempotent: the same file changes nothing
    assert (len(again.plan.people), len(again.plan.deactivate)) == (0, 0)
    assert AuditEntry.objects.filter(action="org.import").count() == 2


def test_every_problem_is_reported_with_its_line_and_nothing_is_imported(people: Any) -> None:
    before = snapshot()
    data = csv_bytes(
        *STAFF,
        "bad-email,No Email,marketing,,learner,",  # line 10
        "lena@example.test,Lena Again,marketing,,learner,",  # 11: duplicate
        "x@example.test,X,Atlantis,,learner,",  # 12: unknown department
        "y@example.test,Y,sales,,learner;wizard,",  # 13: unknown role
        "z@example.test,Z,sales,,learner,31/12/2025",  # 14: bad date
        "c1@example.test,C1,sales,c2@example.test,learner,",  # 15: a circle …
        "c2@example.test,C2,sales,c3@example.test,learner,",  # 16
        "c3@example.test,C3,sales,c1@example.test,learner,",  # 17
        "d@example.test,D,sales,ghost@example.test,learner,",  # 18: manager nowhere
        "e@example.test,E,sales,,learner",  # 19: a field missing
        "f@example.test,F,sales,f@example.test,learner,",  # 20: own manager
    )
    result = do_org_import(people.adam, data)
    text = "\n".join(str(p) for p in result.plan.problems)
    expected = [
        "line 10: “bad-email” is not an email address",
        "line 12: department “Atlantis” does not exist",
        "line 13: unknown role “wizard”",
        "line 14: joined_on “31/12/2025” is not a date",
        "line 19: has 5 field(s) but the header has 6",
        "line 20: a person cannot be their own manager",
        "line 11: lena@example.test is already on line 3",
        "line 18: manager ghost@example.test is not a person in the file",
        "line 15: the manager chain goes in a circle: c1@example.test → c2@example.test → "
        "c3@example.test → c1@example.test (lines 15, 16, 17)",
    ]
    for fragment in expected:
        assert fragment in text, (fragment, text)
    assert result.applied is None
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="org.import").exists()
    assert result.lines()[0].endswith("nothing was imported:")


@pytest.mark.parametrize(
    "data,fragment",
    [
        (b"email,name,dept\nx@example.test,X,sales\n", "missing column(s): full_name, department"),
        (
            csv_bytes(*STAFF, header="email,full_name,department,shoe_size\n"),
            "unknown column “shoe_size”",
        ),
        (
            "email,full_name,department\nzoe@example.test,Zoë Weiß,sales\n".encode("cp1252"),
            "line 2: is not UTF-8 text (byte 0xeb)",
        ),
        ("email,full_name,department\n".encode("utf-16"), "is UTF-16 text"),
        (b"", "is empty"),
        (b"email;full_name;department\n", "separated by semicolons"),
        (b"email,full_name,email,department\n", "column “email” appears more than once"),
    ],
)
def test_files_that_cannot_be_read_are_refused_clearly(
    people: Any, data: bytes, fragment: str
) -> None:
    before = snapshot()
    result = do_org_import(people.adam, data)
    assert not result.plan.ok
    assert any(fragment in str(p) for p in result.plan.problems), result.plan.problems
    assert snapshot() == before


def test_a_utf8_file_with_bom_and_accents_imports(people: Any) -> None:
    data = "\ufeff".encode() + csv_bytes(*STAFF, "zoe@example.test,Zoë Weiß-Łukasz,sales,,,")
    result = do_org_import(people.adam, data)
    assert result.applied is not None, result.lines()
    assert User.objects.get(email="zoe@example.test").full_name == "Zoë Weiß-Łukasz"


def test_the_import_cannot_lock_out_its_admin_or_leave_no_admin(people: Any) -> None:
    without_adam = [r for r in STAFF if not r.startswith("adam@")]
    result = do_org_import(people.adam, csv_bytes(*without_adam))
    assert any("would deactivate you" in str(p) for p in result.plan.problems)
    demoted = [r.replace("learner;admin", "learner") for r in STAFF]
    result = do_org_import(people.adam, csv_bytes(*demoted))
    assert any("remove your own admin role" in str(p) for p in result.plan.problems)
    result = do_org_import(None, csv_bytes(*demoted))
    assert any("no one would be an administrator" in str(p) for p in result.plan.problems)
    assert User.objects.get(email="adam@example.test").is_admin


def test_departments_file_creates_the_tree_and_catches_circles(people: Any) -> None:
    depts = b"slug,name,parent\nproduct,Product,company\ndesign,Design,product\n"
    rows = [*STAFF, "dana@example.test,Dana Design,design,,learner,"]
    result = do_org_import(people.adam, csv_bytes(*rows), depts)
    assert result.applied is not None, result.lines()
    design = Department.objects.get(slug="design")
    assert design.parent is not None and design.parent.parent is not None
    assert design.parent.slug == "product" and design.parent.parent.slug == "company"
    assert User.objects.get(email="dana@example.test").department == design

    circle = b"slug,name,parent\nproduct,Product,design\ndesign,Design,product\nnew,New,nowhere\n"
    result = do_org_import(people.adam, csv_bytes(*rows), circle)
    text = "\n".join(map(str, result.plan.problems))
    assert "departments.csv line 2: departments form a circle: design → product → design" in text
    assert "departments.csv line 4: parent department “nowhere” does not exist" in text
    product = Department.objects.get(slug="product")
    assert product.parent is not None and product.parent.slug == "company"


def test_keep_missing_leaves_absent_people_alone(people: Any) -> None:
    result = do_org_import(
        people.adam, csv_bytes(STAFF[5], "new@example.test,New,sales,,,"), keep_missing=True
    )
    assert result.applied is not None and not result.plan.deactivate
    assert User.objects.filter(is_active=True).count() == 9


def test_the_command_dry_run_reports_and_changes_nothing(people: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(*STAFF, "new@example.test,New Person,sales,,,"))
    out, err = StringIO(), StringIO()
    call_command("org_import", str(path), "--dry-run", stdout=out, stderr=err)
    assert "new: new@example.test (New Person, sales)" in out.getvalue()
    assert "Dry run: nothing was changed." in out.getvalue()
    assert not User.objects.filter(email="new@example.test").exists()
    call_command("org_import", str(path), stdout=out, stderr=err)
    assert User.objects.filter(email="new@example.test").exists()
    entry = AuditEntry.objects.get(action="org.import")
    assert entry.actor_role == "system"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("nobody,,nowhere,,,"))
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("org_import", str(bad), stdout=StringIO(), stderr=err)
    assert "bad.csv line 2" in err.getvalue()
    with pytest.raises(CommandError, match="no such file"):
        call_command("org_import", str(tmp_path / "missing.csv"))


def test_the_admin_page_checks_then_imports_an_upload(people: Any, client_for: Any) -> None:
    adam = client_for(people.adam)
    url = reverse("learning:admin_import")
    data = csv_bytes(*STAFF, "new@example.test,New Person,sales,,,")

    def upload(action: str, content: bytes = data) -> Any:
        file = SimpleUploadedFile("people.csv", content, content_type="text/csv")
        return adam.post(url, {"people": file, "action": action})

    page = upload("check")
    assert page.status_code == 200
    assert "Check passed — nothing changed yet" in page.content.decode()
    assert not User.objects.filter(email="new@example.test").exists()
    page = upload("import")
    assert "Imported" in page.content.decode()
    assert User.objects.filter(email="new@example.test").exists()
    page = upload("import", csv_bytes(*STAFF, "broken,,,,,"))
    assert page.status_code == 400
    body = page.content.decode()
    assert "nothing was imported" in body and "people.csv line 10" in body
    assert adam.post(url, {"action": "import"}).status_code == 400  # no file
