from django.apps import AppConfig


class CareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "care"

    def ready(self):
        from . import help

        # A broken help file stops the site at start-up, not on a reader's page.
        help.resources()
