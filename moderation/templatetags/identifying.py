"""Moderation pages: the words of a story that may identify someone, the moderators' watched words, and in a
story flagged as possibly about self-harm the words that raised the flag, marked in its text.

Computed in Python at render time from the body_html already loaded: no query per story.
"""

from html.parser import HTMLParser

from django import template
from django.utils.html import escape, format_html, format_html_join

from comments.identifying import KIND_LABELS, IdentifyingMatch, identifying_matches
from comments.markdown import STORY_ATTRIBUTES, STORY_TAGS
from comments.self_harm import FAMILY_LABELS, self_harm_matches
from comments.watched import watched_matches

WATCHED = "watched"
SELF_HARM = "self-harm:"  # + the detector's family

register = template.Library()

_INLINE = {"a", "em", "strong", "code"}
_VOID = {"br"}


class _Pieces(HTMLParser):
    """The story's HTML as pieces: (tag name, attributes, is end tag) for tags, a str for text (unescaped)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces = []

    def handle_starttag(self, tag, attrs):
        self.pieces.append((tag, attrs, False))

    def handle_endtag(self, tag):
        self.pieces.append((tag, [], True))

    def handle_data(self, data):
        self.pieces.append(data)


def _split(body_html):
    parser = _Pieces()
    parser.feed(body_html)
    parser.close()
    return parser.pieces


def _tag(name, attrs, is_end):
    """A tag rebuilt from the story allowlist (comments/markdown.py), every value escaped again."""
    if name not in STORY_TAGS or (is_end and name in _VOID):
        return ""
    if is_end:
        return format_html("</{}>", name)
    allowed = STORY_ATTRIBUTES.get(name, [])
    return format_html(
        "<{}{}>", name, format_html_join("", ' {}="{}"', ((k, v or "") for k, v in attrs if k in allowed))
    )


def _marked(text, offset, matches):
    """The text (starting at `offset` in the story's plain text) escaped, with the parts of `matches`
    that fall in it inside <mark>; the label for screen readers follows a match's last part."""
    out, position, end = [], 0, offset + len(text)
    for match in matches:
        start, stop = max(match.start, offset), min(match.end, end)
        if start >= stop:
            continue
        out.append(escape(text[position : start - offset]))
        last = match.end <= end
        out.append(_mark(text[start - offset : stop - offset], match.kind, last))
        position = stop - offset
    out.append(escape(text[position:]))
    return out


def _mark(words, kind, last):
    css = WATCHED if kind == WATCHED else "self-harm" if kind.startswith(SELF_HARM) else "identifying"
    if not last:
        return format_html('<mark class="{}">{}</mark>', css, words)
    if css == "self-harm":
        label = FAMILY_LABELS[kind.removeprefix(SELF_HARM)]
        return format_html(
            '<mark class="self-harm">{}<span class="visually-hidden"> (may be about self-harm: {})</span></mark>',
            words,
            label,
        )
    if kind == WATCHED:
        return format_html('<mark class="watched">{}<span class="visually-hidden"> (watched word)</span></mark>', words)
    return format_html(
        '<mark class="identifying">{}<span class="visually-hidden"> (may identify someone: {})</span></mark>',
        words,
        KIND_LABELS[kind],
    )


def _merged(weaker, stronger):
    """Both lists in order, without overlaps: a match in `stronger` wins over those in `weaker` it overlaps."""
    kept = [m for m in weaker if not any(m.start < w.end and w.start < m.end for w in stronger)]
    return sorted(kept + stronger)


@register.filter
def mark_story(story, watched_words=None):
    """mark_identifying of the story's body_html, with, when the story is flagged as possibly about self-harm,
    the words that raised the flag marked too (the detector runs only for flagged stories)."""
    return mark_identifying(story.body_html, watched_words, self_harm=story.flag_self_harm)


@register.filter
def mark_identifying(body_html, watched_words=None, self_harm=False):
    """A story's stored body_html (the sanitiser's output) with the words that may identify someone in
    <mark class="identifying">, and, given the moderators' compiled watched words (comments.watched, loaded
    once per page), those in <mark class="watched">. The text is searched as a reader sees it; the page gets it escaped
    again piece by piece, and its tags rebuilt from the story allowlist: nothing a visitor wrote is
    passed through as it is."""
    pieces = _split(body_html or "")
    plain, starts, length = [], [], 0
    for piece in pieces:
        # A block tag (p, br, li...) ends a line, so "my ex</p><p>John" is not one phrase.
        text = piece if isinstance(piece, str) else ("" if piece[0] in _INLINE else "\n")
        starts.append(length)
        plain.append(text)
        length += len(text)
    text = "".join(plain)
    matches = identifying_matches(text)
    if watched_words:
        watched = [IdentifyingMatch(m.start, m.end, WATCHED) for m in watched_matches(text, watched_words)]
        matches = _merged(matches, watched)
    if self_harm:
        found = [IdentifyingMatch(m.start, m.end, SELF_HARM + m.family) for m in self_harm_matches(text)]
        matches = _merged(matches, found)
    out = []
    for piece, start in zip(pieces, starts, strict=True):
        if isinstance(piece, str):
            out += _marked(piece, start, matches)
        else:
            out.append(_tag(*piece))
    return format_html_join("", "{}", ((part,) for part in out))
