"""FAQs and references are shown on their article's pages: a change to one invalidates those pages."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import FAQ, Article, Reference


@receiver([post_save, post_delete], sender=FAQ)
@receiver([post_save, post_delete], sender=Reference)
def invalidate_article_pages(sender, instance, **kwargs):
    Article.objects.bump_cache_version(instance.article_id)
