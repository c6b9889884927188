from django.apps import AppConfig
from django.core import checks


class PrivacyConfig(AppConfig):
    name = "candor.privacy"
    label = "privacy"
    verbose_name = "Privacy centre"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from candor.privacy import inventory
        from candor.privacy.receivers import on_vault_event
        from candor.privacy.triggers import register_sqlite_guard
        from candor.vault.events import vault_event

        connection_created.connect(register_sqlite_guard)
        # Every key operation (erasure, purge, rotation) is audited (PRODUCT.md §5 rule 7).
        vault_event.connect(on_vault_event, dispatch_uid="candor.privacy.vault_event")
        inventory.load()  # each app's data_inventory.py: a broken declaration fails at start
        checks.register(check_inventory)


def check_inventory(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """``candor check`` names models that hold personal data but are not declared."""
    from candor.privacy.inventory import undeclared_models

    return [
        checks.Error(
            f"{label} holds personal data ({'; '.join(reasons)}) but no data_inventory.py "
            "declares it.",
            hint="Add a Declaration (or an Exempt with a reason) to the app's data_inventory.py.",
            id="privacy.E001",
        )
        for label, reasons in undeclared_models().items()
    ]
