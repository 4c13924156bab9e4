"""A moderator's own mail preferences: whether to get the ordinary new-stories notices (urgent
notices are always sent)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from comments.models import ModeratorPreference

from ..forms import ModeratorPreferenceForm


@never_cache
@login_required
@permission_required("comments.moderate", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def notification_preferences(request):
    if request.method == "POST":
        preference, _ = ModeratorPreference.objects.get_or_create(user=request.user)
        form = ModeratorPreferenceForm(request.POST, instance=preference)
    else:
        preference = ModeratorPreference.objects.filter(user=request.user).first()
        form = ModeratorPreferenceForm(instance=preference or ModeratorPreference(user=request.user))
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Saved")
        return redirect("moderation:notification_preferences")
    context = {
        "form": form,
        "interval_minutes": max(1, settings.MODERATOR_MAIL_INTERVAL // 60),
        "address": request.user.email,
    }
    response = render(request, "moderation/notifications.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
