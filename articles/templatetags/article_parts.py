"""The article's body with the site's own notes after the sections they belong to (templates/articles/_editors_note.html)."""

import re

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()

HEADING = re.compile(r'<h([23])\b[^>]*\bid="([^"]+)"')


@register.simple_tag
def body_with_notes(article, notes):
    """body_html (rendered and sanitised on save) with each note inserted where its section ends: before the next
    heading of the same or a higher level, or at the end. The notes never enter the author's text itself."""
    by_section = {}
    for note in notes:
        by_section.setdefault(note.section, []).append(note)
    html = article.body_html
    if not by_section:
        return mark_safe(html)  # noqa: S308 - the article's HTML, sanitised by bleach when saved
    headings = [(match.start(), int(match.group(1)), match.group(2)) for match in HEADING.finditer(html)]
    inserts = {}
    for index, (_, level, section) in enumerate(headings):
        if section in by_section:
            end = next((start for start, other, _ in headings[index + 1 :] if other <= level), len(html))
            inserts.setdefault(end, []).extend(by_section[section])
    parts, previous = [], 0
    for position in sorted(inserts):
        parts.append(html[previous:position])
        for note in inserts[position]:
            parts.append(
                render_to_string("articles/_editors_note.html", {"note": note, "SITE_NAME": settings.SITE_NAME})
            )
        previous = position
    parts.append(html[previous:])
    # Sanitised article HTML and notes rendered by a template (their text sanitised when saved).
    return mark_safe("".join(parts))  # noqa: S308
