"""The self-harm / suicide detector (comments.self_harm) on the labelled sentences in
tests/data/self_harm_sentences.yaml, the site's own articles, and the obfuscations people use.

No database: the detector is plain Python. The figures are printed (and repeated in any failure message),
with the old regex's figures on the same sentences for comparison.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from comments.self_harm import FAMILY_LABELS, flag_self_harm, self_harm_matches, states_intent_or_plan

ROOT = Path(__file__).resolve().parent.parent
DATA = yaml.safe_load((ROOT / "tests" / "data" / "self_harm_sentences.yaml").read_text(encoding="utf-8"))
MIN_RECALL = 0.95
MAX_FALSE_POSITIVES = 0.05
# Held-out sentences, never used to tune the rules (see the file's header). Recall there was 68.0% before the
# round of tuning that added this test and 80.0% after it; the floor below is that level minus 5 points, a guard
# against regressions, not a target to tune towards.
HELD_OUT = yaml.safe_load((ROOT / "tests" / "data" / "self_harm_heldout.yaml").read_text(encoding="utf-8"))
HELD_OUT_MIN_RECALL = 0.75
HELD_OUT_MAX_FALSE_POSITIVES = 0.08

# The regex the detector replaced (comments/spam.py before), kept only to compare figures.
OLD_PATTERN = re.compile(
    r"\b(suicid\w*|kill(?:ing)? my ?self|end(?:ing)? (?:my|it) (?:life|all)|end it all|take my (?:own )?life"
    r"|self[- ]?harm\w*|hurt(?:ing)? my ?self|cut(?:ting)? my ?self|(?:do ?n[o']?t|don't|no longer) want to "
    r"(?:live|be alive|be here|wake up)|want(?:ed)? to die|better off (?:dead|without me)|overdos\w*"
    r"|no reason to live|hang(?:ing)? my ?self)\b",
    re.IGNORECASE,
)


def _figures(flags, data=DATA):
    """Recall, false positives, per family and per trap for one detector (`flags(text) -> bool`)."""
    hits = Counter(x["family"] for x in data["flag"] if flags(x["text"]))
    families = Counter(x["family"] for x in data["flag"])
    false = Counter(x["trap"] for x in data["no_flag"] if flags(x["text"]))
    traps = Counter(x["trap"] for x in data["no_flag"])
    h, n, f, m = sum(hits.values()), sum(families.values()), sum(false.values()), sum(traps.values())
    return {
        "recall": h / n,
        "false_positives": f / m,
        "line": f"recall {h / n:.1%} ({h}/{n}), false positives {f / m:.1%} ({f}/{m})",
        "families": "  ".join(f"{k} {hits[k]}/{families[k]}" for k in families),
        "traps": "  ".join(f"{k} {false[k]}/{traps[k]}" for k in traps),
    }


def _report():
    new, old = _figures(flag_self_harm), _figures(lambda text: bool(OLD_PATTERN.search(text)))
    misses = [x["text"] for x in DATA["flag"] if not flag_self_harm(x["text"])]
    wrong = [x["text"] for x in DATA["no_flag"] if flag_self_harm(x["text"])]
    lines = [
        f"self-harm detector: {new['line']}",
        f"  per family (flagged/all): {new['families']}",
        f"  per trap (flagged/all):   {new['traps']}",
        f"old regex:          {old['line']}",
        f"  per family (flagged/all): {old['families']}",
        f"  per trap (flagged/all):   {old['traps']}",
        *(f"  missed: {text}" for text in misses),
        *(f"  wrongly flagged: {text}" for text in wrong),
    ]
    return new, "\n".join(lines)


def test_recall_and_false_positives_on_the_labelled_sentences(capsys):
    assert len(DATA["flag"]) >= 260 and len(DATA["no_flag"]) >= 260
    assert set(x["family"] for x in DATA["flag"]) == set(FAMILY_LABELS)
    new, report = _report()
    with capsys.disabled():  # shown without -s too
        print("\n" + report)
    assert new["recall"] >= MIN_RECALL, report
    assert new["false_positives"] <= MAX_FALSE_POSITIVES, report


def test_held_out_figures(capsys):
    """Figures on sentences the rules were never tuned on: printed, and a floor against regressions. Read the
    misses to understand the detector, never to add a rule for one of them (write fresh tuning sentences in
    self_harm_sentences.yaml instead)."""
    assert len(HELD_OUT["flag"]) >= 160 and len(HELD_OUT["no_flag"]) >= 160
    assert set(x["family"] for x in HELD_OUT["flag"]) == set(FAMILY_LABELS)
    held_out = _figures(flag_self_harm, HELD_OUT)
    report = "\n".join(
        [
            f"self-harm detector, held-out set: {held_out['line']}",
            f"  per family (flagged/all): {held_out['families']}",
            f"  per trap (flagged/all):   {held_out['traps']}",
        ]
    )
    with capsys.disabled():
        print("\n" + report)
    assert held_out["recall"] >= HELD_OUT_MIN_RECALL, report
    assert held_out["false_positives"] <= HELD_OUT_MAX_FALSE_POSITIVES, report


# --- The site's own writing is never flagged -----------------------------------------------------------


def _sentences(text):
    text = re.sub(r"[*_#>`|]+|^\s*(?:[-+]|\d+\.|!!!.*)\s", " ", text, flags=re.MULTILINE)
    return [s.strip() for s in re.split(r"(?<=[.!?…])\s+|\n+", text) if len(s.strip()) > 1]


def _site_writing():
    for path in sorted((ROOT / "content" / "articles").glob("*.md")):
        body = path.read_text(encoding="utf-8")
        if body.startswith("---"):
            body = body.split("---", 2)[2]
        yield from ((path.name, s) for s in _sentences(body))
    for path in sorted((ROOT / "content" / "articles").glob("*.yaml")):
        for faq in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("faqs", []):
            yield from ((path.name, s) for s in _sentences(f"{faq['question']}\n{faq['answer']}"))
    seeds = ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():
        for path in sorted(seeds.glob("*.txt")):
            yield from ((path.name, s) for s in _sentences(path.read_text(encoding="utf-8")))


def test_no_sentence_of_the_articles_is_flagged():
    sentences = list(_site_writing())
    assert len(sentences) > 100
    flagged = [(name, s) for name, s in sentences if flag_self_harm(s)]
    assert not flagged, flagged


# --- The issue's examples ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I wish I was dead",
        "I've started cutting again",
        "took a whole bottle of pills",
        "I'm going to end it tonight",
        "everyone would be better off if I was gone",
        "I want to unalive myself",
        "kms",
        "I want to k1ll myself",
        "I want to kill  myself",
        "sui cide",
        "I stockpiled my sleeping pills",
        "I've written letters to my kids in case I'm not here next week",
        "my sister took her own life",
        "I'd rather be dead than go back to him",
    ],
)
def test_the_issues_examples_are_flagged(text):
    assert flag_self_harm(text)


@pytest.mark.parametrize(
    "text",
    [
        "This job is killing me.",
        "I'm dying to know what happened.",
        "dead tired",
        "I finally cut ties with her.",
        "I ended it with him.",
        "Ego death on ketamine sounded terrifying.",
        "I'd kill for a holiday.",
        "I killed myself laughing.",
        "I'm shooting myself in the foot.",
        "He gave me an overdose of compliments.",
    ],
)
def test_figures_of_speech_are_not_flagged(text):
    assert not flag_self_harm(text)


# --- Obfuscations: flagged, and highlighted on the original characters ---------------------------------


@pytest.mark.parametrize(
    "text,word",
    [
        ("I keep thinking about sui\u200bcide.", "sui\u200bcide"),
        ("I keep thinking about sui\u00adcide.", "sui\u00adcide"),
        ("i keep thinking about s u i c i d e", "s u i c i d e"),
        ("I want to k1ll mys3lf tonight", "k1ll mys3lf"),
        ("\uff53\uff55\uff49\uff43\uff49\uff44\uff45 is on my mind", "\uff53\uff55\uff49\uff43\uff49\uff44\uff45"),
    ],
)
def test_obfuscations_are_flagged_on_the_original_characters(text, word):
    matches = self_harm_matches(text)
    assert matches, text
    start = text.index(word)
    assert any(m.start <= start and start + len(word) <= m.end for m in matches), [
        text[m.start : m.end] for m in matches
    ]
    assert all(0 <= m.start < m.end <= len(text) for m in matches)


def test_matches_are_ordered_without_overlaps_and_named():
    text = "I'm going to end it tonight. I've stockpiled my pills. My dad hanged himself."
    matches = self_harm_matches(text)
    assert [m.family for m in matches] == ["intent", "preparation", "other_person"]
    assert all(a.end <= b.start for a, b in zip(matches, matches[1:], strict=False))
    assert all(m.family in FAMILY_LABELS for m in matches)


# --- Intent or plan: "contact the writer" first --------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("I'm going to end it tonight", True),
        ("I stockpiled my sleeping pills", True),
        ("I wish I was dead", False),
        ("my sister took her own life", False),
    ],
)
def test_states_intent_or_plan(text, expected):
    assert states_intent_or_plan(text) is expected
