"""The demo company: departments, people, roles and assignment rules.

Loaded only in dev/demo/test (``settings.CANDOR_DEMO``); production never has these accounts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candor.accounts.models import Department, User
from candor.catalog.models import Track
from candor.learning.assignments import sync_assignments
from candor.learning.models import AssignmentRule
from candor.privacy.org import do_enable_signals, signals_enabled

DEMO_DPIA = "DEMO-DPIA-2026-01 (demo data, not a real assessment)"
DEMO_PASSWORD = "candor-demo"  # noqa: S105 - documented demo credential, demo mode only

DEPARTMENTS = [
    # slug, name, parent slug
    ("company", "Demo Company", None),
    ("engineering", "Engineering", "company"),
    ("data-platform", "Data Platform", "engineering"),
    ("web", "Web", "engineering"),
    ("marketing", "Marketing", "company"),
    ("sales", "Sales", "company"),
    ("hr", "People & HR", "company"),
    ("legal", "Legal & Compliance", "company"),
    ("finance", "Finance", "company"),
]

# email local part, full name, department, manager local part, roles
NAMED = [
    ("adam", "Adam Okafor", "engineering", None, {"admin"}),
    ("priya", "Priya Raman", "legal", None, {"privacy_officer"}),
    ("ari", "Ari Lindqvist", "hr", None, {"author"}),
    ("maya", "Maya Schneider", "marketing", None, {"manager"}),
    ("lena", "Lena Novak", "marketing", "maya", set()),
    ("leo", "Leo Martins", "marketing", "maya", set()),
]

FIRST = ["Noah", "Emma", "Jonas", "Sofia", "Lukas", "Mila", "Elias", "Clara", "Finn", "Hanna",
         "Mateo", "Ines", "Oskar", "Zoe", "Ravi", "Amara", "Tomas", "Yuki", "Omar", "Freya",
         "Karim", "Lina", "Pavel", "Nora", "Diego", "Alma", "Sven", "Ayla", "Hugo", "Maren",
         "Idris", "Paula", "Milan", "Selin", "Anton", "Greta"]  # fmt: skip
LAST = ["Weber", "Costa", "Nielsen", "Haddad", "Kowalski", "Ferreira", "Brandt", "Sato",
        "Mensah", "Dubois", "Horvat", "Aydin", "Berg", "Moreau", "Petrov", "Silva", "Keller",
        "Larsen", "Rossi", "Yilmaz", "Fischer", "Varga", "Santos", "Lund", "Novak", "Ibrahim",
        "Meyer", "Popescu", "Kim", "Jansen", "Quinn", "Osei", "Richter", "Bianchi", "Ahmed",
        "Holm"]  # fmt: skip
TEAM_DEPARTMENTS = ["data-platform", "web", "marketing", "sales", "hr", "legal", "finance"]

TRACK_RULES = [
    # track slug, department slug (None: everyone), due in days
    ("ai-foundations", None, 30),
    ("ai-for-engineering", "engineering", 60),
    ("ai-for-marketing", "marketing", 45),
    ("ai-for-sales", "sales", 45),
    ("ai-for-hr", "hr", 45),
    ("ai-for-legal", "legal", 45),
    ("ai-for-finance", "finance", 45),
    ("getting-started", None, 14),
]


class DemoRefused(Exception):
    pass


def load_demo_company() -> dict[str, int]:
    if not settings.CANDOR_DEMO:
        raise DemoRefused("Demo data is only loaded with CANDOR_ENV=demo, dev or test.")
    created = 0
    with transaction.atomic():
        depts: dict[str, Department] = {}
        for slug, name, parent in DEPARTMENTS:
            dept, _ = Department.objects.update_or_create(
                slug=slug, defaults={"name": name, "parent": depts.get(parent) if parent else None}
            )
            depts[slug] = dept
        people: dict[str, User] = {}
        joined = timezone.localdate() - dt.timedelta(days=400)
        for local, name, dept_slug, manager, roles in NAMED:
            user, was_created = _person(f"{local}@demo.candor", name, depts[dept_slug], joined)
            created += was_created
            for role in roles:
                setattr(user, f"is_{role}", True)
            user.manager = people.get(manager) if manager else None
            user.save()
            people[local] = user
        # A manager per team department, each with four or five reports.
        index = 0
        for dept_slug in TEAM_DEPARTMENTS:
            lead = None
            size = 5
            for position in range(size):
                first, last = FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]
                index += 1
                email = f"{first}.{last}@demo.candor".lower()
                user, was_created = _person(email, f"{first} {last}", depts[dept_slug], joined)
                created += was_created
                if position == 0 and dept_slug != "marketing":
                    user.is_manager = True
                    lead = user
                else:
                    user.manager = lead or people["maya"]
                user.save()
        _demo_rules(depts)
        # The demo shows the whole product, so its DPIA is "recorded"; learners still choose.
        if not signals_enabled():
            do_enable_signals(people["adam"], dpia_reference=DEMO_DPIA)
    counts = sync_assignments()
    return {"people_created": created, "people": User.objects.count(), **counts}


def _person(email: str, name: str, dept: Department, joined: dt.date) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(
        email, DEMO_PASSWORD, full_name=name, department=dept, joined_on=joined
    )
    return user, True


def _demo_rules(depts: dict[str, Department]) -> None:
    for track_slug, dept_slug, days in TRACK_RULES:
        track = Track.objects.filter(slug=track_slug, is_retired=False).first()
        if track is None:
            continue
        audience = (
            AssignmentRule.Audience.DEPARTMENT if dept_slug else AssignmentRule.Audience.EVERYONE
        )
        AssignmentRule.objects.get_or_create(
            track=track,
            module=None,
            audience=audience,
            department=depts[dept_slug] if dept_slug else None,
            defaults={
                "mandatory": True,
                "due_days": days,
                "relative_to": AssignmentRule.RelativeTo.ASSIGNED,
            },
        )
