from django.apps import AppConfig


class MailConfig(AppConfig):
    """The outbox: every mail the site sends, queued in the database first. Knows nothing of stories."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "mail"
    verbose_name = "Mail"
