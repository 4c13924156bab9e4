"""Reports one reader cannot abuse, dismissing reports, blocking a
returning author, and watched words. Rows from tests/factories.py; clocks passed in; HTML and DB rows checked."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from post_office.models import Email

from comments import moderation
from comments.models import Block, Comment, ModerationEvent, Report, WatchedWord
from comments.spam import apply_risk_flags
from comments.watched import compile_word, watched_matches
from core.hashing import hash_email, hash_network_address
from tests.factories import STORY_BODY, make_article, make_moderator, make_story, make_user
from tests.helpers import at_once, needs_waiting_locks, post_url, soup, story_data

Status = Comment.Status
Action = ModerationEvent.Action
TROLL = "troll@example.org"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.REPORT_THRESHOLD = 3
    settings.REPORT_FLOOD_LIMIT = 100


def report(client, story, address, reason="abusive", note=""):
    url = reverse("comments:report", args=[story.pk])
    return client.post(url, {"reason": reason, "note": note}, REMOTE_ADDR=address)


def text(response):
    return soup(response).get_text(" ", strip=True)


# --- Reports: one per reader, distinct readers hide -------------------------------------------------


@pytest.mark.django_db
def test_the_same_address_reporting_twice_counts_once_and_sees_the_same_thanks(client):
    story = make_story(status=Status.APPROVED)
    first = report(client, story, "10.0.0.1")
    responses = [report(client, story, "10.0.0.1", reason="harmful") for _ in range(19)]
    assert {response.status_code for response in responses} == {200}
    assert {text(response) for response in responses} == {text(first)} and "Thank you for your report" in text(first)
    story.refresh_from_db()
    assert Report.objects.filter(comment=story).count() == 1
    assert (story.report_count, story.open_reports) == (1, 1)
    assert story.events.filter(action=Action.REPORTED).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_report_by_the_same_reader():
    story = make_story(status=Status.APPROVED)
    Report.objects.create(comment=story, reason="abusive", ip_hash="abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(comment=story, reason="harmful", ip_hash="abc")
    # Reports without a known address are not matched to each other.
    Report.objects.create(comment=story, reason="abusive", ip_hash="")
    Report.objects.create(comment=story, reason="abusive", ip_hash="")


@pytest.mark.django_db
def test_three_readers_hide_a_story_but_one_reader_three_times_does_not(client):
    one = make_story(status=Status.APPROVED, body="The first story, reported by one reader three times.")
    for _ in range(3):
        report(client, one, "10.0.0.7")
    one.refresh_from_db()
    assert one.status == Status.APPROVED and one.open_reports == 1

    three = make_story(status=Status.APPROVED, body="The second story, reported by three readers.")
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        report(client, three, address)
    three.refresh_from_db()
    assert three.status == Status.PENDING
    assert three.events.get(action=Action.HIDDEN).note == "Reports from 3 readers"


@pytest.mark.django_db
def test_at_risk_reports_still_never_hide_they_pin(client):
    story = make_story(status=Status.APPROVED)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        report(client, story, address, reason="at-risk")
    story.refresh_from_db()
    assert story.status == Status.APPROVED and story.flag_self_harm


def _report_when_released(pk, barrier):
    barrier.wait(timeout=10)
    return (
        Client().post(reverse("comments:report", args=[pk]), {"reason": "abusive"}, REMOTE_ADDR="10.9.9.9").status_code
    )


@pytest.mark.django_db(transaction=True)
@needs_waiting_locks
def test_twenty_concurrent_reports_from_one_address_count_once(settings):
    """Each thread has its own database connection, as server processes do."""
    story = make_story(status=Status.APPROVED)
    statuses = at_once([lambda barrier: _report_when_released(story.pk, barrier)] * 20)
    assert statuses == [200] * 20
    story.refresh_from_db()
    assert Report.objects.filter(comment=story).count() == 1
    assert (story.status, story.report_count, story.open_reports) == (Status.APPROVED, 1, 1)


# --- Moderators see why, and can dismiss ------------------------------------------------------------


@pytest.mark.django_db
def test_moderators_see_the_reasons_and_notes_in_the_queue_and_on_the_story_page(client, mod_client):
    story = make_story(status=Status.APPROVED, body="A story that two readers reported.")
    report(client, story, "10.0.0.1", reason="identifies-people", note="Names her town & street.")
    report(client, story, "10.0.0.2", reason="abusive")
    queue = soup(mod_client.get(reverse("moderation:queue"))).select_one(f"#story-{story.pk} .mod-reports")
    summary = queue.get_text(" ", strip=True)
    assert "2 open reports: It names or identifies someone (1), It is abusive or hateful (1)" in summary
    assert "It names or identifies someone: “Names her town & street.”" in summary
    detail = soup(mod_client.get(reverse("moderation:moderate_story", args=[story.pk]))).select_one(".mod-reports")
    assert "It names or identifies someone (1)" in detail.get_text(" ", strip=True)
    assert detail.select_one("a")["href"].startswith(reverse("moderation:decide", args=[story.pk, "dismiss"]))


@pytest.mark.django_db
def test_dismissing_republishes_a_story_hidden_by_reports_and_is_recorded(client, mod_client, moderator):
    story = make_story(status=Status.APPROVED)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        report(client, story, address)
    story.refresh_from_db()
    assert story.status == Status.PENDING
    url = reverse("moderation:decide", args=[story.pk, "dismiss"])
    page = mod_client.get(url)  # confirm first
    assert page.status_code == 200 and "published again" in text(page)
    story.refresh_from_db()
    assert story.status == Status.PENDING  # GET changed nothing
    response = mod_client.post(url, {"expected": Status.PENDING, "note": "Nothing wrong here."})
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.status, story.open_reports, story.report_count) == (Status.APPROVED, 0, 3)
    event = story.events.get(action=Action.REPORTS_DISMISSED)
    assert (event.actor, event.from_status, event.to_status) == (moderator, Status.PENDING, Status.APPROVED)
    assert "Nothing wrong here." in event.note
    assert STORY_BODY in client.get(story.article.get_absolute_url()).content.decode()
    # The same readers cannot hide it again.
    report(client, story, "10.0.0.1")
    story.refresh_from_db()
    assert (story.status, story.open_reports) == (Status.APPROVED, 0)


@pytest.mark.django_db
def test_dismissing_a_story_that_needs_care_goes_to_the_care_step(client, mod_client, moderator):
    story = make_story(status=Status.APPROVED, flag_self_harm=True)
    report(client, story, "10.0.0.1")
    with pytest.raises(moderation.NeedsCareDecision):
        moderation.dismiss(story, moderator)
    response = mod_client.post(reverse("moderation:decide", args=[story.pk, "dismiss"]), {"expected": "approved"})
    assert response.status_code == 302 and reverse("moderation:care_decision", args=[story.pk]) in response["Location"]
    story.refresh_from_db()
    assert story.open_reports == 1


@pytest.mark.django_db
def test_the_admin_action_dismisses_through_the_same_function(client, moderator):
    story = make_story(status=Status.APPROVED)
    report(client, story, "10.0.0.1")
    moderator.is_staff = True
    moderator.save()
    admin = Client()
    admin.force_login(moderator)
    changelist = reverse("admin:comments_comment_changelist")
    admin.post(changelist, {"action": "dismiss_selected", "_selected_action": [story.pk], "index": 0})
    story.refresh_from_db()
    assert story.open_reports == 0
    assert story.events.get(action=Action.REPORTS_DISMISSED).actor == moderator


# --- Blocking ------------------------------------------------------------------------------------


def submit(client, article, address, **fields):
    return client.post(post_url(article), story_data(**fields), REMOTE_ADDR=address)


def confirmation(client, response):
    page = soup(client.get(response["Location"]))
    return page.select_one(".story-confirmation").get_text(" ", strip=True), page.select_one(".story-status").get_text(
        " ", strip=True
    )


@pytest.mark.django_db
def test_block_by_email_from_the_story_page_then_the_next_story_is_held_without_a_sign(client, mod_client, moderator):
    article = make_article()
    first = make_story(article, email=TROLL, ip_hash=hash_network_address("10.0.0.1"), status=Status.APPROVED)
    page = mod_client.get(reverse("moderation:block_author", args=[first.pk]))
    assert page.status_code == 200 and "may be shared" in text(page)
    response = mod_client.post(
        reverse("moderation:block_author", args=[first.pk]),
        {"by_email": "on", "duration": "7", "reason": "Third abusive story this week."},
    )
    assert response.status_code == 302
    block = Block.objects.get()
    assert (block.email_hash, block.ip_hash, block.created_by) == (hash_email(TROLL), "", moderator)
    assert TROLL not in str(Block.objects.values().get())  # hashes only
    assert first.events.get(action=Action.BLOCKED).actor == moderator
    assert "Third abusive story this week." in text(mod_client.get(reverse("moderation:blocks")))

    ordinary = submit(client, article, "10.0.0.5", email="kind@example.org", body="An ordinary story from someone.")
    blocked = submit(client, article, "10.0.0.6", email=TROLL.upper(), body="A new story from the blocked author.")
    assert ordinary.status_code == blocked.status_code == 303
    assert confirmation(client, ordinary) == confirmation(client, blocked)
    kind_mail, troll_mail = Email.objects.get(to="kind@example.org"), Email.objects.get(to=TROLL.upper())
    assert kind_mail.subject == troll_mail.subject and kind_mail.context["kind"] == troll_mail.context["kind"]

    held = Comment.objects.get(body="A new story from the blocked author.")
    assert held.status == Status.SPAM and held.flag_blocked_author
    events = list(held.events.values_list("action", "from_status", "to_status", "actor", "note"))
    assert events == [
        (Action.SUBMITTED, "", Status.PENDING, None, ""),
        (Action.HELD_AS_SPAM, Status.PENDING, Status.SPAM, None, "Blocked author"),
    ]
    assert Comment.objects.get(body="An ordinary story from someone.").status == Status.PENDING
    spam_tab = soup(mod_client.get(reverse("moderation:queue") + "?tab=spam&flag=blocked-author"))
    assert [int(item["data-story"]) for item in spam_tab.select(".mod-item")] == [held.pk]


@pytest.mark.django_db
def test_a_network_block_holds_stories_from_that_address_whatever_the_email(client, moderator):
    article = make_article()
    first = make_story(article, ip_hash=hash_network_address("10.0.0.9"))
    moderation.block_author(first, moderator, by_email=False, by_network=True, duration="1", reason="Flooding.")
    submit(client, article, "10.0.0.9", email="new@example.org", body="Another story from the same network.")
    submit(client, article, "10.0.0.8", email="new@example.org", body="A story from elsewhere, same email.")
    assert Comment.objects.get(body="Another story from the same network.").status == Status.SPAM
    assert Comment.objects.get(body="A story from elsewhere, same email.").status == Status.PENDING


@pytest.mark.django_db
def test_a_block_ends_by_its_end_time_and_can_be_lifted(moderator):
    now = timezone.now()
    story = make_story(email=TROLL, ip_hash="abc")
    block = moderation.block_author(
        story, moderator, by_email=True, by_network=False, duration="1", reason="Abuse.", now=now
    )
    assert moderation.is_blocked(TROLL, now=now + timedelta(hours=23))
    assert not moderation.is_blocked(TROLL, now=now + timedelta(days=1, seconds=1))
    assert not moderation.is_blocked("someone@example.org", "other", now=now)

    forever = moderation.block_author(
        story, moderator, by_email=False, by_network=True, duration="permanent", reason="Abuse.", now=now
    )
    assert forever.ends_at is None and moderation.is_blocked(ip_hash="abc", now=now + timedelta(days=3650))
    moderation.unblock(forever, moderator, now=now + timedelta(days=1))
    assert not moderation.is_blocked(ip_hash="abc", now=now + timedelta(days=2))
    with pytest.raises(moderation.InvalidTransition):
        moderation.unblock(forever, moderator)
    assert story.events.get(action=Action.UNBLOCKED).actor == moderator
    assert block.is_active(now) and not block.is_active(now + timedelta(days=2))


@pytest.mark.django_db
def test_purge_deletes_blocks_ended_more_than_30_days_ago(moderator):
    story = make_story(email=TROLL)
    long_ago = timezone.now() - timedelta(days=40)
    old = moderation.block_author(
        story, moderator, by_email=True, by_network=False, duration="1", reason="Old.", now=long_ago
    )
    recent = moderation.block_author(story, moderator, by_email=True, by_network=False, duration="1", reason="Recent.")
    forever = moderation.block_author(
        story, moderator, by_email=True, by_network=False, duration="permanent", reason="F.", now=long_ago
    )
    call_command("purge_personal_data", stdout=io.StringIO())
    assert set(Block.objects.values_list("pk", flat=True)) == {recent.pk, forever.pk}
    assert story.events.filter(action=Action.BLOCKED).count() == 3  # the history stays
    assert not Block.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_unblock_from_the_list_then_stories_are_accepted_as_before(client, mod_client, moderator):
    article = make_article()
    story = make_story(article, email=TROLL)
    block = moderation.block_author(story, moderator, by_email=True, by_network=False, duration="30", reason="Abuse.")
    page = soup(mod_client.get(reverse("moderation:blocks")))
    assert page.select_one(f"form[action='{reverse('moderation:unblock', args=[block.pk])}']") is not None
    assert mod_client.post(reverse("moderation:unblock", args=[block.pk])).status_code == 302
    block.refresh_from_db()
    assert block.lifted_by == moderator and block.lifted_at is not None
    submit(client, article, "10.0.0.2", email=TROLL, body="Back again, after the block was lifted.")
    assert Comment.objects.get(body="Back again, after the block was lifted.").status == Status.PENDING


@pytest.mark.django_db
def test_the_block_form_says_what_is_missing_and_keeps_the_reason(mod_client):
    story = make_story(email="")
    response = mod_client.post(reverse("moderation:block_author", args=[story.pk]), {"duration": "7", "reason": "Why"})
    assert response.status_code == 400
    assert "Choose the email address, the network address, or both." in text(response)
    assert soup(response).select_one("#id_reason").get_text().strip() == "Why"
    assert not Block.objects.exists()


@pytest.mark.django_db
def test_the_block_check_runs_inside_the_submissions_transaction(client, moderator, monkeypatch):
    article = make_article()
    seen = []
    real = moderation.is_blocked

    def spy(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(moderation, "is_blocked", spy)
    submit(client, article, "10.0.0.1", email=TROLL)
    assert seen == [True]


def _submit_in_a_thread(article, results):
    """Another connection to the database, as another server process has."""
    try:
        response = submit(Client(), article, "10.2.2.2", email=TROLL, body="Sent through another process.")
        results.append(response.status_code)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_block_made_in_one_process_holds_in_another(settings):
    article = make_article()
    moderator = make_moderator("mod-b")
    story = make_story(article, email=TROLL, ip_hash=hash_network_address("10.1.1.1"))
    mod = Client()
    mod.force_login(moderator)
    mod.post(reverse("moderation:block_author", args=[story.pk]), {"by_email": "on", "duration": "7", "reason": "x"})
    results = []
    thread = threading.Thread(target=_submit_in_a_thread, args=(article, results))
    thread.start()
    thread.join(timeout=60)
    assert results == [303]
    # And a second client, another address, the same email.
    submit(Client(), article, "10.3.3.3", email=TROLL, body="And through a third one.")
    held = Comment.objects.filter(body__in=["Sent through another process.", "And through a third one."])
    assert sorted(held.values_list("status", "flag_blocked_author")) == [(Status.SPAM, True)] * 2


# --- Watched words -------------------------------------------------------------------------------


def test_matching_is_whole_word_case_insensitive_and_unicode_normalised():
    words = [compile_word("buy cheap", "flag"), compile_word("café", "hold")]
    story = "ＢＵＹ   Cheap pills. Not cheapskate. A cafe\u0301 and a CAFÉ; cafés too."
    found = [(story[m.start : m.end], m.phrase) for m in watched_matches(story, words)]
    assert found == [("ＢＵＹ   Cheap", "buy cheap"), ("cafe\u0301", "café"), ("CAFÉ", "café"), ("cafés", "café")]
    assert watched_matches("rebuy cheaply", words) == []


# Disguised spellings of a watched word: each one is the word (Cyrillic "с" and "о" in two of them).
EVASIONS = [
    "crowbar",
    "CROWBAR",
    "ｃｒｏｗｂａｒ",
    "crow\u200bbar",
    "\u0441rowbar",
    "CR\u041eWBAR",
    "crow-bar",
    "crow\u2010bar",
    "crow\u00adbar",
    "crowbars",
    "crowbar's",
    "crowbar\u2019s",
    "c r o w b a r",
]


@pytest.mark.parametrize("spelling", EVASIONS)
def test_disguised_spellings_of_a_watched_word_match_and_mark_the_original_characters(spelling):
    story = f"He kept a {spelling} by the door."
    (match,) = watched_matches(story, [compile_word("crowbar", "hold")])
    assert story[match.start : match.end] == spelling


@pytest.mark.parametrize(
    "story",
    ["The crowbarista made coffee.", "I saw a crow, bar none the biggest.", "A crow bar", "crowbarred", "scrowbar"],
)
def test_longer_words_and_separate_words_are_not_the_watched_word(story):
    # "crow bar" (one space between two words) is two words; moderators who want it add it as a phrase.
    assert watched_matches(story, [compile_word("crowbar", "hold")]) == []


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", EVASIONS)
def test_a_story_with_a_disguised_hold_word_is_held_as_spam_through_the_form(client, spelling):
    WatchedWord.objects.create(phrase="crowbar", action="hold")
    body = f"He kept a {spelling} by the door and I was scared every night."
    assert submit(client, make_article(), "10.0.0.1", body=body).status_code == 303
    story = Comment.objects.get()
    assert story.status == Status.SPAM and story.flag_watched_words
    held = story.events.get(action=Action.HELD_AS_SPAM)
    assert held.actor is None and held.note == "Watched word: “crowbar”"


@pytest.mark.django_db
def test_a_disguised_word_is_marked_on_its_original_characters_in_the_queue(mod_client):
    WatchedWord.objects.create(phrase="crowbar", action="flag")
    story = make_story(body="He had a c\u200br\u043ew-bar and two CROWBARS. Nothing else, I promise you all.")
    apply_risk_flags(story)
    story.save()
    page = soup(mod_client.get(reverse("moderation:queue") + "?flag=watched-words"))
    marks = [mark.contents[0] for mark in page.select(f"#story-{story.pk} mark.watched")]
    assert marks == ["c\u200br\u043ew-bar", "CROWBARS"]


@pytest.mark.django_db
def test_the_watched_words_page_says_what_is_matched(mod_client):
    said = text(mod_client.get(reverse("moderation:watched_words")))
    assert "“c r o w b a r”" in said and "“crowbars”" in said and "not “crowbarista”" in said


@pytest.mark.django_db
def test_moderators_keep_the_list_add_edit_remove(mod_client):
    url = reverse("moderation:watched_words")
    assert mod_client.post(url, {"phrase": "  Buy   cheap ", "action": "flag"}).status_code == 302
    word = WatchedWord.objects.get()
    assert word.phrase == "Buy cheap"
    duplicate = mod_client.post(url, {"phrase": "BUY CHEAP", "action": "hold"})
    assert duplicate.status_code == 400 and "already on the list" in text(duplicate)
    assert soup(duplicate).select_one("#id_phrase")["value"] == "BUY CHEAP"
    edit = reverse("moderation:edit_watched_word", args=[word.pk])
    assert mod_client.post(edit, {"phrase": "buy cheap", "action": "hold"}).status_code == 302
    word.refresh_from_db()
    assert word.action == WatchedWord.Action.HOLD
    remove = reverse("moderation:remove_watched_word", args=[word.pk])
    assert "Remove" in text(mod_client.get(remove)) and WatchedWord.objects.exists()  # confirm first
    assert mod_client.post(remove).status_code == 302
    assert not WatchedWord.objects.exists()


@pytest.mark.django_db
def test_a_flag_word_on_submit_flags_and_is_marked_in_the_queue(client, mod_client):
    WatchedWord.objects.create(phrase="buy cheap", action="flag")
    article = make_article()
    submit(client, article, "10.0.0.1", body="You can BUY  cheap things here, **friend**.")
    story = Comment.objects.get()
    assert story.status == Status.PENDING and story.flag_watched_words
    page = soup(mod_client.get(reverse("moderation:queue") + "?flag=watched-words"))
    mark = page.select_one(f"#story-{story.pk} mark.watched")
    assert mark.get_text() == "BUY  cheap (watched word)"
    assert mark.select_one(".visually-hidden").get_text() == " (watched word)"
    assert page.select_one(f"#story-{story.pk} .story-text strong").get_text() == "friend"


@pytest.mark.django_db
def test_a_hold_word_on_submit_sends_the_story_to_spam_recorded_as_automatic(client):
    WatchedWord.objects.create(phrase="casino", action="hold")
    response = submit(client, make_article(), "10.0.0.1", body="Visit the Casino tonight for big wins, friends.")
    assert response.status_code == 303
    story = Comment.objects.get()
    assert story.status == Status.SPAM
    held = story.events.get(action=Action.HELD_AS_SPAM)
    assert held.actor is None and held.note == "Watched word: “casino”"
    assert "Waiting for review" in text(client.get(response["Location"]))


@pytest.mark.django_db
def test_watched_words_apply_on_the_authors_edit(client):
    WatchedWord.objects.create(phrase="idiot", action="flag")
    WatchedWord.objects.create(phrase="casino", action="hold")
    story = make_story()
    moderation.author_edit(story, STORY_BODY + " My neighbour is an idiot.", [])
    story.refresh_from_db()
    assert story.flag_watched_words and story.status == Status.PENDING
    moderation.author_edit(story, STORY_BODY + " Also: the casino.", [])
    story.refresh_from_db()
    assert story.status == Status.SPAM
    actions = list(story.events.values_list("action", flat=True))
    assert actions[-2:] == [Action.EDITED_BY_AUTHOR, Action.HELD_AS_SPAM]


@pytest.mark.django_db
def test_watched_words_are_xss_safe(client, mod_client):
    WatchedWord.objects.create(phrase="<script>alert(1)</script>", action="flag")
    # The story form refuses HTML; a story stored with it anyway (an older one, an import) is escaped.
    story = make_story(body="Look: <script>alert(1)</script> and <img src=x onerror=alert(2)>")
    apply_risk_flags(story)
    assert story.flag_watched_words
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert '<mark class="watched">&lt;script&gt;alert(1)&lt;/script&gt;' in html
    words_page = mod_client.get(reverse("moderation:watched_words")).content.decode()
    assert "<script>alert(1)" not in words_page and "&lt;script&gt;alert(1)&lt;/script&gt;" in words_page


@pytest.mark.django_db
def test_the_queue_loads_the_word_list_once(mod_client, django_assert_max_num_queries):
    for n in range(5):
        WatchedWord.objects.create(phrase=f"word{n}", action="flag")
    article = make_article()
    for n in range(20):
        make_story(article, body=f"A story with word{n % 5} in it, number {n}.")
    story = make_story(article, status=Status.APPROVED)
    Report.objects.create(comment=story, reason="abusive", ip_hash="x")
    Comment.objects.filter(pk=story.pk).update(open_reports=1, report_count=1)
    with django_assert_max_num_queries(10):  # as the queue's budget, with the reports of the page: one query
        response = mod_client.get(reverse("moderation:queue"))
    assert len(soup(response).select("mark.watched")) == 20


def test_apply_risk_flags_takes_a_loaded_list():
    story = Comment(name="Sam", body="I won at the casino.")
    apply_risk_flags(story, words=[compile_word("casino", "hold")])
    assert story.flag_watched_words and story.watched_hold == ["casino"]


# --- Permission and CSRF on every new moderation POST --------------------------------------------


def _posts(story, block, word):
    return [
        (reverse("moderation:decide", args=[story.pk, "dismiss"]), {"expected": "approved"}),
        (reverse("moderation:block_author", args=[story.pk]), {"by_email": "on", "duration": "1", "reason": "x"}),
        (reverse("moderation:unblock", args=[block.pk]), {}),
        (reverse("moderation:watched_words"), {"phrase": "new", "action": "flag"}),
        (reverse("moderation:edit_watched_word", args=[word.pk]), {"phrase": "changed", "action": "hold"}),
        (reverse("moderation:remove_watched_word", args=[word.pk]), {}),
    ]


@pytest.mark.django_db
def test_new_moderation_posts_need_the_permission_and_a_csrf_token(moderator):
    story = make_story(status=Status.APPROVED, email=TROLL, open_reports=1, report_count=1)
    block = moderation.block_author(story, moderator, by_email=True, by_network=False, duration="7", reason="x")
    word = WatchedWord.objects.create(phrase="word", action="flag")
    reader = Client()
    reader.force_login(make_user("reader"))
    no_token = Client(enforce_csrf_checks=True)
    no_token.force_login(moderator)
    for url, data in _posts(story, block, word):
        assert reader.post(url, data).status_code == 403, url
        assert no_token.post(url, data).status_code == 403, url
    story.refresh_from_db()
    block.refresh_from_db()
    word.refresh_from_db()
    assert (story.open_reports, block.lifted_at, word.phrase, Block.objects.count()) == (1, None, "word", 1)
    assert reader.get(reverse("moderation:blocks")).status_code == 403
    assert Client().get(reverse("moderation:blocks")).status_code == 302  # to the login page
