from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "candor.grading"
    label = "grading"
