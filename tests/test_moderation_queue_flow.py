"""The queue's rhythm and context: a decision comes back at the next story with an Undo
for a few minutes; with JavaScript it happens in place (JSON); a reply says what it answers; each item says
what became of its author's earlier stories, and what links them."""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from comments import moderation
from comments.models import Comment, ModerationEvent
from tests.factories import make_article, make_moderator, make_story, make_user
from tests.helpers import soup

Status = Comment.Status
Action = ModerationEvent.Action
JS = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


def queue(**params):
    url = reverse("moderation:queue")
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else url


def decide(client, story, decision, next_url, **data):
    return client.post(
        reverse("moderation:decide", args=[story.pk, decision]), {"next": next_url, "expected": story.status, **data}
    )


def latest_event(story):
    return ModerationEvent.objects.filter(comment=story).order_by("-created_at", "-id").first()


def item_text(page, story):
    return page.select_one(f"#story-{story.pk}").get_text(" ", strip=True)


# --- The next story, without JavaScript -------------------------------------------------------------------


def test_decision_returns_to_the_same_filters_at_the_next_story(mod_client, article):
    other = make_article("other")
    first = make_story(article, created_ago=timedelta(hours=3))
    make_story(other, created_ago=timedelta(hours=2))  # filtered out: not the next one
    second = make_story(article, created_ago=timedelta(hours=1))
    next_url = queue(tab="review", article=article.pk)
    response = decide(mod_client, first, "approve", next_url)
    event = latest_event(first)
    assert response.status_code == 302
    assert response["Location"] == f"{next_url}&undo={event.pk}#story-{second.pk}"
    page = soup(mod_client.get(response["Location"]))
    target = page.select_one(f"#story-{second.pk}")
    assert target["tabindex"] == "-1"  # the fragment (and moderation.js) can move the focus there
    assert page.select_one(f"#story-{first.pk}") is None


def test_last_story_of_the_list_goes_back_to_the_one_before(mod_client, article):
    before = make_story(article, created_ago=timedelta(hours=2))
    last = make_story(article, created_ago=timedelta(hours=1))
    response = decide(mod_client, last, "spam", queue(tab="review"))
    assert response["Location"].endswith(f"#story-{before.pk}")


def test_pinned_story_then_the_oldest(mod_client, article):
    oldest = make_story(article, created_ago=timedelta(hours=5))
    pinned = make_story(article, flag_self_harm=True, created_ago=timedelta(hours=1))
    response = decide(mod_client, pinned, "reject", queue(tab="review"), reason="harmful")
    assert response["Location"].endswith(f"#story-{oldest.pk}")


def test_reject_page_returns_to_the_queue_at_the_next_story(mod_client, article):
    first = make_story(article, created_ago=timedelta(hours=2))
    second = make_story(article, created_ago=timedelta(hours=1))
    next_url = queue(tab="review", page=1)
    page = soup(
        mod_client.get(reverse("moderation:decide", args=[first.pk, "reject"]) + "?" + urlencode({"next": next_url}))
    )
    assert page.select_one("input[name=next]")["value"] == next_url
    response = decide(mod_client, first, "reject", next_url, reason="off-topic")
    location = urlsplit(response["Location"])
    assert parse_qs(location.query)["page"] == ["1"] and location.fragment == f"story-{second.pk}"


def test_refused_decision_names_no_next_story(mod_client, moderator, article):
    story = make_story(article)
    moderation.approve(story, moderator)
    response = mod_client.post(
        reverse("moderation:decide", args=[story.pk, "spam"]), {"next": queue(), "expected": "pending"}
    )
    assert response["Location"] == queue()
    assert "Someone else already decided" in mod_client.get(queue()).content.decode()


# --- Undo ---------------------------------------------------------------------------------------------------


