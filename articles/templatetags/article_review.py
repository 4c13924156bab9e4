from django import template
from django.urls import reverse

from articles.models import Article

register = template.Library()


@register.inclusion_tag("admin/articles/_review_notice.html", takes_context=True)
def review_notice(context):
    """How many articles are overdue for review or due within 30 days, for editors who may see articles."""
    request = context["request"]
    if not request.user.has_perm("articles.view_article"):
        return {"count": 0}
    return {
        "count": Article.objects.needs_review().count(),
        "url": f"{reverse('admin:articles_article_changelist')}?review=needed",
    }
