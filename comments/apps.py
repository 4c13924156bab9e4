from django.apps import AppConfig


class CommentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comments"
    verbose_name = "Stories"

    def ready(self):
        # Connects the mail sender's before_delivery signal (new private links are queued then).
        from . import moderation  # noqa: F401
