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
from core.hashing import hash_network_address, hash_token
from core.network import client_address

from .. import moderation, spam
from ..forms import EditStoryForm, EmailLinkForm, LostLinkForm, ReportForm, StoryForm
from ..identifying import identifying_matches, marked_parts
from ..models import Comment, LinkRecoveryRequest, Report
from ..notifications import confirmation_from_link, story_pk_from_unsubscribe

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
    """The story form's own page (GET; `?reply_to=<pk>`: a reply), and where it is sent (POST). Never in the
    page cache: the form carries this visitor's CSRF token and signed timestamp."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    context = {"article": article}
    if not article.stories_open:
        status = 403 if request.method == "POST" else 200
        return render(request, "comments/post_story.html", {**context, "closed": True}, status=status)
    if request.method != "POST":
        if "reply_to" in request.GET:
            return _reply_page(request, article)
        return render(request, "comments/post_story.html", {**context, "form": StoryForm(article=article)})

    if request.POST.get(spam.HONEYPOT_FIELD):
        # Spam: refuse without detail and store nothing.
        return render(request, "comments/refused.html", status=400)

    form = StoryForm(request.POST, article=article)
    return _accept(request, form, context, "comments/post_story.html")


def _accept(request, form, context, template, previous=None):
    """Checks and stores a submitted story form (a new story, a reply, or a new version of `previous`):
    the 400 page with the form as typed, the 429 page, or the new story's status page."""
    ip_hash = _ip_hash(request)
    if form.is_valid():
        data = form.cleaned_data
        check = identifying_check(data["name"], data["body"])
        choice = request.POST.get("identifying")
        if check and choice != "send":
            # Asked before anything is stored: the writer sees the words and decides (the form keeps her text).
            if choice == "change":
                form.fields["body"].widget.attrs["autofocus"] = True
            context.update(form=form, parent_story=form.parent_story, identifying_check=None if choice else check)
            return render(request, template, context)
        try:
            token = moderation.submit(form.article, data, ip_hash, previous=previous, identifying_confirmed=bool(check))
        except moderation.Flooded:
            return _too_many(request, context, spam.flood_retry_at(ip_hash), "body", "story")
        except moderation.SubmissionRefused as refused:
            form.add_error("body", str(refused))
        else:
            return _see_other(Comment.status_url(token) + "?submitted=1")
    context.update(form=form, parent_story=form.parent_story)
    return render(request, template, context, status=400)


def identifying_check(name, body):
    """What the writer is shown before her story is stored when it may identify someone: the lines with the words
    that raised it, as [(text, marked, label)] parts. None when nothing matched, and never for a story that may be
    about self-harm: a writer in crisis is not made to stop and edit (she gets help first)."""
    if spam.flag_self_harm(body):
        return None
    lines = []
    for text in (name, *body.splitlines()):
        if matches := identifying_matches(text):
            lines.append(marked_parts(text, matches))
    return lines or None


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


@private_page("same-origin")
@require_http_methods(["GET", "HEAD"])
def story_status(request, token):
    story = _story_by_token(token)
    return render(request, "comments/status.html", _status_context(request, story, token))


def _status_context(request, story, token, **extra):
    author_actions = moderation.actions_for(story, by=moderation.AUTHOR)
    return {
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
        "other_links": story.private_links.exclude(token_hash=hash_token(token)).count(),
        "links_stopped": request.GET.get("links-stopped") == "1",
        "link_emailed": request.GET.get("link-emailed") == "1",
        "email_form": EmailLinkForm(),
        **extra,
    }


@private_page("same-origin")
@require_http_methods(["POST"])
def stop_other_links(request, token):
    """ "Stop my old links": only the link she is using keeps working."""
    moderation.stop_other_links(_story_by_token(token), token)
    return _see_other(Comment.status_url(token) + "?links-stopped=1")


TOO_MANY_LINK_COPIES = (
    "We have sent this address several links today, so we did not send another. "
    "Please copy the link instead, or try again tomorrow."
)


@private_page("same-origin")
@require_http_methods(["POST"])
def email_link(request, token):
    """ "Email me this link": the status page again, with the form's errors and what was typed if any."""
    story = _story_by_token(token)
    form = EmailLinkForm(request.POST)
    status = 400
    if form.is_valid():
        if moderation.email_link(story, token, form.cleaned_data["email"]) is not None:
            return _see_other(Comment.status_url(token) + "?link-emailed=1")
        status = 429
        form.add_error("email", TOO_MANY_LINK_COPIES)
    context = _status_context(request, story, token, email_form=form)
    return render(request, "comments/status.html", context, status=status)


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


# --- The first mail's link that confirms the author's address ---------------------------------


@private_page("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_email(request, signed):
    """GET asks to confirm (mail scanners follow links); POST confirms."""
    try:
        story_pk, email_hash = confirmation_from_link(signed)
    except signing.BadSignature:
        return render(request, "comments/confirm_email.html", {"invalid": True}, status=400)
    if request.method != "POST":
        return render(request, "comments/confirm_email.html", {"signed": signed})
    if not moderation.confirm_email(story_pk, email_hash):
        return render(request, "comments/confirm_email.html", {"invalid": True}, status=404)
    return render(request, "comments/confirm_email.html", {"done": True})


# --- "Lost your private link?" -----------------------------------------------------------------


@private_page("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def lost_link(request):
    """The author types their email; if stories were sent with it, one mail brings one more private link for
    each (the links she has keep working). The request is only recorded here, the same work whatever the
    address (comments.moderation.send_requested_links answers it), so neither the words nor the time of the
    answer say whether the address is known. Limited per connection (settings.LINK_RECOVERY_LIMIT an hour),
    never per email address: a stranger could then use up hers."""
    if request.method != "POST":
        return render(request, "comments/lost_link.html", {"form": LostLinkForm()})
    form = LostLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "comments/lost_link.html", {"form": form}, status=400)
    ip_hash = _ip_hash(request)
    since = timezone.now() - timedelta(hours=1)
    with transaction.atomic():
        recent = LinkRecoveryRequest.objects.filter(created_at__gte=since)
        limited = bool(ip_hash) and recent.filter(ip_hash=ip_hash).count() >= settings.LINK_RECOVERY_LIMIT
        if not limited:
            moderation.request_links(form.cleaned_data["email"], ip_hash)
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