def test_undo_box_is_shown_after_a_decision_and_undo_restores_through_moderation(mod_client, moderator, article):
    story = make_story(article, name="Ana")
    response = decide(mod_client, story, "approve", queue(tab="review"))
    page = soup(mod_client.get(response["Location"]))
    event = latest_event(story)
    (form,) = page.select("form.mod-undo")
    assert form["action"] == reverse("moderation:undo", args=[story.pk, event.pk])
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert "Approved: story" in form.get_text(" ", strip=True) and form.select_one("bdi").get_text() == "Ana"
    data = {field["name"]: field["value"] for field in form.select("input")}
    undone = mod_client.post(form["action"], data)
    assert undone.status_code == 302 and undone["Location"].endswith(f"#story-{story.pk}")
    assert "undo=" not in undone["Location"]
    story.refresh_from_db()
    assert story.status == Status.PENDING
    last = latest_event(story)
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        Action.RESTORED, Status.APPROVED, Status.PENDING, moderator,
    )  # fmt: skip
    assert last.note == "Undone: Approved"
    after = soup(mod_client.get(undone["Location"]))
    assert "waiting for review again" in after.select_one(".messages").get_text()
    assert not after.select("form.mod-undo")


def test_undo_within_the_window_with_an_injected_clock(moderator, article):
    story = make_story(article)
    moderation.mark_spam(story, moderator, expected_status=Status.PENDING)
    event = latest_event(story)
    at_the_edge = event.created_at + timedelta(seconds=moderation.UNDO_SECONDS)
    moderation.undo(event, moderator, now=at_the_edge)
    story.refresh_from_db()
    assert story.status == Status.PENDING
    assert latest_event(story).note == "Undone: Marked as spam"


def test_undo_after_the_window_is_refused(moderator, article):
    story = make_story(article)
    moderation.approve(story, moderator, expected_status=Status.PENDING)
    event = latest_event(story)
    too_late = event.created_at + timedelta(seconds=moderation.UNDO_SECONDS + 1)
    with pytest.raises(moderation.UndoExpired):
        moderation.undo(event, moderator, now=too_late)
    story.refresh_from_db()
    assert story.status == Status.APPROVED and latest_event(story) == event


def test_undo_after_the_window_is_refused_with_a_clear_message(mod_client, moderator, article):
    story = make_story(article)
    decide(mod_client, story, "approve", queue())
    event = latest_event(story)
    ModerationEvent.objects.filter(pk=event.pk).update(created_at=event.created_at - timedelta(hours=1))
    # The box is no longer offered either.
    assert not soup(mod_client.get(f"{queue()}?undo={event.pk}")).select("form.mod-undo")
    response = mod_client.post(reverse("moderation:undo", args=[story.pk, event.pk]), {"next": queue()}, follow=True)
    text = response.content.decode()
    assert "Too late to undo" in text and "5 minutes" in text
    story.refresh_from_db()
    assert story.status == Status.APPROVED


def test_undo_after_someone_else_acted_is_refused(mod_client, moderator, article):
    story = make_story(article)
    decide(mod_client, story, "reject", queue(), reason="off-topic")
    event = latest_event(story)
    colleague = make_moderator("colleague")
    moderation.mark_spam(story, colleague, expected_status=Status.REJECTED)
    assert not soup(mod_client.get(f"{queue()}?undo={event.pk}")).select("form.mod-undo")
    response = mod_client.post(reverse("moderation:undo", args=[story.pk, event.pk]), {"next": queue()}, follow=True)
    assert "Could not undo" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.SPAM and latest_event(story).actor == colleague
    # Even in the same state again, a later change in between refuses the undo.
    moderation.restore(story, colleague)
    moderation.reject(story, colleague, "off-topic")
    with pytest.raises(moderation.InvalidTransition):
        moderation.undo(event, moderator)


def test_only_the_moderator_who_decided_can_undo(moderator, article):
    story = make_story(article)
    moderation.approve(story, moderator)
    with pytest.raises(moderation.InvalidTransition):
        moderation.undo(latest_event(story), make_moderator("colleague"))
    assert Comment.objects.get(pk=story.pk).status == Status.APPROVED


