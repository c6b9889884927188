"""People, departments and roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    MANAGER = "manager", "Manager"
    AUTHOR = "author", "Author"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    ADMIN = "admin", "Admin"


# The boolean column that holds each role. Roles combine: a person has the union.
ROLE_FIELDS: dict[str, str] = {
    Role.LEARNER: "is_learner",
    Role.MANAGER: "is_manager",
    Role.AUTHOR: "is_author",
    Role.PRIVACY_OFFICER: "is_privacy_officer",
    Role.ADMIN: "is_admin",
}


def children_of(parents: dict[int, int | None]) -> dict[int | None, list[int]]:
    """A department tree's (pk → parent pk) map turned round: parent pk → child pks."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in parents.items():
        children.setdefault(parent_id, []).append(pk)
    return children


def subtree(parents: dict[int, int | None], root: int) -> set[int]:
    """``root`` and every department below it, from a (pk → parent pk) map (a circle written
    straight into the database cannot loop: each department is visited once)."""
    children = children_of(parents)
    found: set[int] = set()
    stack = [root]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


class Department(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> set[int]:
        """This department and every department below it (the tree is small: a few hundred)."""
        return subtree(dict(Department.objects.values_list("pk", "parent_id")), self.pk)

    def ancestor_ids(self) -> list[int]:
        """This department and its parents up to the root, nearest first."""
        parents = dict(Department.objects.values_list("pk", "parent_id"))
        chain: list[int] = []
        current: int | None = self.pk
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        return chain


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A person needs an email address to sign in.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_admin", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True, max_length=254)
    full_name = models.CharField(max_length=150)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    is_learner = models.BooleanField(default=True)
    is_manager = models.BooleanField(default=False)
    is_author = models.BooleanField(default=False)
    is_privacy_officer = models.BooleanField(default=False)
    is_admin = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    joined_on = models.DateField(default=timezone.localdate)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:
        # Django's own admin site is not installed; "staff" has no meaning in Candor.
        return False

    @property
    def roles(self) -> set[str]:
        return {role for role, field in ROLE_FIELDS.items() if getattr(self, field)}

    def has_role(self, role: str) -> bool:
        field = ROLE_FIELDS.get(role)
        return bool(field and self.is_active and getattr(self, field))

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class TOTPDevice(models.Model):
    """A person's authenticator app (RFC 6238: 30-second steps, 6 digits, SHA-1).

    One per person. ``confirmed_at`` is empty while enrolment waits for a first correct code;
    only a confirmed device asks for codes at sign-in. The shared secret is stored sealed
    (AES-256-GCM, see ``totp.py``), never in plain text.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret_sealed = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The highest time step a code was accepted for: a code of that step or an earlier one is
    # refused, so a code seen over someone's shoulder cannot be used a second time.
    last_used_step = models.BigIntegerField(default=0)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"authenticator of {self.user_id}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time code for signing in without the authenticator; only its SHA-256 is kept."""

    device = models.ForeignKey(TOTPDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
