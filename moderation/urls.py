from django.urls import path

from .views import care, preferences, queue, safety, stats

app_name = "moderation"

urlpatterns = [
    path("moderation/", queue.queue, name="queue"),
    path("moderation/bulk/", queue.bulk, name="bulk"),
    path("moderation/stats/", stats.queue_stats, name="queue_stats"),
    path("moderation/notifications/", preferences.notification_preferences, name="notification_preferences"),
    path("moderation/blocks/", safety.blocks, name="blocks"),
    path("moderation/blocks/<id:pk>/unblock/", safety.unblock, name="unblock"),
    path("moderation/words/", safety.watched_words, name="watched_words"),
    path("moderation/words/<id:pk>/edit/", safety.edit_watched_word, name="edit_watched_word"),
    path("moderation/words/<id:pk>/remove/", safety.remove_watched_word, name="remove_watched_word"),
    path("moderation/<id:pk>/", queue.story_detail, name="moderate_story"),
    path("moderation/<id:pk>/edit/", queue.edit_text, name="moderate_edit"),
    # Before the decisions' catch-all below.
    path("moderation/<id:pk>/care/", care.care_decision, name="care_decision"),
    path("moderation/<id:pk>/warnings/", care.edit_warnings, name="moderate_warnings"),
    path("moderation/<id:pk>/undo/<id:event_pk>/", queue.undo, name="undo"),
    path("moderation/<id:pk>/block/", safety.block_author, name="block_author"),
    path("moderation/<id:pk>/<str:decision>/", queue.decide, name="decide"),
]
