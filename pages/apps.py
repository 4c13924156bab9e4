from django.apps import AppConfig


class PagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pages"
    verbose_name = "Site pages"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy check)
