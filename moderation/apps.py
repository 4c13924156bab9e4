from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """The moderators' side: the queue, the care step, blocks and watched words, statistics, presence."""

    name = "moderation"
