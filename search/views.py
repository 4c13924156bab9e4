from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Article
from config.pagecache import cached_page

from . import query


@require_safe
def search(request):
    """/search/?q=: articles' sections, FAQs and published stories, best first. Three queries at most: the
    published articles (also the page cache's key: any change to what could be found changes it), the
    search, and the session when the visitor has one."""
    parsed = query.parse(request.GET.get("q", ""))
    public_articles = Article.objects.public_index()

    def render_page():
        results = query.search(parsed.terms, public_articles) if not parsed.problem else []
        context = {
            "query": parsed,
            "results": results[: query.RESULTS_SHOWN],
            "more": len(results) > query.RESULTS_SHOWN,
            "max_length": query.MAX_QUERY_LENGTH,
        }
        return render(request, "search/results.html", context)

    return cached_page(request, public_articles, render_page)
