"""How the queue is doing (/moderation/stats/), and who is looking at which story."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import Comment, ModerationEvent, Report
from moderation import stats
from tests.factories import make_article, make_moderator, make_story, make_user
from tests.helpers import soup

pytestmark = pytest.mark.django_db

Action = ModerationEvent.Action
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(stats, "now", lambda: NOW)
    return NOW


def at(story, action, when, actor=None, **fields):
    """A history row of `story` at `when` (the factories make the submitted row; this backdates it)."""
    event = ModerationEvent.objects.create(comment=story, action=action, actor=actor, **fields)
    ModerationEvent.objects.filter(pk=event.pk).update(created_at=when)
    return event


def submitted_at(story, when):
    story.events.filter(action=Action.SUBMITTED).update(created_at=when)
    Comment.objects.filter(pk=story.pk).update(created_at=when)


@pytest.fixture
def data_set():
    """A known history: four first decisions (waits 1 h, 3 h, 5 h in the last 7 days; 20 h 12 days ago), a
    second decision after a restore (not a first), two stories waiting, two reports (one decided on)."""
    article = make_article()
    ana, ben = make_moderator("ana"), make_moderator("ben")
    stories = [make_story(article, name=f"S{n}", status=Comment.Status.APPROVED) for n in range(5)]
    day = timedelta(days=1)
    hour = timedelta(hours=1)
    plan = [  # (story, submitted, decided, action, moderator)
        (stories[0], NOW - 2 * day, NOW - 2 * day + hour, Action.APPROVED, ana),
        (stories[1], NOW - 2 * day, NOW - 2 * day + 3 * hour, Action.REJECTED, ana),
        (stories[2], NOW - 3 * day, NOW - 3 * day + 5 * hour, Action.SPAM, ben),
        (stories[3], NOW - 12 * day, NOW - 12 * day + 20 * hour, Action.APPROVED, ben),
    ]
    for story, sent, decided, action, moderator in plan:
        submitted_at(story, sent)
        at(story, action, decided, actor=moderator)
    # Story 3 restored and decided again yesterday: a decision, but not its first.
    at(stories[3], Action.RESTORED, NOW - day, actor=ana)
    at(stories[3], Action.APPROVED, NOW - day + hour, actor=ana)
    # Older than the 30 days: not counted.
    submitted_at(stories[4], NOW - 40 * day)
    at(stories[4], Action.APPROVED, NOW - 35 * day, actor=ben)
    # Waiting now: the oldest since 6 hours.
    waiting = make_story(article, name="W1")
    submitted_at(waiting, NOW - 6 * hour)
    submitted_at(make_story(article, name="W2"), NOW - hour)
    # Reports: one on story 0 then decided on (kept), one still open on story 1.
    first = Report.objects.create(comment=stories[0], reason="other")
    Report.objects.filter(pk=first.pk).update(created_at=NOW - 2 * day + 2 * hour)
    at(stories[0], Action.APPROVED, NOW - 2 * day + 4 * hour, actor=ben)
    second = Report.objects.create(comment=stories[1], reason="other")
    Report.objects.filter(pk=second.pk).update(created_at=NOW - hour)
    Comment.objects.filter(pk=stories[1].pk).update(open_reports=1)
    return {"ana": ana, "ben": ben}


def table_rows(page, table_id):
    return [
        [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
        for row in page.select(f"#{table_id} tbody tr")
    ]


def test_the_numbers_of_a_known_history(client, data_set, fixed_clock, django_assert_max_num_queries):
    client.force_login(data_set["ana"])
    with django_assert_max_num_queries(9):
        response = client.get(reverse("moderation:queue_stats"))
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#stat-waiting").get_text(strip=True) == "2"
    assert page.select_one("#stat-oldest").get_text(strip=True) == "6 h 0 min"
    assert page.select_one("#stat-median-7").get_text(" ", strip=True).startswith("3 h 0 min (3 stories)")
    # 1 h, 3 h, 5 h, 20 h: the median is 4 h.
    assert page.select_one("#stat-median-30").get_text(" ", strip=True).startswith("4 h 0 min (4 stories)")
    assert page.select_one("#stat-reports-opened").get_text(strip=True) == "2"
    assert page.select_one("#stat-reports-closed").get_text(strip=True) == "1"
    assert page.select_one("#stat-reports-open").get_text(strip=True) == "1"
    daily = {row[0]: row[1:] for row in table_rows(page, "daily-table")}
    assert len(daily) == stats.DAILY_DAYS
    assert daily["Wed 18 Nov"] == ["2", "1", "0", "3"]  # two first decisions and the kept report
    assert daily["Tue 17 Nov"] == ["0", "0", "1", "1"]
    assert daily["Thu 19 Nov"] == ["1", "0", "0", "1"]
    assert daily["Mon 9 Nov"] == ["1", "0", "0", "1"]
    assert daily["Fri 20 Nov"] == ["0", "0", "0", "0"]
    assert table_rows(page, "moderator-table") == [["ana", "2", "1", "0", "3"], ["ben", "2", "0", "1", "3"]]


def test_the_charts_are_svg_with_a_title_and_description(client, data_set, fixed_clock):
    client.force_login(data_set["ana"])
    page = soup(client.get(reverse("moderation:queue_stats")))
    charts = page.select("svg.stats-chart")
    assert len(charts) == 2
    for chart in charts:
        assert chart["role"] == "img"
        title_id, desc_id = chart["aria-labelledby"].split()
        assert chart.find("title", id=title_id).get_text() and chart.find("desc", id=desc_id).get_text()
    assert len(charts[0].find_all("rect")) == 5  # the days with decisions: 18 Nov has two outcomes
    assert len(charts[1].find_all("rect")) == 4
    assert not page.find("script", src=lambda src: src and "chart" in src)


def test_an_empty_queue_has_no_figures_to_invent(client, fixed_clock):
    client.force_login(make_moderator())
    page = soup(client.get(reverse("moderation:queue_stats")))
    assert page.select_one("#stat-waiting").get_text(strip=True) == "0"
    assert page.select_one("#stat-oldest").get_text(strip=True) == "—"
    assert "No decisions in the last 30 days" in page.get_text()


def test_only_moderators_see_the_stats(client):
    url = reverse("moderation:queue_stats")
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(make_user("reader"))
    assert client.get(url).status_code == 403


def test_the_queue_links_to_the_stats(client):
    client.force_login(make_moderator())
    page = soup(client.get(reverse("moderation:queue")))
    assert page.find("a", href=reverse("moderation:queue_stats")) is not None


# --- Presence: who is looking at which story ----------------------------------------------------


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def presence_clock(monkeypatch):
    from moderation import presence

    clock = Clock(NOW)
    monkeypatch.setattr(presence, "now", clock)
    return clock


def moderator_client(name):
    client = Client()
    client.force_login(make_moderator(name))
    return client


def presence_line(client, story):
    item = soup(client.get(reverse("moderation:queue"))).find(id=f"story-{story.pk}")
    line = item.select_one(".mod-presence")
    return line.get_text(" ", strip=True) if line else None


def test_another_moderator_sees_who_is_looking_and_the_viewer_does_not(presence_clock, django_assert_max_num_queries):
    story = make_story(make_article(), name="Robin")
    other = make_story(name="Lee")
    ana, ben = moderator_client("ana"), moderator_client("ben")
    # Ben's queue is cached before Ana opens the story: the viewing must change what he is served.
    assert presence_line(ben, story) is None
    assert ana.get(reverse("moderation:moderate_story", args=[story.pk])).status_code == 200
    presence_clock.now = NOW + timedelta(minutes=2)
    assert presence_line(ben, story) == "ana is looking at this (2 min ago)"
    assert presence_line(ben, other) is None
    assert presence_line(ana, story) is None  # not for the viewer themself
    # Cached again until the next minute or change, in the same few queries.
    with django_assert_max_num_queries(5):
        ben.get(reverse("moderation:queue"))


def test_the_presence_line_expires(presence_clock):
    story = make_story(make_article(), name="Robin")
    ana, ben = moderator_client("ana"), moderator_client("ben")
    ana.get(reverse("moderation:moderate_story", args=[story.pk]))
    presence_clock.now = NOW + timedelta(minutes=9)
    assert presence_line(ben, story) == "ana is looking at this (9 min ago)"
    presence_clock.now = NOW + timedelta(minutes=11)
    assert presence_line(ben, story) is None
    # Looking again brings it back; one row per story and moderator.
    ana.get(reverse("moderation:moderate_story", args=[story.pk]))
    assert presence_line(ben, story) == "ana is looking at this (just now)"
    assert story.viewings.count() == 1


def test_presence_adds_no_query_per_item(presence_clock, django_assert_max_num_queries):
    from tests.factories import bulk_stories

    article = make_article()
    bulk_stories(article, 60)
    ana, ben = moderator_client("ana"), moderator_client("ben")
    for story in Comment.objects.order_by("id")[:10]:
        ana.get(reverse("moderation:moderate_story", args=[story.pk]))
    with django_assert_max_num_queries(8):  # the queue's budget (tests/test_moderation_queue.py)
        response = ben.get(reverse("moderation:queue"))
    assert len(soup(response).select(".mod-presence")) == 10


def test_the_stats_are_kept_until_a_story_changes_or_the_minute_turns(
    client, data_set, monkeypatch, django_assert_max_num_queries
):
    client.force_login(data_set["ana"])
    monkeypatch.setattr(stats, "now", lambda: NOW)
    assert soup(client.get(reverse("moderation:queue_stats"))).select_one("#stat-waiting").get_text(strip=True) == "2"
    with django_assert_max_num_queries(5):  # session, user, permissions, versions: no counting
        kept = client.get(reverse("moderation:queue_stats"))
    assert soup(kept).select_one("#stat-waiting").get_text(strip=True) == "2"

    make_story(Comment.objects.first().article, name="W3")  # a new story waits: the numbers change at once
    assert soup(client.get(reverse("moderation:queue_stats"))).select_one("#stat-waiting").get_text(strip=True) == "3"

    # The next minute, the ages move on even with no story changed.
    monkeypatch.setattr(stats, "now", lambda: NOW + timedelta(minutes=1))
    oldest = soup(client.get(reverse("moderation:queue_stats"))).select_one("#stat-oldest").get_text(strip=True)
    assert oldest == "6 h 1 min"
