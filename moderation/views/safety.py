"""Moderators' tools against abuse: blocking a returning author, and the list of watched words.

Same rules as the queue (moderation.views.base.moderator_page): the comments.moderate permission, never
cached, not indexed; every change is a POST with a CSRF token, confirmed on a page of its own first.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from comments import moderation
from comments.models import Block, Comment, WatchedWord

from ..forms import BlockForm, WatchedWordForm
from .base import moderator_page

# The list shows every block in force and the latest ended or lifted ones.
PAST_BLOCKS_SHOWN = 50


@moderator_page
@require_http_methods(["GET", "HEAD", "POST"])
def block_author(request, pk):
    story = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    form = BlockForm(request.POST or None, story=story)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            block = moderation.block_author(
                story, request.user, by_email=data["by_email"], by_network=data["by_network"],
                duration=data["duration"], reason=data["reason"],
            )  # fmt: skip
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Blocked the author of story #{story.pk} ({' and '.join(block.kinds)}).")
            return HttpResponseRedirect(reverse("moderation:blocks"))
    status = 400 if request.method == "POST" else 200
    return render(request, "moderation/block.html", {"story": story, "form": form}, status=status)


@moderator_page
@require_http_methods(["GET", "HEAD"])
def blocks(request):
    now = timezone.now()
    rows = Block.objects.select_related("created_by", "lifted_by", "story")
    active = list(rows.active(now))
    past = list(rows.exclude(pk__in=[block.pk for block in active])[:PAST_BLOCKS_SHOWN])
    return render(request, "moderation/blocks.html", {"active": active, "past": past, "now": now})


@moderator_page
@require_POST
def unblock(request, pk):
    block = get_object_or_404(Block, pk=pk)
    try:
        moderation.unblock(block, request.user)
    except moderation.InvalidTransition:
        messages.warning(request, f"Block #{block.pk} was already lifted.")
    else:
        messages.success(request, f"Lifted block #{block.pk}.")
    return HttpResponseRedirect(reverse("moderation:blocks"))


@moderator_page
@require_http_methods(["GET", "HEAD", "POST"])
def watched_words(request):
    """The list, with a form to add a word or phrase."""
    form = WatchedWordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        word = form.save()
        messages.success(request, f"Added “{word.phrase}” ({word.get_action_display().lower()}).")
        return HttpResponseRedirect(reverse("moderation:watched_words"))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "words": WatchedWord.objects.select_related("created_by")}
    return render(request, "moderation/watched_words.html", context, status=status)


@moderator_page
@require_http_methods(["GET", "HEAD", "POST"])
def edit_watched_word(request, pk):
    word = get_object_or_404(WatchedWord, pk=pk)
    form = WatchedWordForm(request.POST or None, instance=word)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved “{word.phrase}”.")
        return HttpResponseRedirect(reverse("moderation:watched_words"))
    status = 400 if request.method == "POST" else 200
    return render(request, "moderation/watched_word_edit.html", {"form": form, "word": word}, status=status)


@moderator_page
@require_http_methods(["GET", "HEAD", "POST"])
def remove_watched_word(request, pk):
    word = get_object_or_404(WatchedWord, pk=pk)
    if request.method == "POST":
        word.delete()  # a moderators' setting, not moderated content: stories already flagged keep their flag
        messages.success(request, f"Removed “{word.phrase}” from the watched words.")
        return HttpResponseRedirect(reverse("moderation:watched_words"))
    return render(request, "moderation/watched_word_remove.html", {"word": word})