def test_undo_never_publishes(mod_client, moderator, article):
    """An undone rejection waits for a new decision; a story that needs care is never published by undo."""
    story = make_story(article, flag_self_harm=True)
    decide(mod_client, story, "reject", queue(), reason="harmful")
    event = latest_event(story)
    mod_client.post(reverse("moderation:undo", args=[story.pk, event.pk]), {"next": queue()})
    story.refresh_from_db()
    assert story.status == Status.PENDING
    assert not ModerationEvent.objects.filter(comment=story, to_status=Status.APPROVED).exists()
    # Undoing the undo (a restore) is not offered: restores are not undoable decisions.
    with pytest.raises(moderation.InvalidTransition):
        moderation.undo(latest_event(story), moderator)
    # And the care step is still the only way to publish it.
    with pytest.raises(moderation.NeedsCareDecision):
        moderation.approve(story, moderator, expected_status=Status.PENDING)


def test_undo_needs_post_and_a_moderator(client, mod_client, moderator, article):
    story = make_story(article)
    moderation.approve(story, moderator)
    url = reverse("moderation:undo", args=[story.pk, latest_event(story).pk])
    assert mod_client.get(url).status_code == 405
    client.logout()
    client.force_login(make_user("nobody"))
    assert client.post(url).status_code == 403
    assert Comment.objects.get(pk=story.pk).status == Status.APPROVED


def test_undo_checks_csrf(moderator, article):
    from django.test import Client

    story = make_story(article)
    moderation.approve(story, moderator)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    response = strict.post(reverse("moderation:undo", args=[story.pk, latest_event(story).pk]))
    assert response.status_code == 403
    assert Comment.objects.get(pk=story.pk).status == Status.APPROVED


# --- In place, with JavaScript ------------------------------------------------------------------------------


