"""FAQs, references, authors and reviewers are shown on their article's pages: a change to one invalidates those pages."""

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import FAQ, Article, Authorship, Person, Reference


@receiver([post_save, post_delete], sender=FAQ)
@receiver([post_save, post_delete], sender=Reference)
def invalidate_article_pages(sender, instance, **kwargs):
    Article.objects.bump_cache_version(instance.article_id)


@receiver([post_save, post_delete], sender=Authorship)
def invalidate_byline(sender, instance, **kwargs):
    Article.objects.bump_cache_version(instance.article_id)


@receiver(post_save, sender=Person)
def invalidate_pages_naming_person(sender, instance, **kwargs):
    """A changed name or credentials shows on every article the person wrote or reviewed."""
    named = Article.objects.filter(models.Q(authors=instance) | models.Q(reviewer=instance)).values("pk")
    Article.objects.filter(pk__in=named).update(cache_version=models.F("cache_version") + 1)
