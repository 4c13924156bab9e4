"""Readers and authors: write a story, follow it on a private status page, edit or withdraw it,
report a published one. Statuses change only through comments.moderation; a new story is always pending.
"""

import logging
import math
from contextlib import suppress
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from articles.models import Article
from config.network import client_address

from .. import moderation, spam
from ..forms import EditStoryForm, LostLinkForm, ReportForm, StoryForm
from ..models import Comment, LinkRecoveryRequest, ModerationEvent, Report, hash_email, hash_network_address

logger = logging.getLogger(__name__)

Status = Comment.Status


def _ip_hash(request):
    return hash_network_address(client_address(request))


def _see_other(url):
    return HttpResponseRedirect(url, status=303)


def private_page(referrer_policy):
    """The URL of these pages is a secret: never sent on as a referrer, never cached, never indexed.

    Pages with their own POST form (edit, withdraw) use "same-origin" rather than "no-referrer": under
    no-referrer browsers send `Origin: null` with the form and Django's CSRF check refuses it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.headers["Referrer-Policy"] = referrer_policy
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return never_cache(wrapped)

    return decorator


def _story_by_token(token):
    try:
        return Comment.objects.select_related("article").by_token(token)
    except Comment.DoesNotExist:
        raise Http404("No story here.") from None


# --- Writing a story -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def post_story(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if request.method != "POST":
        if "reply_to" in request.GET and article.stories_open:
            return _reply_page(request, article)
        return redirect(article.get_absolute_url() + "#leave-a-comment")

    context = {"article": article}
    if not article.stories_open:
        return render(request, "comments/post_story.html", {**context, "closed": True}, status=403)

    if request.POST.get(spam.HONEYPOT_FIELD):
        # Spam: refuse without detail and store nothing.
        return render(request, "comments/refused.html", status=400)

    form = StoryForm(request.POST, article=article)
    return _accept(request, form, context, "comments/post_story.html")


def _accept(request, form, context, template, previous=None):
    """Checks and stores a submitted story form (a new story, a reply, or a new version of `previous`):
    the 400 page with the form as typed, the 429 page, or the new story's status page."""
    article = form.article
    ip_hash = _ip_hash(request)
    flooded = token = None
    if form.is_valid():
        with transaction.atomic():
            # One submission to this article at a time, from the checks to the insert: two requests can no
            # longer both pass the duplicate and flood checks before either has stored its story. On
            # SQLite the IMMEDIATE transaction already holds the write lock; on PostgreSQL this row lock
            # does it (NO KEY UPDATE: other rows may still refer to the article meanwhile).
            Article.objects.select_for_update(no_key=True).filter(pk=article.pk).values_list("pk").get()
            data = form.cleaned_data
            if spam.flood_exceeded(ip_hash):
                flooded = True
            elif previous is not None and spam.normalise_body(data["body"]) == spam.normalise_body(previous.body):
                form.add_error("body", SAME_TEXT_MESSAGE)
            elif spam.is_duplicate(article, data["body"], ip_hash, data["email"]):
                form.add_error(
                    "body",
                    # Often sent again by someone unsure it arrived (a closed tab, a lost connection).
                    "This story already reached us today and is waiting for a moderator, so there is no need to "
                    "send it again. The private link you were given shows what happens to it.",
                )
            else:
                # In this transaction, from the database: a block made in any server process holds here.
                blocked = moderation.is_blocked(data["email"], ip_hash)
                token = _store_story(article, data, ip_hash, previous=previous, blocked=blocked)
    if flooded:
        return _too_many(request, context, spam.flood_retry_at(ip_hash), "body", "story")
    if token is None:
        context.update(form=form, parent_story=form.parent_story)
        return render(request, template, context, status=400)
    return _see_other(Comment.status_url(token) + "?submitted=1")


SAME_TEXT_MESSAGE = (
    "This is the same text as the story that was not published. Please change it (the moderator's reason "
    "is above), then send it again."
)