def test_decision_in_place_answers_json(mod_client, article):
    first = make_story(article, name="Noor", created_ago=timedelta(hours=2))
    second = make_story(article, created_ago=timedelta(hours=1))
    response = mod_client.post(
        reverse("moderation:decide", args=[first.pk, "approve"]),
        {"next": queue(tab="review"), "expected": "pending"},
        **JS,
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    answer = response.json()
    event = latest_event(first)
    assert answer["outcome"] == "approved" and answer["story"] == first.pk and answer["next"] == second.pk
    assert answer["undo_url"] == reverse("moderation:undo", args=[first.pk, event.pk])
    line = soup(type("R", (), {"content": answer["html"].encode()}))
    assert "Approved: story" in line.get_text(" ", strip=True) and line.select_one("bdi").get_text() == "Noor"
    assert line.select_one("form")["action"] == answer["undo_url"]
    assert line.select_one("input[name=csrfmiddlewaretoken]")
    assert Comment.objects.get(pk=first.pk).status == Status.APPROVED
    # No flash message is left behind for the next page.
    assert not soup(mod_client.get(queue())).select(".messages")


def test_decision_in_place_refused_and_care(mod_client, moderator, article):
    story = make_story(article)
    moderation.mark_spam(story, moderator)
    url = reverse("moderation:decide", args=[story.pk, "approve"])
    response = mod_client.post(url, {"next": queue(), "expected": "pending"}, **JS)
    assert response.status_code == 409 and "Someone else already decided" in response.json()["message"]
    flagged = make_story(article)
    Comment.objects.filter(pk=flagged.pk).update(flag_self_harm=True)  # flagged after the page was shown
    response = mod_client.post(
        reverse("moderation:decide", args=[flagged.pk, "spam"]), {"next": queue(), "expected": "pending"}, **JS
    )
    assert response.json()["outcome"] == "spam"  # spam needs no care step
    page = soup(mod_client.get(queue()))
    assert page.select_one('script[src$="js/moderation.js"]') and not page.select("script:not([src])")


# --- Context: the story a reply answers ---------------------------------------------------------------------


def test_reply_shows_what_it_answers_behind_its_warnings(mod_client, moderator, article):
    parent = make_story(article, name="Lee", body="The night I left, I took only the dog.", warnings=["abuse"])
    moderation.approve(parent, moderator)
    reply = make_story(article, parent=parent, body="Thank you for writing this.")
    plain_parent = make_story(article, name="<Kai>", body="Mornings are easier now.", status=Status.APPROVED)
    plain_reply = make_story(article, parent=plain_parent, body="Same here.")
    page = soup(mod_client.get(queue()))
    context = page.select_one(f"#story-{reply.pk} .mod-reply-to")
    assert f"In reply to #{parent.pk} by Lee" in context.get_text(" ", strip=True)
    assert context.select_one("bdi").get_text() == "Lee"
    assert context.select_one("a")["href"].startswith(reverse("moderation:moderate_story", args=[parent.pk]))
    warned = context.select_one("details.mod-parent-cw")
    assert warned is not None and "open" not in warned.attrs and "Abuse" in warned.summary.get_text()
    assert "took only the dog" in warned.get_text()
    plain = page.select_one(f"#story-{plain_reply.pk} .mod-reply-to")
    assert plain.select_one("bdi").get_text() == "<Kai>" and "Mornings are easier now." in plain.get_text()
    assert plain.select_one("details") is None


# --- Context: the author's earlier stories ------------------------------------------------------------------


def test_author_history_by_email(mod_client, moderator, article):
    for reason in (None, None, "identifies-people"):
        earlier = make_story(article, email="robin@example.com", created_ago=timedelta(days=3))
        if reason:
            moderation.reject(earlier, moderator, reason)
        else:
            moderation.approve(earlier, moderator)
    story = make_story(article, email="robin@example.com")
    page = soup(mod_client.get(queue()))
    text = item_text(page, story)
    assert "Earlier stories, same email: 2 published, 1 not published: It names or could identify another person" in (
        text
    )
    assert "same network" not in text
    assert "First story from this author" not in text
    # The earliest story says it is the author's first (a later story is not an "earlier" one).
    first = Comment.objects.filter(email="robin@example.com").order_by("created_at", "id").first()
    assert (
        "First story from this author"
        in soup(mod_client.get(queue(tab="published"))).select_one(f"#story-{first.pk}").get_text()
    )


def test_author_history_by_network_only_says_it_may_be_shared(mod_client, moderator, article):
    earlier = make_story(article, email="a@example.com", ip_hash="shelter", created_ago=timedelta(days=1))
    moderation.approve(earlier, moderator)
    story = make_story(article, email="b@example.com", ip_hash="shelter")
    text = item_text(soup(mod_client.get(queue())), story)
    assert "Earlier stories, same network — may be a shared connection, e.g. a shelter or library: 1 published" in (
        text
    )
    assert "same email" not in text and "First story from this author" not in text


def test_flag_filters_and_stored_flag_agree_with_the_labels(mod_client, article):
    from comments.spam import apply_risk_flags

    first = make_story(article, email="c@example.com", created_ago=timedelta(days=2))
    again = make_story(article, email="c@example.com", created_ago=timedelta(days=1))
    nobody = make_story(article)  # no email, no network: nobody links to it
    first_ids = [int(li["data-story"]) for li in soup(mod_client.get(queue(flag="first-time"))).select(".mod-item")]
    returning_ids = [int(li["data-story"]) for li in soup(mod_client.get(queue(flag="returning"))).select(".mod-item")]
    assert sorted(first_ids) == sorted([first.pk, nobody.pk]) and returning_ids == [again.pk]
    page = soup(mod_client.get(queue()))
    assert "First story from this author" in item_text(page, first)
    assert "First story from this author" not in item_text(page, again)
    # The stored flag (set on submit and on the author's edits) follows the same definition: a later story
    # does not make the first one "returning".
    for story, expected in ((first, False), (again, True), (nobody, False)):
        story.refresh_from_db()
        assert apply_risk_flags(story).is_returning_author is expected


def test_queue_query_count_with_context(mod_client, moderator, article, django_assert_max_num_queries):
    parents = [make_story(article, email=f"p{n}@example.com", status=Status.APPROVED) for n in range(3)]
    for n in range(12):
        make_story(article, parent=parents[n % 3], email=f"p{n % 3}@example.com", ip_hash=f"net{n % 2}")
    with django_assert_max_num_queries(8):
        response = mod_client.get(queue())
    assert len(soup(response).select(".mod-reply-to")) == 12
    decided = make_story(article)
    moderation.approve(decided, moderator)
    event = latest_event(decided)
    with django_assert_max_num_queries(9):  # the Undo box: one query for its decision
        response = mod_client.get(f"{queue()}?undo={event.pk}")
    assert soup(response).select("form.mod-undo")
