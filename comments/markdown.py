"""The small Markdown subset visitors may use: paragraphs, emphasis, lists, quotes and links.

No images, headings or raw HTML: those parsers are switched off, so `<script>` stays text,
and bleach then keeps only the allowlist below. Runs once, when a story is saved.
"""

from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

STORY_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a", "code"}
STORY_ATTRIBUTES = {"a": ["href", "rel"]}
STORY_PROTOCOLS = {"http", "https", "mailto"}


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow ugc noopener"
    attrs.pop((None, "target"), None)
    return attrs


_cleaner = bleach.Cleaner(
    tags=STORY_TAGS,
    attributes=STORY_ATTRIBUTES,
    protocols=STORY_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags=["code"], parse_email=False)],
)


def _story_markdown():
    md = markdown.Markdown(extensions=["sane_lists", "nl2br"], output_format="html")
    md.preprocessors.deregister("html_block")
    for name in ("html", "image_link", "image_reference", "short_image_ref", "entity"):
        md.inlinePatterns.deregister(name)
    for name in ("hashheader", "setextheader", "code", "hr"):
        md.parser.blockprocessors.deregister(name)
    return md


def render_story_markdown(text):
    return _cleaner.clean(_story_markdown().convert(text or ""))
