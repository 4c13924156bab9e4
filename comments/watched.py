"""Moderators' watched words and phrases, found in a story's name and text.

Matching is on whole words of a normalised form of the text, so that the usual disguises do not slip a word
past the list:
- NFKC, then casefold: "ＳＰＡＭ", "Spam" and "spam" are one word;
- invisible characters are dropped (zero-width spaces, soft hyphens: Unicode's default-ignorable ones);
- letters from other scripts that look like Latin ones are read as those (Cyrillic "с" as "c"), from
  Unicode's confusables table as the confusable-homoglyphs package ships it;
- hyphens inside a word are ignored ("crow-bar"), and so is one space between every letter ("c r o w b a r");
- a simple plural or possessive still matches ("crowbars", "crowbar's"), a longer word does not ("crowbarista").
A phrase's words may be separated by any spaces or a hyphen; words separated by punctuation ("crow, bar") or
a single space ("crow bar") are not one word. The positions found are in the original text, so that the
moderation pages can mark the very characters (moderation/templatetags/identifying.py).
The list is read once per page or submission (watched_words()) and matched in Python.
"""

import re
import unicodedata
from typing import NamedTuple

from confusable_homoglyphs.confusables import confusables_data

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


def _latin_lookalikes():
    """{character: its Latin look-alike} for characters outside ASCII that Unicode lists as confusable with
    exactly one ASCII letter, apostrophe or hyphen (Cyrillic "с" -> "c", "’" -> "'", "‐" -> "-")."""
    table = {}
    for char, similar in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        targets = {s["c"].lower() for s in similar if len(s["c"]) == 1 and (s["c"].isalpha() or s["c"] in "'-")}
        targets = {t for t in targets if t.isascii()}
        if len(targets) == 1:
            table[char] = targets.pop()
    return table


_LATIN = _latin_lookalikes()
# Default-ignorable code points: the format characters (Cf: zero-width space and joiners, soft hyphen, word
# joiner, BOM...), variation selectors and the few invisible letters Unicode also lists.
_OTHER_IGNORABLE = set("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0")
HYPHEN = "-"


def _ignorable(char):
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or char in _OTHER_IGNORABLE
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


def _normalise_part(text):
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(_LATIN.get(char, char) for char in folded if not _ignorable(char))


def normalise(text):
    """The form that watched words are matched on (also how the list tells two phrases are the same)."""
    return _folded(text or "")[0]


def _word_pattern(word, last):
    letters = [re.escape(char) for char in word if char != HYPHEN]
    if not letters:
        return None
    # "crowbar", "crow-bar", or one space between every letter: "c r o w b a r".
    pattern = "(?:" + "-?".join(letters) + ("|" + " ".join(letters) if len(letters) > 1 else "") + ")"
    return pattern + "(?:e?s|'s)?" if last else pattern


def compile_word(phrase, action):
    words = normalise(phrase).split()
    parts = [_word_pattern(word, last=index == len(words) - 1) for index, word in enumerate(words)]
    parts = [part for part in parts if part]
    if not parts:
        return None
    return CompiledWord(phrase, action, re.compile(r"(?<!\w)" + r"(?:\s+|-)".join(parts) + r"(?!\w)"))


def watched_words():
    """The moderators' list, compiled: one query."""
    compiled = (compile_word(phrase, action) for phrase, action in WatchedWord.objects.values_list("phrase", "action"))
    return [word for word in compiled if word]


def _folded(text):
    """The text normalised, with the span in the original text of each normalised character. A base
    character and the combining marks after it are normalised together ("e" + U+0301 is "é"); a dropped
    invisible character has no span of its own, so a match around it spans it."""
    folded, spans = [], []
    for start, end in _clusters(text):
        part = _normalise_part(text[start:end])
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
