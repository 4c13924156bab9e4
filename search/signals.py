"""Keeps the search index in step with what the public may read. Articles and comments know nothing of
search: every change to a story goes through comments/moderation.py, which saves it, and so lands here.
(Deleted FAQs and stories take their rows with them: SearchEntry's foreign keys cascade.)"""

from django.db.models.signals import post_init, post_save
from django.dispatch import receiver

from articles.models import FAQ, Article
from comments.models import Comment

from . import indexing


@receiver(post_save, sender=Article)
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.index_article(instance)


@receiver(post_save, sender=FAQ)
def faq_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.index_faq(instance)


@receiver(post_init, sender=Comment)
def remember_story_status(sender, instance, **kwargs):
    # The status the story was loaded with (None when it was not loaded): a save that neither was nor is
    # published cannot have a row in the index, and costs no query here.
    instance._search_loaded_status = instance.__dict__.get("status")


@receiver(post_save, sender=Comment)
def story_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    approved = Comment.Status.APPROVED
    loaded = None if created else instance._search_loaded_status
    may_have_row = loaded is None and not created or loaded == approved
    if instance.status == approved or may_have_row:
        indexing.index_story(instance)
    instance._search_loaded_status = instance.status
