from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "candor.learning"
    label = "learning"
