"""Sources and the site's own voice: reference kinds and links, editor's notes after a section or an FAQ answer
(never inside the author's text), key points at the top of the article."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from articles.models import FAQ, Article, EditorNote, Reference
from tests.factories import make_article
from tests.helpers import soup

pytestmark = pytest.mark.django_db


def text(element):
    return " ".join(element.get_text().split())


def test_references_show_their_kind_and_link_when_they_have_a_url(client):
    article = make_article()
    Reference.objects.create(
        article=article, order=1, kind="research", source="pmc.ncbi.nlm.nih.gov", title="A trial",
        url="https://pmc.ncbi.nlm.nih.gov/articles/PMC1/",
    )  # fmt: skip
    Reference.objects.create(article=article, order=2, kind="provider", source="clinic.example", title="Our offer")
    items = soup(client.get(article.get_absolute_url())).select("section.references li")
    assert [text(li) for li in items] == [
        "pmc.ncbi.nlm.nih.gov — A trial Research",
        "clinic.example — Our offer A clinic that offers this treatment",
    ]
    assert items[0].select_one("a")["href"] == "https://pmc.ncbi.nlm.nih.gov/articles/PMC1/"
    assert items[1].select_one("a") is None


def test_an_article_without_references_says_so(client):
    page = soup(client.get(make_article().get_absolute_url()))
    assert text(page.select_one("section.references")) == (
        "References This article lists no references: its claims are not linked to published sources."
    )
    assert page.select_one('.toc a[href="#references"]') is not None


def test_the_seed_safety_note_follows_the_should_i_stay_answer_and_leaves_it_as_written(client):
    call_command("load_articles", stdout=io.StringIO())
    article = Article.objects.get(slug="neuroplasticity-narcissists-emotionally-awake")
    faq = article.faqs.get(question__startswith="Should I stay")
    assert faq.answer == (
        "Not without boundaries, support, and realistic expectations. Change is possible — but not guaranteed, "
        "and not your responsibility alone."
    )
    for url in (article.get_absolute_url(), article.get_faq_url(), "/faq/"):
        item = soup(client.get(url)).find("h3", string=faq.question).find_parent("div", class_="faq-item")
        answer, note = item.select_one(".faq-answer"), item.select_one("aside.editors-note")
        assert "Rewire's note" not in text(answer)  # the author's text stays the author's
        assert note["aria-label"] == "Rewire's note"
        assert text(note).startswith("Rewire's note Your safety comes first.")
        assert "the time around leaving is often the most dangerous" in text(note)
        assert note.select_one("a")["href"] == "/help/"
        assert answer.find_next_sibling("aside") == note  # right after the answer


def test_a_section_note_comes_after_its_section_before_the_next(client):
    article = make_article()  # sections "Where it starts" and "Where it goes"
    EditorNote.objects.create(article=article, section="where-it-starts", text="Our **own** words.")
    body = soup(client.get(article.get_absolute_url())).select_one(".article-body")
    note = body.select_one("aside.editors-note")
    assert text(note) == "Rewire's note Our own words."
    assert note.find_previous("h2")["id"] == "where-it-starts"
    assert note.find_next("h2")["id"] == "where-it-goes"


def test_a_note_belongs_to_one_part_of_its_own_article():
    article, other = make_article(), make_article("other")
    faq = FAQ.objects.create(article=other, order=1, question="Q?", answer="A.")
    for fields, message in [
        ({}, "either to a section or to an FAQ answer"),
        ({"section": "where-it-starts", "faq": faq}, "either to a section or to an FAQ answer"),
        ({"faq": faq}, "another article"),
        ({"section": "nowhere"}, "No section of this article"),
    ]:
        with pytest.raises(ValidationError, match=message):
            EditorNote(article=article, text="Note.", **fields).full_clean()


def test_key_points_open_the_article_and_join_the_description(client):
    points = "Change is possible but slow.\nIt is not your job.\nSafety comes first."
    article = make_article(key_points=points)
    response = client.get(article.get_absolute_url())
    box = soup(response).select_one("section.key-points")
    assert [text(li) for li in box.select("li")] == points.splitlines()
    assert box.find_previous("header") is not None and box.find_next("div", class_="article-body") is not None
    data = next(
        json.loads(script.string)
        for script in soup(response).select('script[type="application/ld+json"]')
        if json.loads(script.string)["@type"] == "MedicalWebPage"
    )
    assert data["description"] == f"{article.summary} Key points: {' '.join(points.splitlines())}"


def test_three_to_five_key_points_or_none():
    with pytest.raises(ValidationError, match="3 to 5 key points"):
        make_article(key_points="One.\nTwo.").full_clean()
    make_article("fine", key_points="One.\nTwo.\nThree.").full_clean()
