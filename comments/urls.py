from django.urls import path

from .views import care, moderation, preferences, safety, stats, stories

app_name = "comments"

urlpatterns = [
    # Readers and authors.
    path("articles/<slug:slug>/stories/new/", stories.post_story, name="post"),
    path("stories/lost-link/", stories.lost_link, name="lost_link"),
    path("stories/status/<str:token>/", stories.story_status, name="status"),
    path("stories/status/<str:token>/edit/", stories.edit_story, name="edit"),
    path("stories/status/<str:token>/new-version/", stories.new_version, name="new_version"),
    path("stories/status/<str:token>/withdraw/", stories.withdraw_story, name="withdraw"),
    path("stories/replies/unsubscribe/<str:signed>/", stories.unsubscribe_replies, name="unsubscribe_replies"),
    path("stories/<id:pk>/report/", stories.report_story, name="report"),
    # Moderators.
    path("moderation/", moderation.queue, name="queue"),
    path("moderation/bulk/", moderation.bulk, name="bulk"),
    path("moderation/stats/", stats.queue_stats, name="queue_stats"),
    path("moderation/notifications/", preferences.notification_preferences, name="notification_preferences"),
    path("moderation/blocks/", safety.blocks, name="blocks"),
    path("moderation/blocks/<id:pk>/unblock/", safety.unblock, name="unblock"),
    path("moderation/words/", safety.watched_words, name="watched_words"),
    path("moderation/words/<id:pk>/edit/", safety.edit_watched_word, name="edit_watched_word"),
    path("moderation/words/<id:pk>/remove/", safety.remove_watched_word, name="remove_watched_word"),
    path("moderation/<id:pk>/", moderation.story_detail, name="moderate_story"),
    path("moderation/<id:pk>/edit/", moderation.edit_text, name="moderate_edit"),
    # Before the decisions' catch-all below.
    path("moderation/<id:pk>/care/", care.care_decision, name="care_decision"),
    path("moderation/<id:pk>/warnings/", care.edit_warnings, name="moderate_warnings"),
    path("moderation/<id:pk>/undo/<id:event_pk>/", moderation.undo, name="undo"),
    path("moderation/<id:pk>/block/", safety.block_author, name="block_author"),
    path("moderation/<id:pk>/<str:decision>/", moderation.decide, name="decide"),
]
