from django.db import connection
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from articles.models import Article
from core.pagecache import cached_fragment, cached_page

from . import query


@require_safe
def search(request):
    """/search/?q=: articles' sections, FAQs and published stories, best first. Three queries at most: the
    published articles (also the page cache's key: any change to what could be found changes it), the
    search, and the session when the visitor has one."""
    parsed = query.parse(request.GET.get("q", ""))
    public_articles = Article.objects.public_index()

    def render_results():
        results = query.search(parsed.terms, public_articles) if not parsed.problem else []
        shown = results[: query.RESULTS_SHOWN]
        context = {
            "query": parsed,
            "results": [result for result in shown if result.all_words],
            "some_words": [result for result in shown if not result.all_words],
            "more": len(results) > query.RESULTS_SHOWN,
            "max_length": query.MAX_QUERY_LENGTH,
        }
        return render_to_string("search/_results.html", context)

    def render_page():
        # The box and the results are the same for every visitor: visitors the page cache does not serve (with
        # a session) get them made once per text searched and version of the public content (as the key of
        # the page cache and of query.search: any change to what could be found changes it).
        key = ["search", connection.vendor, parsed.text, public_articles]
        results = cached_fragment(key, render_results)
        return render(request, "search/results.html", {"query": parsed, "results": results})

    return cached_page(request, public_articles, render_page)
