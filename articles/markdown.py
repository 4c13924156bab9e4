"""Markdown to safe HTML, done once when content is saved (never per request)."""

import html
import math
import re
import xml.etree.ElementTree as etree

import bleach
import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ARTICLE_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "div", "img", "abbr", "sup", "sub",
}  # fmt: skip
# Only the classes our own Markdown extensions emit survive; nothing can restyle the page.
ALLOWED_CLASSES = {"callout", "callout-related", "callout-safety", "callout-title"}
# Tables are stacked into one card per row on narrow screens: each cell carries its column's header.
TABLE_CLASS = "table-stack"
SAFE_PROTOCOLS = {"http", "https", "mailto"}


def _allow_attribute(tag, name, value):
    if name == "id" and tag in {"h2", "h3", "h4", "h5", "h6"}:
        return bool(re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,80}", value))
    if name == "class" and tag in {"div", "p"}:
        return set(value.split()) <= ALLOWED_CLASSES
    if name == "role" and tag == "div":
        return value == "note"
    if tag == "a":
        return name in {"href", "title"}
    if tag == "img":
        return name in {"src", "alt", "title"}
    if tag == "table":
        return name == "class" and value == TABLE_CLASS
    if tag in {"th", "td"} and name == "data-label":
        return True  # plain text, escaped like any attribute value
    if tag == "th" and name == "scope":
        return value in {"col", "row"}
    if tag in {"th", "td"}:
        return name == "align" and value in {"left", "right", "center"}
    if tag == "abbr":
        return name == "title"
    return False


def sanitize(html, tags=ARTICLE_TAGS, attributes=_allow_attribute, protocols=SAFE_PROTOCOLS):
    """Strip everything not on the allowlist; bleach also drops javascript:, data: and the like."""
    return bleach.clean(html, tags=tags, attributes=attributes, protocols=protocols, strip=True, strip_comments=True)


def _title_key(title):
    return " ".join(title.split()).casefold()


class _CalloutTreeprocessor(Treeprocessor):
    """Demotes a stray h1 (the page title is the only h1) and turns admonitions into callouts.

    In the Markdown source, `!!! related "Also read"` and `!!! safety "Title"` make callouts. A paragraph of a
    related callout that is exactly an article's title (link_titles: title -> URL) becomes a link to it.
    """

    def __init__(self, md, link_titles):
        super().__init__(md)
        self.link_titles = {_title_key(title): url for title, url in (link_titles or {}).items()}

    def _link_title(self, paragraph):
        url = self.link_titles.get(_title_key(paragraph.text or "")) if len(paragraph) == 0 else None
        if url:
            link = etree.SubElement(paragraph, "a", {"href": url})
            link.text, paragraph.text = paragraph.text.strip(), None

    def _label_cells(self, table):
        head = table.find("thead")
        labels = [" ".join("".join(th.itertext()).split()) for th in head.iter("th")] if head is not None else []
        if not labels:
            return
        table.set("class", TABLE_CLASS)
        for th in head.iter("th"):
            th.set("scope", "col")
        for row in table.iter("tr"):
            if row.find("th[@scope]") is None:
                for label, cell in zip(labels, [c for c in row if c.tag in {"td", "th"}], strict=False):
                    cell.set("data-label", label)

    def run(self, root):
        for table in root.iter("table"):
            self._label_cells(table)
        for heading in root.iter("h1"):
            heading.tag = "h2"
        for div in root.iter("div"):
            classes = div.get("class", "").split()
            if "admonition" in classes:
                kind = next((c for c in classes if c in {"related", "safety"}), "related")
                div.set("class", f"callout callout-{kind}")
                div.set("role", "note")
                for p in div.iter("p"):
                    if "admonition-title" in p.get("class", ""):
                        p.set("class", "callout-title")
                    elif kind == "related":
                        self._link_title(p)


class _CalloutExtension(Extension):
    def __init__(self, link_titles=None):
        super().__init__()
        self.link_titles = link_titles

    def extendMarkdown(self, md):
        # Runs before the toc treeprocessor (priority 5) so demoted headings get ids too.
        md.treeprocessors.register(_CalloutTreeprocessor(md, self.link_titles), "rewire_callouts", 6)


def _markdown(link_titles=None):
    return markdown.Markdown(
        extensions=["extra", "sane_lists", "admonition", "toc", _CalloutExtension(link_titles)],
        extension_configs={"toc": {"toc_depth": "2-3"}},
        output_format="html",
    )


def render_article(text, link_titles=None):
    """Returns (safe_html, toc) where toc is a list of {"id", "title"} for the h2 sections.
    link_titles ({title: URL}) turns "Also read" callouts naming one of these titles into links."""
    md = _markdown(link_titles)
    body_html = sanitize(md.convert(text or ""))
    # toc names arrive HTML-escaped; the template escapes them again, so unescape here.
    toc = [{"id": token["id"], "title": html.unescape(token["name"])} for token in md.toc_tokens]
    return body_html, toc


def render_article_markdown(text):
    """The HTML alone: used for FAQ answers and by the admin's live preview."""
    return render_article(text)[0]


def reading_minutes(text, words_per_minute=220):
    words = len(re.findall(r"\w+", text or ""))
    return max(1, math.ceil(words / words_per_minute))
