from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "candor.privacy"
    label = "privacy"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from candor.privacy.triggers import register_sqlite_guard

        connection_created.connect(register_sqlite_guard)
