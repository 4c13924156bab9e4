"""comments.moderation.TRANSITIONS is the one state machine: the queue's buttons, the decision functions,
the author's pages, readers' reports and erasure all follow it, and every change writes history."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from comments import moderation
from comments.models import Comment, ModerationEvent
from tests.factories import make_article, make_story

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action

# Every state a story can be in, as far as the table is concerned.
STATES = [(status, open_reports) for status in Status.values for open_reports in (0, 2)]

# What a moderator is offered in each state (the queue's buttons before the table existed, then the care
# step's content warnings and contacting the author).
EXPECTED_ACTIONS = {
    (Status.PENDING, 0): ["approve", "reject", "spam", "edit", "warnings", "contact"],
    (Status.PENDING, 2): ["approve", "reject", "spam", "dismiss", "edit", "warnings", "contact"],  # hidden by reports
    (Status.APPROVED, 0): ["reject", "spam", "restore", "edit", "warnings"],
    (Status.APPROVED, 2): ["keep", "reject", "spam", "restore", "dismiss", "edit", "warnings"],
    (Status.REJECTED, 0): ["spam", "restore", "edit", "warnings"],
    (Status.REJECTED, 2): ["spam", "restore", "edit", "warnings"],
    (Status.SPAM, 0): ["restore"],
    (Status.SPAM, 2): ["restore"],
    (Status.WITHDRAWN, 0): [],
    (Status.WITHDRAWN, 2): [],
}


def run_moderator_action(name, story, user):
    if name == "edit":
        return moderation.edit(story, user, "A moderator's careful rewording of this story.")
    if name == "reject":
        return moderation.reject(story, user, Comment.RejectReason.OFF_TOPIC)
    return moderation.DECISIONS[name].act(story, user)


def snapshot(story):
    row = Comment.objects.get(pk=story.pk)
    return row.status, row.body, row.open_reports, row.events.count()


def test_actions_for_each_state_are_those_the_queue_always_offered():
    article = make_article()
    for status, open_reports in STATES:
        story = make_story(article, status=status, open_reports=open_reports)
        assert moderation.actions_for(story) == EXPECTED_ACTIONS[status, open_reports], (status, open_reports)


@pytest.mark.parametrize("status,open_reports", STATES)
@pytest.mark.parametrize("name", ["approve", "keep", "reject", "spam", "restore", "dismiss", "edit"])
def test_decision_functions_accept_exactly_what_actions_for_lists(moderator, status, open_reports, name):
    story = make_story(status=status, open_reports=open_reports)
    actions = moderation.actions_for(story)

    # approve() is also "keep" (a reported story stays published): a function is accepted wherever
    # one of its names is offered.
    def function_of(action):
        return moderation.DECISIONS[action].act if action in moderation.DECISIONS else moderation.edit

    offered = [action for action in actions if function_of(action) is function_of(name)]
    before = snapshot(story)
    if not offered:
        with pytest.raises(moderation.InvalidTransition):
            run_moderator_action(name, story, moderator)
        assert snapshot(story) == before  # nothing changed, no history written
        return
    transition = moderation.TRANSITIONS[offered[0]]
    run_moderator_action(name, story, moderator)
    story.refresh_from_db()
    assert story.status == transition.moves[status]
    event = story.events.latest("id")
    assert event.actor == moderator and event.from_status == status and event.to_status == story.status
    assert event.action == transition.event


@pytest.mark.parametrize("status,open_reports", STATES)
def test_author_actions_follow_the_table(status, open_reports):
    story = make_story(status=status, open_reports=open_reports)
    offered = moderation.actions_for(story, by=moderation.AUTHOR)
    assert offered == [name for name in ("author_edit", "withdraw") if moderation.TRANSITIONS[name].applies_to(story)]
    assert ("author_edit" in offered) == (status == Status.PENDING)
    assert ("withdraw" in offered) == (status != Status.WITHDRAWN)
    before = snapshot(story)
    new_body = "I rewrote my story after a night's sleep, and it reads better now."
    if "author_edit" in offered:
        moderation.author_edit(story, new_body, ["abuse"])
        story.refresh_from_db()
        assert story.body == new_body and story.content_warnings == ["abuse"]
        event = story.events.latest("id")
        assert event.action == Action.EDITED_BY_AUTHOR and event.previous_body != ""
    else:
        with pytest.raises(moderation.InvalidTransition):
            moderation.author_edit(story, new_body, [])
        assert snapshot(story) == before


def test_expected_status_is_checked_under_the_lock(moderator):
    story = make_story()
    before = snapshot(story)
    with pytest.raises(moderation.InvalidTransition, match="now waiting for review"):
        moderation.approve(story, moderator, expected_status=Status.APPROVED)
    assert snapshot(story) == before
    moderation.approve(story, moderator, expected_status=Status.PENDING)
    assert Comment.objects.get(pk=story.pk).status == Status.APPROVED


def test_reports_hide_a_story_through_the_table(settings):
    settings.REPORT_THRESHOLD = 2
    story = make_story(status=Status.APPROVED)
    moderation.report(story, "harmful")
    moderation.report(story, "abusive")
    story.refresh_from_db()
    assert story.status == Status.PENDING and story.open_reports == 2
    actions = list(story.events.values_list("action", "from_status", "to_status"))
    assert actions[-3:] == [
        (Action.REPORTED, Status.APPROVED, Status.APPROVED),
        (Action.REPORTED, Status.APPROVED, Status.APPROVED),
        (Action.HIDDEN, Status.APPROVED, Status.PENDING),
    ]
    with pytest.raises(moderation.InvalidTransition):
        moderation.report(story, "harmful")  # hidden: no longer public, so no longer reportable


def test_needs_review_is_the_stories_awaiting_a_decision():
    article = make_article()
    awaiting = set()
    for status, open_reports in STATES:
        story = make_story(article, status=status, open_reports=open_reports)
        if {"approve", "keep"} & set(moderation.actions_for(story)):
            awaiting.add(story.pk)
    assert set(Comment.objects.needs_review().values_list("pk", flat=True)) == awaiting
    assert len(awaiting) == 3  # pending, hidden after reports, published with open reports


def test_author_edit_page_goes_through_moderation_and_writes_history(monkeypatch):
    calls = []
    real = moderation.author_edit
    monkeypatch.setattr(moderation, "author_edit", lambda *args: calls.append(args) or real(*args))
    story = make_story()
    new_body = "My story, rewritten: what helped was naming it out loud to a friend."
    response = Client().post(reverse("comments:edit", args=[story.token]), {"body": new_body})
    assert response.status_code == 303
    assert len(calls) == 1
    event = ModerationEvent.objects.filter(comment=story).latest("id")
    assert event.action == Action.EDITED_BY_AUTHOR and event.previous_body == story.body


def test_author_edit_refused_after_a_decision_keeps_the_text(moderator):
    story = make_story()
    moderation.approve(story, moderator)
    response = Client().post(reverse("comments:edit", args=[story.token]), {"body": "A different text, too late."})
    assert response.status_code == 409
    assert Comment.objects.get(pk=story.pk).body == story.body
    assert not story.events.filter(action=Action.EDITED_BY_AUTHOR).exists()


def test_erasure_goes_through_moderation_and_writes_history(monkeypatch, moderator):
    erased = []
    real = moderation.erase
    monkeypatch.setattr(moderation, "erase", lambda story: erased.append(story.pk) or real(story))
    article = make_article()
    published = make_story(article, email="robin@example.org", status=Status.APPROVED)
    moderation.edit(published, moderator, "An edited version of Robin's published story.")
    rejected = make_story(article, email="robin@example.org", status=Status.REJECTED)
    other = make_story(article, email="someone-else@example.org")
    call_command("erase_commenter", "robin@example.org", stdout=io.StringIO())
    assert sorted(erased) == sorted([published.pk, rejected.pk])
    for story, status in ((published, Status.WITHDRAWN), (rejected, Status.REJECTED)):
        story.refresh_from_db()
        assert (story.status, story.body, story.name, story.email) == (status, "", moderation.ERASED_NAME, "")
        event = story.events.latest("id")
        assert event.action == Action.ERASED and event.to_status == status
        assert not story.events.exclude(previous_body="").exists()
    assert Comment.objects.get(pk=other.pk).body == other.body


def test_erase_applies_in_every_state():
    article = make_article()
    for status, open_reports in STATES:
        story = make_story(article, status=status, open_reports=open_reports)
        assert "erase" in moderation.actions_for(story, by=moderation.OPERATOR)
        moderation.erase(story)
        story.refresh_from_db()
        assert story.status == moderation.TRANSITIONS["erase"].moves[status] and story.body == ""


def test_queue_buttons_and_edit_page_follow_the_table(moderator):
    client = Client()
    client.force_login(moderator)
    spam = make_story(status=Status.SPAM)
    page = BeautifulSoup(client.get(reverse("moderation:queue") + "?tab=spam").content, "html.parser")
    item = page.select_one(f"#story-{spam.pk}")
    assert item.select_one(f"button[formaction='{reverse('moderation:decide', args=[spam.pk, 'restore'])}']")
    assert not item.select_one("a[href*='/edit/']")  # no text edits for spam
    response = client.post(
        reverse("moderation:moderate_edit", args=[spam.pk]), {"body": "Rewritten spam."}, follow=True
    )
    assert "restore it to edit it" in response.content.decode()
    assert Comment.objects.get(pk=spam.pk).body == spam.body


def test_needs_review_is_what_the_approve_and_keep_transitions_apply_to():
    """Comment.objects.needs_review() (models) states the same set as comments.moderation.awaiting_decision_q()."""
    article = make_article()
    for status, open_reports in STATES:
        make_story(article, status=status, open_reports=open_reports)
    by_queryset = set(Comment.objects.needs_review().values_list("pk", flat=True))
    by_transitions = set(Comment.objects.filter(moderation.awaiting_decision_q()).values_list("pk", flat=True))
    assert by_queryset == by_transitions and by_queryset
