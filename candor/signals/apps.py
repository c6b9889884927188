from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "candor.signals"
    label = "signals"
    verbose_name = "Interaction signals"
