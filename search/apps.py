from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers that keep the index in sync)
