"""The data inventory: what personal data each app holds, why, for whom, how long — in code.

Each app that holds personal data has a ``data_inventory.py`` with a ``DECLARATIONS`` list
(the pattern of Moodle's privacy providers). An item is a ``Declaration`` or a plain dict
with the same keys: apps below ``privacy`` in the import order (``accounts``, ``vault``) must
not import it, so they write dicts and this module checks them when it loads them.

The privacy notice, "My data", the export, account deletion and the DPIA report are all
generated from these declarations, so what Candor says is what it does. A test (and a
system check) introspects every model: one that holds a user reference or a pseudonym and is
neither declared nor exempted fails.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules, module_has_submodule

from candor.privacy.purposes import Purpose


class LegalBasis(StrEnum):
    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    LEGITIMATE_INTERESTS = "legitimate_interests"


LEGAL_BASIS_TEXT: dict[LegalBasis, str] = {
    LegalBasis.CONSENT: "your consent (GDPR Art. 6(1)(a)); you can withdraw it at any time",
    LegalBasis.CONTRACT: "your employment contract (GDPR Art. 6(1)(b)): the training your "
    "employer asks of you",
    LegalBasis.LEGAL_OBLIGATION: "a legal obligation of your employer (GDPR Art. 6(1)(c)), "
    "e.g. AI literacy under the EU AI Act Art. 4, and proof of it",
    LegalBasis.LEGITIMATE_INTERESTS: "your employer's legitimate interests (GDPR Art. 6(1)(f)): "
    "keeping the service secure and accountable",
}

CATEGORIES = ("account", "learning", "signals", "consent", "requests", "audit", "security")

# Field names that mark a column as a person's identifier or pseudonym. A model with such a
# column, a reference to a user, or sealed rows must be declared (or exempted with a reason).
IDENTIFYING_FIELD_NAMES = frozenset(
    {"owner", "subject", "actor", "pseudonym", "bucket", "username", "email", "ip_address"}
)

Exporter = Callable[[Any], list[dict[str, Any]]]
Eraser = Callable[[Any], int]


@dataclass(frozen=True)
class Declaration:
    """One model's personal data. ``fields`` are exported, each with its plain meaning;
    ``withheld`` are held but never handed out (credentials, key material), with the reason."""

    model: str  # "app_label.ModelName"
    title: str  # plain words, as a learner reads them
    category: str
    fields: Mapping[str, str]
    purposes: tuple[Purpose, ...]
    legal_basis: LegalBasis
    audience: tuple[str, ...]  # who can see it, in plain words
    retention: str
    on_erasure: str  # what account deletion does to it, in plain words
    subject_field: str = "user"  # the FK to the person; "" when ``export`` finds the rows
    withheld: Mapping[str, str] = field(default_factory=dict)
    export: Exporter | None = None
    erase: Eraser | None = None  # on account deletion; None: kept, as on_erasure says
    in_signals_notice: bool = False  # part of the consent notice for interaction signals

    @property
    def app_label(self) -> str:
        return self.model.split(".", 1)[0]

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def key(self) -> str:
        return self.model.lower()

    def rows_for(self, user: Any) -> list[dict[str, Any]]:
        """This model's rows about ``user``, with the declared fields (for export and counts)."""
        if self.export is not None:
            return self.export(user)
        if not self.subject_field:
            return []
        manager = self.model_class._default_manager
        return list(manager.filter(**{self.subject_field: user}).values(*self.fields))


@dataclass(frozen=True)
class Exempt:
    """A model that looks personal to the introspection but holds no one's data."""

    model: str
    reason: str


def _as_declaration(item: Declaration | Exempt | Mapping[str, Any], where: str) -> Any:
    if isinstance(item, Declaration | Exempt):
        return item
    data = dict(item)
    if "reason" in data and set(data) <= {"model", "reason"}:
        return Exempt(**data)
    try:
        data["purposes"] = tuple(Purpose(p) for p in data.get("purposes", ()))
        data["legal_basis"] = LegalBasis(data["legal_basis"])
        data["audience"] = tuple(data.get("audience", ()))
        return Declaration(**data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{where}: bad data-inventory declaration: {exc}") from exc


def _check(decl: Declaration, where: str) -> None:
    problems = []
    if decl.category not in CATEGORIES:
        problems.append(f"category {decl.category!r} is not one of {CATEGORIES}")
    if not decl.fields:
        problems.append("declares no field")
    if not decl.purposes:
        problems.append("names no purpose")
    for text in ("title", "retention", "on_erasure"):
        if not getattr(decl, text).strip():
            problems.append(f"has no {text}")
    if not decl.audience:
        problems.append("names no audience")
    if problems:
        raise ImproperlyConfigured(f"{where}: {decl.model} " + "; ".join(problems))


class Inventory:
    def __init__(self) -> None:
        self.declarations: dict[str, Declaration] = {}
        self.exempt: dict[str, Exempt] = {}

    def add(self, items: Iterable[Any], where: str) -> None:
        for raw in items:
            item = _as_declaration(raw, where)
            key = item.model.lower()
            if key in self.declarations or key in self.exempt:
                raise ImproperlyConfigured(f"{where}: {item.model} is declared twice")
            if isinstance(item, Exempt):
                self.exempt[key] = item
            else:
                _check(item, where)
                self.declarations[key] = item

    def all(self) -> list[Declaration]:
        return sorted(
            self.declarations.values(), key=lambda d: (CATEGORIES.index(d.category), d.model)
        )

    def get(self, model: str) -> Declaration | None:
        return self.declarations.get(model.lower())


_inventory: Inventory | None = None


def load() -> Inventory:
    """Import every app's ``data_inventory`` module and collect its ``DECLARATIONS``."""
    global _inventory
    if _inventory is not None:
        return _inventory
    autodiscover_modules("data_inventory")
    inventory = Inventory()
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "data_inventory"):
            continue
        name = f"{config.name}.data_inventory"
        module = importlib.import_module(name)
        inventory.add(getattr(module, "DECLARATIONS", ()), name)
    _inventory = inventory
    return inventory


def declarations() -> list[Declaration]:
    return load().all()


def personal_data_reasons(model: type[models.Model]) -> list[str]:
    """Why a model looks like it holds personal data (empty: it does not)."""
    from candor.vault.models import SealedRow

    reasons = []
    user_label = settings.AUTH_USER_MODEL.lower()
    if model._meta.label_lower == user_label:
        reasons.append("is the person table")
    if issubclass(model, SealedRow):
        reasons.append("holds sealed rows of an owner")
    for f in [*model._meta.fields, *model._meta.many_to_many]:  # forward fields only
        related = getattr(f, "related_model", None)
        if related is not None and related._meta.label_lower == user_label:
            reasons.append(f"{f.name} refers to a person")
        elif f.name in IDENTIFYING_FIELD_NAMES:
            reasons.append(f"{f.name} identifies or pseudonymises a person")
    return reasons


def undeclared_models() -> dict[str, list[str]]:
    """Models that hold personal data but are neither declared nor exempted."""
    inventory = load()
    missing = {}
    for model in apps.get_models():
        key = model._meta.label_lower
        if key in inventory.declarations or key in inventory.exempt:
            continue
        reasons = personal_data_reasons(model)
        if reasons:
            missing[model._meta.label] = reasons
    return missing