def _too_many(request, context, retry_at, text_field, what):
    """The 429 page: what was typed, kept to copy, and when to try again (also in Retry-After)."""
    seconds = max(0, math.ceil((retry_at - timezone.now()).total_seconds()))
    context = {
        **context,
        "typed_text": request.POST.get(text_field, ""),
        "what": what,
        "retry_minutes": max(1, math.ceil(seconds / 60)),
    }
    response = render(request, "comments/429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _store_story(article, data, ip_hash, previous=None, blocked=False):
    """Stores a new pending story with its history row (inside the caller's transaction); the raw token.
    A new version of a story that was not published (`previous`) is linked to it, both ways in the history.
    A story from a blocked author, or with a watched word to hold, then goes straight to spam (recorded as
    automatic); its author sees and is mailed exactly what any other author is."""
    story = Comment(
        previous_version=previous,
        article=article,
        parent_id=data["parent"],
        name=data["name"],
        email=data["email"],
        notify_outcome=bool(data["email"] and data["notify_outcome"]),
        notify_replies=bool(data["email"] and data.get("notify_replies") and not data["parent"]),
        body=data["body"],
        content_warnings=list(data["content_warnings"]),
        status=Status.PENDING,
        ip_hash=ip_hash,
        flag_blocked_author=blocked,
    )
    spam.apply_risk_flags(story)
    token = story.issue_token()
    story.save()
    ModerationEvent.objects.create(
        comment=story,
        action=ModerationEvent.Action.SUBMITTED,
        to_status=Status.PENDING,
        note=f"New version of #{previous.pk}" if previous else "",
    )
    if previous is not None:
        ModerationEvent.objects.create(
            comment=previous,
            action=ModerationEvent.Action.NEW_VERSION,
            from_status=previous.status,
            to_status=previous.status,
            note=f"New version sent as #{story.pk}",
        )
    held = (["Blocked author"] if blocked else []) + (
        [moderation.watched_note(story.watched_hold)] if story.watched_hold else []
    )
    if held:
        moderation.hold_as_spam(story, "; ".join(held))

    from ..notifications import notify_moderators_of_new_stories, notify_moderators_urgently, send_status_link

    # Queued in this transaction (config/outbox.py), delivered once it commits.
    send_status_link(story.pk, token)
    if story.flag_self_harm:
        # Before the batched notice, so that this story counts as covered and is not mailed twice.
        notify_moderators_urgently(story.pk, "self-harm")
    transaction.on_commit(notify_moderators_of_new_stories)
    return token


def _reply_page(request, article):
    """The form to reply to one published story (GET ?reply_to=<pk>): a page of its own keeps the
    article page light, with no form per story."""
    try:
        pk = int(request.GET["reply_to"])
    except ValueError:
        raise Http404("No story to reply to.") from None
    parent = get_object_or_404(Comment.objects.approved().filter(parent__isnull=True), pk=pk, article=article)
    if parent.needs_care:  # not open to replies (the article page offers no link): back to the story
        return redirect(f"{article.get_absolute_url()}#story-{parent.pk}")
    form = StoryForm(article=article, reply_to=parent)
    form.fields["body"].label = "Your reply"
    context = {"article": article, "form": form, "parent_story": parent, "replying": True}
    return render(request, "comments/post_story.html", context)


# --- The author's private pages --------------------------------------------------------------


@private_page("no-referrer")
@require_http_methods(["GET", "HEAD"])
def story_status(request, token):
    story = _story_by_token(token)
    author_actions = moderation.actions_for(story, by=moderation.AUTHOR)
    context = {
        "story": story,
        "token": token,
        # A story held as spam on arrival looks to its author like any other waiting story.
        "shown_status": story.status_for_author,
        "submitted": request.GET.get("submitted") == "1" and story.status_for_author == Status.PENDING,
        "edited": request.GET.get("edited") == "1",
        "withdrawn_now": request.GET.get("withdrawn") == "1",
        "article_public": story.article.is_public,
        "can_edit": "author_edit" in author_actions,
        "can_withdraw": "withdraw" in author_actions,
        "can_send_new_version": can_send_new_version(story),
        "new_versions": list(story.new_versions.order_by("created_at").values_list("created_at", flat=True)),
        "status_url": request.build_absolute_uri(Comment.status_url(token)),
    }
    return render(request, "comments/status.html", context)


@private_page("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def edit_story(request, token):
    story = _story_by_token(token)
    status_url = Comment.status_url(token)
    if "author_edit" not in moderation.actions_for(story, by=moderation.AUTHOR):
        return render(request, "comments/edit.html", {"story": story, "token": token, "locked": True}, status=409)

    if request.method != "POST":
        form = EditStoryForm(initial={"body": story.body, "content_warnings": story.content_warnings})
        return render(request, "comments/edit.html", {"story": story, "token": token, "form": form})

    form = EditStoryForm(request.POST)
    if not form.is_valid():
        return render(request, "comments/edit.html", {"story": story, "token": token, "form": form}, status=400)

    try:
        moderation.author_edit(story, form.cleaned_data["body"], form.cleaned_data["content_warnings"])
    except moderation.InvalidTransition:  # a moderator decided meanwhile
        story.refresh_from_db()
        return render(request, "comments/edit.html", {"story": story, "token": token, "locked": True}, status=409)
    return _see_other(status_url + "?edited=1")


@private_page("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw_story(request, token):
    story = _story_by_token(token)
    status_url = Comment.status_url(token)
    if "withdraw" not in moderation.actions_for(story, by=moderation.AUTHOR):
        return _see_other(status_url)
    if request.method != "POST":
        return render(request, "comments/withdraw.html", {"story": story, "token": token})
    with suppress(moderation.InvalidTransition):  # Already withdrawn (a double click): the status page says so.
        moderation.withdraw(story)
    return _see_other(status_url + "?withdrawn=1")


def can_send_new_version(story):
    """A story a moderator did not publish may be rewritten and sent again, from its private link, while the
    article takes stories and the text is still there (not withdrawn or erased)."""
    return (
        story.status in (Status.REJECTED, Status.SPAM)
        and bool(story.body)
        and story.article.is_public
        and story.article.stories_open
    )


@private_page("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def new_version(request, token):
    """The story form, filled in with the author's text, to send a new version of a story that was not
    published: the same checks and spam defences as a new story; the new one is pending and linked to the old."""
    story = _story_by_token(token)
    if not can_send_new_version(story):
        return _see_other(Comment.status_url(token))
    article = story.article
    parent = story.parent if story.parent_id and story.parent.status == Status.APPROVED else None
    context = {"article": article, "story": story, "token": token, "replying_to": parent}
    if request.method != "POST":
        form = StoryForm(
            article=article,
            reply_to=parent,
            initial={
                "name": story.name,
                "email": story.email,
                "notify_outcome": story.notify_outcome,
                "notify_replies": story.notify_replies,
                "body": story.body,
                "content_warnings": story.content_warnings,
            },
        )
        return render(request, "comments/new_version.html", {**context, "form": form, "parent_story": parent})
    if request.POST.get(spam.HONEYPOT_FIELD):
        return render(request, "comments/refused.html", status=400)
    form = StoryForm(request.POST, article=article)
    return _accept(request, form, context, "comments/new_version.html", previous=story)


# --- Reply notices: the unsubscribe link in each mail ------------------------------------------


# csrf_exempt: RFC 8058 one-click unsubscribe means a mail client POSTs here with no cookie and no CSRF token.
# That is safe for this view only because the signed link itself is the credential (it names one story and
# cannot be forged), and all a POST can do is turn that story's reply notices off.
@csrf_exempt
@private_page("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_replies(request, signed):
    """GET asks to confirm (mail scanners follow links); POST, from the page or a mail client, unsubscribes."""
    from ..notifications import story_pk_from_unsubscribe

    try:
        pk = story_pk_from_unsubscribe(signed)
    except signing.BadSignature:
        return render(request, "comments/unsubscribe_replies.html", {"invalid": True}, status=400)
    story = Comment.objects.filter(pk=pk).only("id", "notify_replies").first()
    if story is None:
        return render(request, "comments/unsubscribe_replies.html", {"invalid": True}, status=404)
    if request.method == "POST":
        # update(): not a change of the story (its updated_at and the queue's cache stay as they are).
        Comment.objects.filter(pk=pk).update(notify_replies=False)
        return render(request, "comments/unsubscribe_replies.html", {"done": True})
    context = {"signed": signed, "subscribed": story.notify_replies}
    return render(request, "comments/unsubscribe_replies.html", context)


# --- "Lost your private link?" -----------------------------------------------------------------


@private_page("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def lost_link(request):
    """The author types their email; if stories were sent with it, one mail brings a fresh private link
    for each. The answer is the same, word for word, whether or not the address is known, and so is the
    work done before it (the mail is queued, not sent, in the request). Limited per connection and per
    address (settings.LINK_RECOVERY_LIMIT an hour), counted in the database."""
    if request.method != "POST":
        return render(request, "comments/lost_link.html", {"form": LostLinkForm()})
    form = LostLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "comments/lost_link.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    email_hash, ip_hash = hash_email(email), _ip_hash(request)
    since = timezone.now() - timedelta(hours=1)
    with transaction.atomic():
        recent = LinkRecoveryRequest.objects.filter(created_at__gte=since)
        limit = settings.LINK_RECOVERY_LIMIT
        limited = recent.filter(email_hash=email_hash).count() >= limit or (
            ip_hash and recent.filter(ip_hash=ip_hash).count() >= limit
        )
        if not limited:
            LinkRecoveryRequest.objects.create(email_hash=email_hash, ip_hash=ip_hash)
            moderation.reissue_links(email)
    if limited:
        return render(request, "comments/lost_link.html", {"form": form, "limited": True}, status=429)
    return render(request, "comments/lost_link.html", {"form": LostLinkForm(), "sent": True})


# --- Readers report a published story --------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def report_story(request, pk):
    if request.method == "POST":
        # One transaction from the flood check to the report: concurrent reports from one reader are counted
        # one after the other (on SQLite the immediate transaction waits for the write lock first).
        with transaction.atomic():
            return _report(request, pk)
    story = get_object_or_404(Comment.objects.public().select_related("article"), pk=pk)
    return render(request, "comments/report.html", {"story": story, "article": story.article, "form": ReportForm()})


def _report(request, pk):
    story = get_object_or_404(Comment.objects.public().select_related("article"), pk=pk)
    context = {"story": story, "article": story.article}
    ip_hash = _ip_hash(request)
    if spam.report_flood_exceeded(ip_hash):
        return _too_many(request, context, spam.report_flood_retry_at(ip_hash), "note", "report")
    form = ReportForm(request.POST)
    if not form.is_valid():
        context["form"] = form
        return render(request, "comments/report.html", context, status=400)
    # InvalidTransition: hidden a moment ago by other reports; the concern is already with the moderators.
    # A reader who already reported this story is thanked the same way (moderation.report counts them once).
    with suppress(moderation.InvalidTransition):
        moderation.report(story, form.cleaned_data["reason"], form.cleaned_data["note"], ip_hash=ip_hash)
    context["at_risk"] = form.cleaned_data["reason"] == Report.Reason.AT_RISK
    return render(request, "comments/report_done.html", context)
