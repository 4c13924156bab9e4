from django.apps import AppConfig


class CommentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comments"
    verbose_name = "Stories"

    def ready(self):
        from config.pagecache import refresh_per_visitor

        from . import spam

        # Cached article pages carry the story form: its signed timestamp must be this visitor's.
        refresh_per_visitor("ts", lambda request: spam.sign_timestamp())
