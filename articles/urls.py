from django.urls import path

from . import views
from .feeds import LatestArticlesAtomFeed, LatestArticlesFeed

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("faq/", views.faq_index, name="faq_index"),
    path("feed/", views.cached_feed(LatestArticlesAtomFeed()), name="feed"),
    path("feed/rss/", views.cached_feed(LatestArticlesFeed()), name="feed_rss"),
    path("feed/about/", views.feed_about, name="feed_about"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/faq/", views.article_faq, name="faq"),
]
