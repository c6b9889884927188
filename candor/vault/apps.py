from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "candor.vault"
    label = "vault"
    verbose_name = "Vault"

    def ready(self) -> None:
        from django.conf import settings

        from candor.vault import checks, conf

        checks.register()
        if not conf.is_local():
            # Fail closed at start-up, not at the first signal: production without its KEK
            # or pseudonym secret must not serve a single request.
            conf.load(settings.VAR_DIR)
