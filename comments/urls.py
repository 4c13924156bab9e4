from django.urls import path

from .views import stories

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/stories/new/", stories.post_story, name="post"),
    path("stories/lost-link/", stories.lost_link, name="lost_link"),
    path("stories/status/<str:token>/", stories.story_status, name="status"),
    path("stories/status/<str:token>/edit/", stories.edit_story, name="edit"),
    path("stories/status/<str:token>/new-version/", stories.new_version, name="new_version"),
    path("stories/status/<str:token>/withdraw/", stories.withdraw_story, name="withdraw"),
    path("stories/status/<str:token>/stop-old-links/", stories.stop_other_links, name="stop_other_links"),
    path("stories/status/<str:token>/email-link/", stories.email_link, name="email_link"),
    path("stories/confirm-email/<str:signed>/", stories.confirm_email, name="confirm_email"),
    path("stories/replies/unsubscribe/<str:signed>/", stories.unsubscribe_replies, name="unsubscribe_replies"),
    path("stories/<id:pk>/report/", stories.report_story, name="report"),
]
