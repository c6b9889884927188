from __future__ import annotations

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "candor.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from django.db.models.signals import post_save, pre_delete

        from candor.accounts.models import User
        from candor.insights import receivers
        from candor.privacy.models import ConsentRecord
        from candor.signals import ingestion

        # The running totals move in the ingestion transaction (DESIGN-NOTES §2).
        if receivers.on_ingest not in ingestion.AFTER_INGEST:
            ingestion.AFTER_INGEST.append(receivers.on_ingest)
        post_save.connect(receivers.consent_changed, sender=ConsentRecord, dispatch_uid="insights")
        pre_delete.connect(receivers.person_deleted, sender=User, dispatch_uid="insights")
