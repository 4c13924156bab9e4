from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST, require_safe
from markdownx.views import ImageUploadView
from PIL import Image

from core.pagecache import cached_page, release_key

from .forms import NOT_AN_IMAGE, ArticleImageForm
from .markdown import render_article_markdown
from .models import FAQ, Article, EditorNote
from .seo import article_jsonld, faq_jsonld


def _visible_articles(request):
    """The public sees published articles; staff may also preview drafts."""
    if request.user.is_authenticated and request.user.is_staff:
        return Article.objects.all()
    return Article.objects.published()


def _get_article(request, slug, queryset=None):
    queryset = queryset if queryset is not None else _visible_articles(request)
    try:
        return queryset.get(slug=slug)
    except Article.DoesNotExist:
        raise Http404("No article here.") from None


def cached_feed(feed):
    """A syndication feed served from the page cache until a published article changes."""

    @require_safe
    def view(request):
        return cached_page(request, Article.objects.public_index(), lambda: feed(request))

    return view


@require_safe
def feed_about(request):
    """What a feed is and the addresses to copy: the footer's "Feed" link (feed readers use the feeds)."""
    return cached_page(request, ["feed-about"], lambda: render(request, "articles/feed_about.html"))


@require_safe
def home(request):
    def render_page():
        articles = Article.objects.published().annotate(faq_count=Count("faqs")).order_by("-published_at")
        return render(request, "articles/home.html", {"articles": articles})

    return cached_page(request, Article.objects.public_index(), render_page)


def _find(index, slug):
    """The entry of the published article with this slug, with its neighbours, or Nones."""
    for position, entry in enumerate(index):
        if entry.slug == slug:
            previous = index[position - 1] if position > 0 else None
            following = index[position + 1] if position + 1 < len(index) else None
            return entry, previous, following
    return None, None, None


@require_safe
def article_detail(request, slug):
    index = Article.objects.public_index()
    entry, previous, following = _find(index, slug)
    if entry is None:
        # Not published: a staff preview of a draft (never cached), or a 404 for everyone else.
        article = _get_article(request, slug, _visible_articles(request).with_people())
        return _render_article(request, article, previous=None, following=None)

    # Keyed on every published article's version: the related articles may be any of them.
    versions = [entry, *index]

    def render_page():
        return _render_article(request, _published_article(entry), previous, following, versions)

    return cached_page(request, versions, render_page)


def _published_article(entry):
    """The published article of this index entry with what its page needs (reviewer, has_authors, has_topics),
    kept in the cache per version of the article (every change to it, its people or its stories bumps one):
    a page rendered past the page cache reads no article row, only the index."""
    key = "article:" + release_key(entry)
    article = None if settings.DEBUG else cache.get(key)
    if article is None:
        article = Article.objects.with_people().with_has_topics().get(pk=entry.pk)
        cache.set(key, article, settings.PAGE_CACHE_SECONDS)
    return article


def _render_article(request, article, previous, following, versions=None):
    """The article page. With `versions` (a published article), its own parts (all but the stories) are
    template fragments cached under those versions: visitors past the page cache (with a session, or the
    first after a story was published) only wait for the stories. Their FAQs, references, related articles
    and JSON-LD are read only when a fragment is rendered (lazy querysets and a callable)."""
    # An article without notes after its sections (with_people() says so) costs no query for them.
    has_section_notes = getattr(article, "has_section_notes", True)
    faqs = SimpleLazyObject(lambda: with_notes(article.faqs.all()))
    cacheable = versions is not None and not settings.DEBUG
    context = {
        "article": article,
        "previous": previous,
        "following": following,
        "faqs": faqs,
        "references": article.references.all(),
        "section_notes": article.notes.filter(faq=None) if has_section_notes else [],
        # An article without topics has no related articles: no query for them then.
        "related": SimpleLazyObject(
            lambda: list(Article.objects.related_to(article)) if getattr(article, "has_topics", True) else []
        ),
        "jsonld": lambda: [article_jsonld(request, article), faq_jsonld(request, article, list(faqs))],
        "fragment_seconds": settings.PAGE_CACHE_SECONDS if cacheable else 0,
        # The canonical and JSON-LD links name the scheme, host and path (not the page of stories).
        "fragment_version": release_key(request.scheme, request.get_host(), request.path, *(versions or [])),
    }
    return render(request, "articles/article_detail.html", context)


# What the FAQ pages need of an article: not its long texts.
_LONG_TEXTS = ("body", "body_html", "story_prompt", "story_prompt_html", "toc")


def with_notes(faqs):
    """The FAQs, each with its editor's notes as `editor_notes` (templates/articles/_faq_item.html): one query, only
    when one of them has a note."""
    faqs = list(faqs.annotate(has_note=Exists(EditorNote.objects.filter(faq=OuterRef("pk")))))
    noted = [faq.pk for faq in faqs if faq.has_note]
    notes = list(EditorNote.objects.filter(faq__in=noted)) if noted else []
    for faq in faqs:
        faq.editor_notes = [note for note in notes if note.faq_id == faq.pk]
    return faqs


def _render_article_faq(request, article):
    faqs = with_notes(article.faqs.all())
    context = {"article": article, "faqs": faqs, "jsonld": [faq_jsonld(request, article, faqs)]}
    return render(request, "articles/article_faq.html", context)


@require_safe
def article_faq(request, slug):
    entry, _, _ = _find(Article.objects.public_index(), slug)
    if entry is None:
        return _render_article_faq(request, _get_article(request, slug, _visible_articles(request).defer(*_LONG_TEXTS)))

    def render_page():
        return _render_article_faq(request, Article.objects.defer(*_LONG_TEXTS).get(pk=entry.pk))

    return cached_page(request, [entry], render_page)


@require_safe
def faq_index(request):
    def render_page():
        articles = list(Article.objects.published().defer(*_LONG_TEXTS).order_by("published_at"))
        faqs = with_notes(FAQ.objects.filter(article__in=articles).order_by("article__published_at", "order", "id"))
        for article in articles:
            article.faq_list = [faq for faq in faqs if faq.article_id == article.pk]
            for faq in article.faq_list:
                faq.article = article  # the JSON-LD links each question under its article's slug
        all_faqs = [faq for article in articles for faq in article.faq_list]
        jsonld = [faq_jsonld(request, None, all_faqs)] if all_faqs else []
        return render(request, "articles/faq_index.html", {"articles": articles, "jsonld": jsonld})

    return cached_page(request, Article.objects.public_index(), render_page)


def staff_only(view):
    """403 (not a redirect) for anyone but active staff: these are AJAX endpoints of the editor."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_POST
@staff_only
def markdown_preview(request):
    """The admin editor's live preview, rendered exactly as the site will render it."""
    if "content" not in request.POST:
        return HttpResponseBadRequest("Missing 'content'.")
    return HttpResponse(render_article_markdown(request.POST["content"]))


class MarkdownImageUploadView(ImageUploadView):
    """markdownx's upload, with a form that checks the file really is a reasonable image. Every
    refusal is a JSON 400 (markdownx answers non-AJAX refusals with a template it does not have)."""

    form_class = ArticleImageForm

    def form_invalid(self, form):
        return JsonResponse(form.errors, status=400)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            # The header was fine but the pixels are not (a truncated or corrupt file).
            return JsonResponse({"image": [NOT_AN_IMAGE]}, status=400)


markdown_upload = require_POST(staff_only(MarkdownImageUploadView.as_view()))
