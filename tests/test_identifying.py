"""The "may identify someone" flag: what it catches (names, places, workplaces, contact details), measured
on a labelled set, and how the moderation pages show the matched words."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from comments import spam
from comments.identifying import identifying_matches

DATA = yaml.safe_load((Path(__file__).parent / "data" / "identifying_sentences.yaml").read_text(encoding="utf-8"))
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def matched(text):
    return [(text[m.start : m.end], m.kind) for m in identifying_matches(text)]


def test_the_labelled_set_is_big_enough():
    assert len(DATA["identifying"]) >= 40
    assert len(DATA["not_identifying"]) + len(DATA["seed_paragraphs"]) >= 40
    assert len(DATA["seed_paragraphs"]) >= 20


def test_recall_and_false_positives_on_the_labelled_set():
    missed = [text for text in DATA["identifying"] if not spam.flag_identifying(text)]
    ordinary = DATA["not_identifying"] + DATA["seed_paragraphs"]
    false_positives = [(text, matched(text)) for text in ordinary if spam.flag_identifying(text)]
    recall = 1 - len(missed) / len(DATA["identifying"])
    false_positive_rate = len(false_positives) / len(ordinary)
    print(f"\nidentifying: recall {recall:.1%} of {len(DATA['identifying'])}, missed: {missed}")
    print(f"false positives {false_positive_rate:.1%} of {len(ordinary)}: {false_positives}")
    assert recall >= 0.9
    assert false_positive_rate <= 0.1


def test_every_seed_paragraph_is_ordinary_text():
    """The articles' own words (diagnoses, therapies, headings in Title Case) are not names or places."""
    if not SEEDS.exists():
        pytest.skip(f"seed files not found at {SEEDS}")
    paragraphs = []
    for path in sorted(SEEDS.glob("*.txt")):
        paragraphs += [p.strip() for p in re.split(r"\n", path.read_text(encoding="utf-8")) if p.strip()]
    flagged = [(p, matched(p)) for p in paragraphs if identifying_matches(p)]
    print(f"\nseed lines flagged: {len(flagged)} of {len(paragraphs)}: {flagged}")
    assert len(flagged) <= 0.1 * len(paragraphs)


def test_a_name_a_place_and_a_workplace_are_each_found():
    text = "My ex John Smith from Leeds, who works at Acme Bank, still messages my sister."
    assert spam.flag_identifying(text)
    assert matched(text) == [("John Smith", "name"), ("Leeds", "place"), ("Acme Bank", "employer")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("her husband Mark checks her phone", [("Mark", "name")]),
        ("my mother, Linda, told everyone", [("Linda", "name")]),
        ("he lives in Hackney now", [("Hackney", "place")]),
        ("In Manchester nobody knew him", [("Manchester", "place")]),
        ("he is a manager at Tesco", [("Tesco", "employer")]),
        ("a guy called Tom", [("Tom", "name")]),
        ("he lives at 12 Oak Street now", [("12 Oak Street", "address")]),
        ("write to jo@example.org", [("jo@example.org", "email")]),
        ("ring 07700 900123", [("07700 900123", "phone")]),
        ("follow @someone", [("@someone", "handle")]),
        ("near LS1 4AB", [("LS1 4AB", "postcode")]),
        ("see instagram.com/someone.real", [("instagram.com/someone.real", "profile")]),
    ],
)
def test_each_kind_says_which_words(text, expected):
    assert matched(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I read about Narcissistic Personality Disorder and Ketamine here.",
        "The DMN and NPD explained a lot. God, I was naive.",
        "In March I left. On Monday I told my mum. I am safe now.",
        "Mum said I was too sensitive. Dad said nothing.",
        "It took me 3 years to leave, from 2015-2019.",
        "Narcissism Isn’t Set in Stone — It’s Molded in the Fire of the Brain",
    ],
)
def test_ordinary_capitals_are_not_flagged(text):
    assert matched(text) == []
