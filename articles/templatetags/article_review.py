from django import template
from django.urls import reverse

from articles.models import Article

register = template.Library()


@register.inclusion_tag("admin/articles/_review_notice.html", takes_context=True)
def review_notice(context):
    """For those who may see articles: the articles waiting for review, those past their next review date, and how
    many more are due within 30 days."""
    request = context["request"]
    if not request.user.has_perm("articles.view_article"):
        return {}
    changelist = reverse("admin:articles_article_changelist")
    return {
        "waiting": list(Article.objects.waiting_for_review().only("title").order_by("title")),
        "overdue": list(Article.objects.review_overdue().only("title", "next_review").order_by("next_review")),
        "count": Article.objects.needs_review().count(),
        "url": f"{changelist}?review=needed",
    }
