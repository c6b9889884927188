"""Forms of the admin pages: typed, bounded input at the boundary; cross-field rules here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from candor.accounts.models import ROLE_FIELDS, Department, Role, User
from candor.catalog.models import Module, Track
from candor.learning.models import AssignmentRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ModuleChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Module) -> str:
        return f"{obj.track.title} — {obj.title}"


class RuleForm(forms.Form):
    track = forms.ModelChoiceField(
        queryset=Track.objects.filter(is_retired=False), empty_label="Choose a track"
    )
    module = ModuleChoice(
        queryset=Module.objects.filter(is_retired=False, track__is_retired=False).select_related(
            "track"
        ),
        required=False,
        empty_label="Every module of the track",
        help_text="Leave empty to assign the whole track.",
    )
    audience = forms.ChoiceField(
        choices=AssignmentRule.Audience.choices, widget=forms.RadioSelect, label="Applies to"
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="Choose a department"
    )
    include_subdepartments = forms.BooleanField(
        required=False, initial=True, label="Include its sub-departments"
    )
    role = forms.ChoiceField(choices=[("", "Choose a role"), *Role.choices], required=False)
    person_email = forms.EmailField(required=False, max_length=254, label="Person's email")
    requirement = forms.ChoiceField(
        choices=[("mandatory", "Mandatory"), ("optional", "Optional (recommended)")],
        widget=forms.RadioSelect,
        initial="mandatory",
        label="Mandatory or optional",
    )
    due_kind = forms.ChoiceField(
        choices=[
            ("relative", "A number of days"),
            ("date", "A fixed date"),
            ("none", "No due date"),
        ],
        widget=forms.RadioSelect,
        initial="relative",
        label="Due",
    )
    due_days = forms.IntegerField(
        required=False, min_value=0, max_value=3650, initial=30, label="Days to complete it"
    )
    relative_to = forms.ChoiceField(
        choices=AssignmentRule.RelativeTo.choices,
        initial=AssignmentRule.RelativeTo.ASSIGNED,
        label="Counted from",
    )
    due_date = forms.DateField(required=False, widget=DATE, label="Due date")
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="Untick to retire the rule: its open assignments are removed, completion "
        "records stay.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        if not editing:
            del self.fields["is_active"]  # a new rule is active; retiring is an edit

    @classmethod
    def initial_for(cls, rule: AssignmentRule) -> dict[str, Any]:
        due_kind = "date" if rule.due_date else "relative" if rule.due_days is not None else "none"
        return {
            "track": rule.track_id,
            "module": rule.module_id,
            "audience": rule.audience,
            "department": rule.department_id,
            "include_subdepartments": rule.include_subdepartments,
            "role": rule.role,
            "person_email": rule.person.email if rule.person else "",
            "requirement": "mandatory" if rule.mandatory else "optional",
            "due_kind": due_kind,
            "due_days": rule.due_days,
            "relative_to": rule.relative_to,
            "due_date": rule.due_date,
            "is_active": rule.is_active,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        track, module = data.get("track"), data.get("module")
        if track and module and module.track_id != track.pk:
            self.add_error("module", f"“{module.title}” is not a module of {track.title}.")
        audience = data.get("audience")
        if audience == AssignmentRule.Audience.DEPARTMENT and not data.get("department"):
            self.add_error("department", "Choose the department.")
        if audience == AssignmentRule.Audience.ROLE and not data.get("role"):
            self.add_error("role", "Choose the role.")
        if audience == AssignmentRule.Audience.PERSON:
            email = (data.get("person_email") or "").lower()
            person = User.objects.filter(email=email, is_active=True).first() if email else None
            if person is None:
                self.add_error("person_email", "No active person has this email address.")
            data["person"] = person
        kind = data.get("due_kind")
        if kind == "relative" and data.get("due_days") is None:
            self.add_error("due_days", "Give the number of days.")
        if kind == "date":
            due = data.get("due_date")
            if due is None:
                self.add_error("due_date", "Give the due date.")
            elif due < timezone.localdate():
                # Accepted on purpose (a deadline may be a legal one that already passed):
                # the assignments are overdue at once, and the admin is told so.
                self.warnings.append(
                    f"The due date {due:%-d %b %Y} is in the past: everyone who gains this "
                    "assignment will be overdue at once."
                )
        return data

    def apply(self, rule: AssignmentRule) -> AssignmentRule:
        """Copy the cleaned values onto ``rule`` (not saved)."""
        d = self.cleaned_data
        audience = d["audience"]
        rule.track = d["track"]
        rule.module = d.get("module")
        rule.audience = audience
        rule.department = d.get("department") if audience == "department" else None
        rule.include_subdepartments = bool(d.get("include_subdepartments"))
        rule.role = d.get("role", "") if audience == "role" else ""
        rule.person = d.get("person") if audience == "person" else None
        rule.mandatory = d["requirement"] == "mandatory"
        rule.due_date = d.get("due_date") if d["due_kind"] == "date" else None
        rule.due_days = d.get("due_days") if d["due_kind"] == "relative" else None
        rule.relative_to = d.get("relative_to") or AssignmentRule.RelativeTo.ASSIGNED
        rule.is_active = bool(d.get("is_active")) if "is_active" in self.fields else True
        return rule


class PersonForm(forms.Form):
    email = forms.EmailField(max_length=254)
    full_name = forms.CharField(max_length=150)
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="No department"
    )
    manager_email = forms.EmailField(required=False, max_length=254, label="Manager's email")
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    joined_on = forms.DateField(widget=DATE, label="Joined on")
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="Untick when the person leaves: they can no longer sign in, their sessions "
        "end, their records are kept.",
    )

    def __init__(self, *args: Any, person: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None:
            # The email is the sign-in and the org-import key: changed only by the import.
            self.fields["email"].disabled = True
            self.fields["email"].help_text = (
                "The sign-in address; it changes only through the organisation import."
            )
        else:
            self.fields["joined_on"].initial = timezone.localdate()
            self.fields["roles"].initial = ["learner"]

    @classmethod
    def initial_for(cls, person: User) -> dict[str, Any]:
        return {
            "email": person.email,
            "full_name": person.full_name,
            "department": person.department_id,
            "manager_email": person.manager.email if person.manager else "",
            "roles": [r for r in ROLE_FIELDS if getattr(person, ROLE_FIELDS[r])],
            "joined_on": person.joined_on,
            "is_active": person.is_active,
        }

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if self.person is None and User.objects.filter(email=email).exists():
            raise forms.ValidationError("Someone already has this email address.")
        return email

    def clean_manager_email(self) -> User | None:
        email = str(self.cleaned_data.get("manager_email") or "").strip().lower()
        if not email:
            return None
        manager = User.objects.filter(email=email, is_active=True).first()
        if manager is None:
            raise forms.ValidationError("No active person has this email address.")
        return manager

    def clean_joined_on(self) -> dt.date:
        return self.cleaned_data["joined_on"]
