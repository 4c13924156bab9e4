from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app may use, importing only Django: network address, hashing, middleware, page cache."""

    name = "core"
