"""Structured data (schema.org JSON-LD) built from the same records the page shows."""

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.text import normalize_newlines


def _text(html):
    return " ".join(normalize_newlines(strip_tags(html)).split())


def _person(person):
    data = {"@type": "Person", "name": person.name}
    if person.role:
        data["jobTitle"] = person.role
    if person.credentials:
        data["honorificSuffix"] = person.credentials
    return data


# Search engines show about this much of a description.
DESCRIPTION_FITS = 320


def description(article):
    """The summary, followed by the key points when they fit."""
    points = article.key_points_text
    with_points = f"{article.summary} Key points: {points}"
    return with_points if points and len(with_points) <= DESCRIPTION_FITS else article.summary


def article_jsonld(request, article):
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": article.title,
        "headline": article.title,
        "description": description(article),
        "inLanguage": "en",
        "isAccessibleForFree": True,
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "timeRequired": f"PT{article.reading_minutes}M",
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    data["dateModified"] = (article.text_changed_at or article.updated_at).isoformat()
    if article.last_reviewed:
        data["lastReviewed"] = article.last_reviewed.isoformat()
    # The same people as the byline; without named authors, the editorial team.
    authors = article.byline_authors
    data["author"] = (
        [_person(p) for p in authors] if authors else {"@type": "Organization", "name": article.editorial_team}
    )
    if article.latest_signoff_id:
        data["reviewedBy"] = _person(article.latest_signoff.reviewer)
    return data


def faq_jsonld(request, article, faqs):
    page_url = request.build_absolute_uri(request.path)
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "url": page_url,
        "mainEntity": [
            {
                "@type": "Question",
                "name": faq.question,
                "url": f"{page_url}#{faq.anchor if article else faq.article.slug + '-' + faq.anchor}",
                "acceptedAnswer": {"@type": "Answer", "text": _text(faq.answer_html)},
            }
            for faq in faqs
        ],
    }
