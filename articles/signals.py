"""FAQs, references, editor's notes, authors and reviewers are shown on their article's pages: a change to one invalidates
those pages. Articles link each other ("Also read") and list related articles by topic: those follow changes too."""

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import FAQ, Article, Authorship, EditorNote, Person, Reference, Topic


@receiver([post_save, post_delete], sender=FAQ)
@receiver([post_save, post_delete], sender=Reference)
@receiver([post_save, post_delete], sender=EditorNote)
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


@receiver([post_save, post_delete], sender=Article)
def relink_other_articles(sender, instance, raw=False, **kwargs):
    """An article was added, renamed, published or removed: "Also read" callouts naming it link to it (or not)."""
    if not raw:
        Article.objects.relink_also_read(exclude_pk=instance.pk)


@receiver(m2m_changed, sender=Article.topics.through)
def invalidate_on_topics_change(sender, instance, action, reverse, pk_set, **kwargs):
    """The related articles of every page sharing the topics change: article pages are keyed on all
    published articles' versions, so bumping the articles whose topics changed is enough."""
    if action in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        if reverse:  # topic.articles.add(...): the articles are in pk_set (None on clear)
            pks = pk_set if pk_set is not None else set(instance.articles.values_list("pk", flat=True))
        else:
            pks = {instance.pk}
        Article.objects.filter(pk__in=pks).update(cache_version=models.F("cache_version") + 1)


@receiver(pre_delete, sender=Topic)
def invalidate_on_topic_delete(sender, instance, **kwargs):
    Article.objects.filter(topics=instance).update(cache_version=models.F("cache_version") + 1)
