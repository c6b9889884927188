from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class InsightsConfig(AppConfig):
    name = "candor.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        checks.register(check_settings)
        from django.db.models.signals import post_save, pre_delete

        from candor.accounts.models import User
        from candor.insights import receivers
        from candor.privacy.models import ConsentRecord
        from candor.signals import ingestion
        from candor.vault.models import ErasureLog

        # The running totals move in the ingestion transaction (DESIGN-NOTES §2).
        if receivers.on_ingest not in ingestion.AFTER_INGEST:
            ingestion.AFTER_INGEST.append(receivers.on_ingest)
        post_save.connect(receivers.consent_changed, sender=ConsentRecord, dispatch_uid="insights")
        pre_delete.connect(receivers.person_deleted, sender=User, dispatch_uid="insights")
        # Erasure: subtract before the vault destroys the learner's keys (see receivers.py).
        post_save.connect(receivers.erasure_logged, sender=ErasureLog, dispatch_uid="insights")


def check_settings(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """``candor check`` (and every start) refuses k below 5 and malformed budgets."""
    from candor.insights import conf

    errors: list[checks.CheckMessage] = []
    for read in (
        conf.min_group,
        conf.epsilon_per_quarter,
        conf.epsilon_per_release,
        conf.delta_per_release,
        conf.workers,
    ):
        try:
            read()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="insights.E001"))
    return errors
