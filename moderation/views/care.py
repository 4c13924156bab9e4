"""The care step at /moderation/<id>/care/: how a story that may be about self-harm or suicide is decided.

Such a story (Comment.needs_care) is never published by one key or click: the queue's Approve becomes a
link here, and comments.moderation.approve refuses it (NeedsCareDecision) unless given the moderator's
care choice, which only this page passes. The moderator picks one of: publish with a support note,
publish behind content warnings (set and approved in one transaction), edit or redact first, hold it and
send the author a kind message, or reject it with a kind reason. Also here: the content-warnings form of
the story page (/moderation/<id>/warnings/), for any story.
"""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from comments import moderation
from comments.models import Comment

from ..forms import CareDecisionForm, WarningsForm
from .base import SKIPPED_MESSAGE, care_url, moderator_page, safe_next


@moderator_page
def care_decision(request, pk):
    story = get_object_or_404(Comment.objects.select_related("article", "decided_by"), pk=pk)
    next_url = safe_next(request)
    story.actions = moderation.actions_for(story)
    if not set(moderation.AWAITING_DECISION) & set(story.actions):
        messages.warning(
            request,
            f"Story #{story.pk} is {story.get_status_display().lower()} and no longer waits for a decision; "
            "nothing was changed.",
        )
        return HttpResponseRedirect(next_url)

    if request.method == "POST":
        form = CareDecisionForm(request.POST, story=story)
        if form.is_valid():
            response = _act(request, story, form.cleaned_data, next_url)
            if response:
                return response
        status = 400
    else:
        form = CareDecisionForm(story=story)
        status = 200
    return render(
        request,
        "moderation/care.html",
        {"story": story, "form": form, "next_url": next_url, "choices": _choices(form)},
        status=status,
    )


def _choices(form):
    """The options offered (value, label, checked); their hints are in the template."""
    chosen = form["choice"].value()
    return [
        {"value": value, "label": label, "checked": value == chosen} for value, label in form.fields["choice"].choices
    ]


def _act(request, story, data, next_url):
    """Carries out the chosen option; a response, or None when the form gets an error to show."""
    choice, expected, user = data["choice"], data["expected"] or None, request.user
    if choice == "edit":
        edit_url = reverse("moderation:moderate_edit", args=[story.pk])
        return HttpResponseRedirect(f"{edit_url}?{urlencode({'next': care_url(story, next_url)})}")
    try:
        if choice == "support-note":
            moderation.approve(story, user, expected_status=expected, care=moderation.CARE_SUPPORT_NOTE)
            done = "Published with a support note"
        elif choice == "content-warning":
            with transaction.atomic():  # the warnings and the approval, or neither
                moderation.set_content_warnings(story, user, data["warnings"], expected_status=expected)
                moderation.approve(story, user, expected_status=expected, care=moderation.CARE_CONTENT_WARNING)
            done = "Published behind a content warning"
        elif choice == "contact":
            moderation.contact_author(story, user, expected_status=expected)
            done = "A kind message is on its way to the author; the story stays in the queue, held"
        else:
            moderation.reject(story, user, data["reason"], note=data["note"].strip(), expected_status=expected)
            done = "Not published; the author will see your reason and message"
    except moderation.InvalidTransition:
        story.refresh_from_db()
        messages.warning(
            request,
            f"{SKIPPED_MESSAGE} (story #{story.pk}, now {story.get_status_display().lower()}), or it changed "
            "while you were deciding; nothing was changed.",
        )
        return HttpResponseRedirect(next_url)
    except ValueError as error:
        messages.error(request, str(error))
        return None
    messages.success(request, format_html("{}: story #{} by <bdi>{}</bdi>.", done, story.pk, story.name))
    return HttpResponseRedirect(next_url)


@moderator_page
def edit_warnings(request, pk):
    """POST: set the story's content warnings (any story that still has its text). GET: its story page."""
    story = get_object_or_404(Comment, pk=pk)
    detail = reverse("moderation:moderate_story", args=[story.pk])
    next_url = safe_next(request, detail)
    if request.method != "POST":
        return HttpResponseRedirect(f"{detail}#content-warnings")
    form = WarningsForm(request.POST)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, "The content warnings were not changed: " + " ".join(errors))
        return HttpResponseRedirect(next_url)
    data = form.cleaned_data
    before = list(story.content_warnings)
    try:
        story = moderation.set_content_warnings(
            story, request.user, data["warnings"], note=data["note"], expected_status=data["expected"] or None
        )
    except moderation.InvalidTransition:
        story.refresh_from_db()
        messages.warning(
            request,
            f"Story #{story.pk} changed while you were looking (it is now {story.get_status_display().lower()}); "
            "its content warnings were not changed.",
        )
    else:
        if story.content_warnings == before:
            messages.info(request, f"The content warnings of story #{story.pk} are unchanged.")
        else:
            messages.success(
                request,
                f"Content warnings of story #{story.pk}: {moderation.warning_labels(story.content_warnings)}.",
            )
    return HttpResponseRedirect(next_url)
