"""Reviews that are earned: an article's reviewer signs off its current version from their own account.

The sign-off is recorded in the article's history (a revision naming the reviewer) and in a SignOff row naming
that revision and the fingerprint of the text signed off; the page's "Reviewed by", "Page last reviewed" and
"Next review due" come from the latest one, and an edit to the text after it shows as "changed since review"."""

import calendar
import datetime

import reversion
from django.db import models, transaction
from django.utils import timezone
from reversion.models import Version

from .models import Article, Person, SignOff


class CannotSignOff(Exception):
    """Why this account may not sign this article off (a sentence for the person)."""


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def refusal(user, article):
    """None if `user` may sign `article` off, else the reason, in words for them."""
    if not user.has_perm("articles.review_article"):
        return "Only a reviewer can sign off an article: your account does not have the review permission."
    person = Person.objects.filter(user=user).first()
    if person is None:
        return 'Your account is not linked to a person: an editor links it under People ("reviewer\'s account").'
    if article.reviewer_id != person.pk:
        named = article.reviewer.name if article.reviewer else "nobody yet"
        return f"Only the article's reviewer can sign it off, and the reviewer named for it is {named}."
    return None


def sign_off(article, user, now=None):
    """Records that the article's reviewer checked its current version; returns the SignOff."""
    now = now or timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update(of=("self",)).select_related("reviewer").get(pk=article.pk)
        if reason := refusal(user, article):
            raise CannotSignOff(reason)
        reviewer = article.reviewer
        with reversion.create_revision():
            reversion.add_to_revision(article)
            reversion.set_user(user)
            reversion.set_date_created(now)
            credentials = f" ({reviewer.credentials})" if reviewer.credentials else ""
            reversion.set_comment(
                f"Signed off by {reviewer.name}{credentials}: the content of this version was checked."
            )
        version = Version.objects.get_for_object(article).order_by("-pk").first()
        signoff = SignOff.objects.create(
            article=article,
            reviewer=reviewer,
            user=user,
            signed_at=now,
            revision=version.revision if version else None,
            text_checksum=article.text_checksum,
        )
        reviewed = timezone.localdate(now)
        Article.objects.filter(pk=article.pk).update(
            latest_signoff=signoff,
            last_reviewed=reviewed,
            next_review=add_months(reviewed, article.review_period_months),
            cache_version=models.F("cache_version") + 1,
        )
    return signoff
