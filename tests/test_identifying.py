"""The "may identify someone" flag: what it catches (names, places, workplaces, contact details), measured
on a labelled set, and how the moderation pages show the matched words."""

import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client
from django.urls import reverse

from comments import spam
from comments.identifying import identifying_matches
from comments.markdown import render_story_markdown
from comments.models import Comment
from moderation.templatetags.identifying import mark_identifying
from tests.environment import skip_outside_ci
from tests.factories import bulk_stories, make_article, make_story
from tests.xss_payloads import corpus

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
        skip_outside_ci(f"seed files not found at {SEEDS}")
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


# --- The moderation pages mark the words -----------------------------------------------------------------


def marks(response):
    page = BeautifulSoup(response.content.decode(), "html.parser")
    return [(mark.contents[0], mark.select_one(".visually-hidden").get_text()) for mark in page.select("mark")]


@pytest.mark.django_db
def test_queue_and_detail_page_mark_the_name_place_and_workplace(mod_client):
    story = make_story(body="My ex John Smith from Leeds, who works at Acme Bank, still messages my sister.")
    spam.apply_risk_flags(story)
    story.save()
    assert Comment.objects.get(pk=story.pk).flag_identifying
    expected = [
        ("John Smith", " (may identify someone: a name)"),
        ("Leeds", " (may identify someone: a place)"),
        ("Acme Bank", " (may identify someone: a workplace)"),
    ]
    assert marks(mod_client.get(reverse("moderation:queue"))) == expected
    assert marks(mod_client.get(reverse("moderation:moderate_story", args=[story.pk]))) == expected
    # The public page never shows the marks (and the story is not public yet anyway).
    story.status = Comment.Status.APPROVED
    story.save()
    assert b"<mark" not in Client().get(story.article.get_absolute_url()).content


@pytest.mark.django_db
def test_a_hostile_story_stays_escaped_inside_and_around_the_marks(mod_client):
    make_story(
        body="My ex John Smith<script>alert(1)</script> from Leeds works at Marks & Spencer's \"<img src=x "
        'onerror=alert(2)>" and typed &lt;b&gt; himself.'
    )
    page = mod_client.get(reverse("moderation:queue")).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<mark class="identifying">Marks &amp; Spencer&#x27;s<span' in page
    assert "typed &lt;b&gt; himself" in page  # an entity they typed is text, as on the public page
    assert [words for words, _ in marks(mod_client.get(reverse("moderation:queue")))] == [
        "John Smith",
        "Leeds",
        "Marks & Spencer's",
    ]


def structure(html):
    """Every element with its attributes, and the text, leaving out the marks and their labels."""
    tree = BeautifulSoup(html, "html.parser")
    for label in tree.select("mark > .visually-hidden"):
        label.decompose()
    for mark in tree.select("mark.identifying"):
        mark.unwrap()
    tree.smooth()
    return [(el.name, sorted(el.attrs.items())) for el in tree.find_all(True)], tree.get_text()


def test_marking_changes_nothing_but_the_marks_for_every_hostile_payload():
    """The filter unescapes text to search it: every payload of the XSS corpus comes out as the same
    elements and the same text as the sanitised input, whatever was matched around it."""
    marked = 0
    for payload in corpus():
        body_html = render_story_markdown(f"My ex John {payload.text} Smith from Leeds works at Acme {payload.text}")
        out = mark_identifying(body_html)
        assert structure(out) == structure(body_html), str(payload)
        marked += out.count("<mark")
    assert marked > len(corpus())  # the payloads really sat between marks


def test_a_match_across_inline_tags_is_marked_in_each_part():
    out = mark_identifying("<p>my ex <strong>John</strong> Smith, from <em>Leeds</em></p>")
    assert out == (
        '<p>my ex <strong><mark class="identifying">John</mark></strong><mark class="identifying"> Smith'
        '<span class="visually-hidden"> (may identify someone: a name)</span></mark>, from <em>'
        '<mark class="identifying">Leeds<span class="visually-hidden"> (may identify someone: a place)</span>'
        "</mark></em></p>"
    )


@pytest.mark.django_db
def test_queue_query_budget_with_100_identifying_stories(mod_client, django_assert_max_num_queries):
    """Same budget as the queue without marks (tests/test_moderation_queue.py): marking costs no query."""
    article = make_article()
    bulk_stories(
        article,
        100,
        flag_identifying=True,
        body="My ex John Smith from Leeds, who works at Acme Bank.",
        body_html="<p>My ex John Smith from Leeds, who works at Acme Bank.</p>",
    )
    with django_assert_max_num_queries(9):  # 8, and the watched words (one list per page)
        response = mod_client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    assert len(marks(response)) == 150  # 50 stories a page, three marks each
