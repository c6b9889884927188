from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "candor.vault"
    label = "vault"
