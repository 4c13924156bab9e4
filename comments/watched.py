"""Moderators' watched words and phrases, found in a story's name and text.

Matching is on whole words, whatever the case or the Unicode form (NFKC, then casefold: "ＳＰＡＭ", "Spam"
and "spam" are one word), and a phrase's words may be separated by any spaces. The positions found are in
the original text, so that the moderation pages can mark the very words (comments/templatetags/identifying.py).
The list is read once per page or submission (watched_words()) and matched in Python.
"""

import re
import unicodedata
from typing import NamedTuple

from .models import WatchedWord


class WatchedMatch(NamedTuple):
    start: int
    end: int
    phrase: str
    action: str


class CompiledWord(NamedTuple):
    phrase: str
    action: str
    pattern: re.Pattern


def normalise(text):
    return unicodedata.normalize("NFKC", text or "").casefold()


def compile_word(phrase, action):
    words = normalise(phrase).split()
    if not words:
        return None
    return CompiledWord(phrase, action, re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)"))


def watched_words():
    """The moderators' list, compiled: one query."""
    compiled = (compile_word(phrase, action) for phrase, action in WatchedWord.objects.values_list("phrase", "action"))
    return [word for word in compiled if word]


def _folded(text):
    """The text normalised, with the span in the original text of each normalised character. A base
    character and the combining marks after it are normalised together ("e" + U+0301 is "é")."""
    folded, spans = [], []
    for start, end in _clusters(text):
        part = normalise(text[start:end])
        folded.append(part)
        spans += [(start, end)] * len(part)
    return "".join(folded), spans


def _clusters(text):
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not unicodedata.combining(text[index]):
            yield start, index
            start = index


def watched_matches(text, words):
    """[WatchedMatch] for each watched word or phrase in `text` (positions in `text`), in order, without
    overlaps (the longer match wins)."""
    if not text or not words:
        return []
    folded, spans = _folded(text)
    found = []
    for word in words:
        for m in word.pattern.finditer(folded):
            if m.end() > m.start():
                found.append(WatchedMatch(spans[m.start()][0], spans[m.end() - 1][1], word.phrase, word.action))
    chosen = []
    for match in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):
        if chosen and match.start < chosen[-1].end:
            continue
        chosen.append(match)
    return chosen
