"""Where stock Django does the work: the stories' page links, robots.txt, the error pages, the
moderation pages' access checks."""

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.views.defaults import server_error

from comments.models import Comment
from tests.factories import bulk_stories, make_article, make_moderator, make_story, make_user

pytestmark = pytest.mark.django_db


def render_story_section(rf, article, page):
    template = Template("{% load stories %}{% story_section article %}")
    request = rf.get("/", {"stories_page": page})
    html = template.render(Context({"article": article, "request": request, "csrf_token": "x"}))
    return BeautifulSoup(html, "html.parser")


def test_story_page_links_are_elided_around_the_current_page(rf, settings):
    settings.STORIES_PER_PAGE = 2
    article = make_article()
    bulk_stories(article, 20, status=Comment.Status.APPROVED)  # 10 pages
    nav = render_story_section(rf, article, 7).find("nav", attrs={"aria-label": "Pages of readers' stories"})
    items = [li.get_text(" ", strip=True).replace("Page ", "") for li in nav.select("li.page-item")]
    assert items == ["Previous page of stories", "1", "…", "5", "6", "7", "8", "9", "10", "Next page of stories"]
    current = nav.select_one("[aria-current=page]")
    assert current.get_text(strip=True) == "Page7" and current.name == "span"
    assert nav.select_one("li.disabled span[aria-hidden=true]").get_text() == "…"
    assert nav.find("a", href="?stories_page=5#stories") and nav.find("a", href="?stories_page=10#stories")
    assert not nav.find("a", href="?stories_page=7#stories")


def test_robots_txt_disallows_every_private_page_and_no_public_one(client):
    article = make_article()
    story = make_story(article, status=Comment.Status.APPROVED)
    lines = client.get(reverse("robots_txt")).content.decode().splitlines()
    disallowed = [line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow: ")]
    private = [
        reverse("admin:index"),
        reverse("moderation:queue"),
        reverse("moderation:moderate_story", args=[story.pk]),
        reverse("login"),
        reverse("logout"),
        Comment.status_url(story.token),
        reverse("comments:edit", args=[story.token]),
        reverse("comments:report", args=[story.pk]),
        reverse("markdownx_markdownify"),
        reverse("markdownx_upload"),
    ]
    for url in private:
        assert any(url.startswith(prefix) for prefix in disallowed), url
    for url in (reverse("articles:home"), article.get_absolute_url(), reverse("articles:faq_index")):
        assert not any(url.startswith(prefix) for prefix in disallowed), url


def test_error_pages_are_the_sites_templates(client, rf, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()
    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "Something went wrong on our side" in response.content.decode()


def test_moderation_pages_need_login_then_the_permission():
    story = make_story()
    url = reverse("moderation:moderate_story", args=[story.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"] == f"{reverse('login')}?next={url}"
    reader = Client()
    reader.force_login(make_user())
    assert reader.get(url).status_code == 403
    moderator = Client()
    moderator.force_login(make_moderator())
    response = moderator.get(url)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in response["Cache-Control"]
