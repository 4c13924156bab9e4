"""The two seed articles, loaded with `manage.py load_articles`, read on the page exactly as written.

Fidelity is checked against the seed files themselves (/work/shared/seeds), not against content/.
"""

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from articles.management.commands.load_articles import article_checksum
from articles.models import FAQ, Article, Reference
from tests.environment import skip_outside_ci

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
CONTENT = Path(settings.BASE_DIR) / "content" / "articles"
NARCISSISTS = ("000_eda92d17ed8e2c77.txt", "neuroplasticity-narcissists-emotionally-awake")
KETAMINE = ("001_c10b16440d99d76e.txt", "ketamine-for-npd")
# Headings in the seeds that the page renders itself (FAQ, references, story section) or that are UI text.
PAGE_SECTIONS = {"FAQs", "FAQ", "References", "Now Your Turn", "Leave a Comment"}

# load_articles checks the help resources (content/help.yaml) too and says so last.
HELP_CHECKED = "help resources checked: 5 regions, 9 resources (help.yaml)"
# ...and then the site's own pages (content/pages/, the pages app).
PAGES_UNCHANGED = [
    f"unchanged page {slug}" for slug in ["about", "community-guidelines", "contact", "editorial-policy", "privacy"]
]


def norm(text):
    """Whitespace as a reader sees it, plus the one agreed repair of a word run together in the seed."""
    text = text.replace("expressionmeaning", "expression — meaning")
    return re.sub(r"\s+", " ", text).strip()


def text_of(element):
    return norm(element.get_text(" "))


def assert_in_order(expected, text):
    position = 0
    for line in expected:
        found = text.find(line, position)
        assert found >= 0, f"missing or out of order: {line!r}"
        position = found + len(line)


class Seed:
    """The seed file split the way the page is: body, FAQs, references, story prompt, broken table."""

    def __init__(self, filename):
        path = SEEDS / filename
        if not path.exists():
            skip_outside_ci(f"seed files not found at {SEEDS}: fidelity can only be checked against them")
        self.raw = path.read_text(encoding="utf-8")
        lines = self.raw.split("\n")
        self.title = lines[0].strip()
        sections, current, blanks = {"body": []}, "body", 0
        self.headings, self.items, self.table = [], [], []
        for index, line in enumerate(lines):
            stripped = norm(line)
            if not stripped:
                blanks += 1
                continue
            if stripped in PAGE_SECTIONS:
                current = stripped
                sections.setdefault(current, [])
            elif stripped.startswith("|"):
                self.table.append(stripped)
            else:
                bullet = re.match(r"^(?:•|- )\s*(.*)$", stripped)
                if bullet:
                    stripped = bullet.group(1)
                    self.items.append(stripped)
                elif current == "body" and self._is_heading(filename, index, stripped, blanks):
                    self.headings.append(stripped)
                sections[current].append(stripped)
            blanks = 0
        body = sections["body"]
        self.body = body[1:] if filename == NARCISSISTS[0] else body  # seed 001 opens with a section heading
        self.shown = []  # the body as the page shows it: the "Also read:" line is a callout's title and text
        for line in self.body:
            also_read = re.match(r"^Also read:\s*(.*)$", line)
            self.shown += ["Also read", also_read.group(1)] if also_read else [line]
        faq_lines = sections.get("FAQs") or sections.get("FAQ")
        self.faqs = [(re.sub(r"^\d+\.\s+", "", q), a) for q, a in zip(faq_lines[::2], faq_lines[1::2], strict=True)]
        self.references = sections.get("References", [])
        self.prompt = sections.get("Now Your Turn", [])

    @staticmethod
    def _is_heading(filename, index, line, blanks_before):
        if filename == NARCISSISTS[0]:
            # Seed 000 sets its section titles off by two blank lines; its line 0 is the title.
            return index > 0 and blanks_before >= 2
        # In seed 001 every paragraph ends with punctuation; section titles do not.
        return not line.endswith((".", "?", "!", ":", "”", "’", "'"))

    def table_cells(self):
        """The broken seed table's cells, in reading order: (header, rows of three)."""
        cells = [cell.strip() for line in self.table for cell in line.split("|")]
        cells = [cell for cell in cells if cell and not set(cell) <= {"-"}]
        header, rest = cells[:3], cells[3:]
        return header, [rest[i : i + 3] for i in range(0, len(rest), 3)]


@pytest.fixture
def loaded(db):
    out = StringIO()
    call_command("load_articles", stdout=out)
    return out.getvalue()


def stories_section(soup):
    """The "Now Your Turn" section: id "stories" is on the section or on its heading."""
    target = soup.find(id="stories")
    return target if target.name == "section" else target.find_parent("section")


def get_page(client, slug):
    response = client.get(Article.objects.get(slug=slug).get_absolute_url())
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.mark.django_db
@pytest.mark.parametrize("seed_file, slug", [NARCISSISTS, KETAMINE])
def test_every_seed_line_is_on_the_page_in_order(loaded, client, seed_file, slug):
    seed = Seed(seed_file)
    soup = get_page(client, slug)
    body = soup.select_one(".article-body")
    assert_in_order(seed.shown, text_of(body))
    assert [text_of(h2) for h2 in body.find_all("h2")] == seed.headings
    rendered_items = [text_of(li) for li in body.find_all("li")]
    assert rendered_items == seed.items
    if seed_file == NARCISSISTS[0]:
        assert text_of(soup.find("h1")) == seed.title


@pytest.mark.django_db
def test_nothing_is_shown_run_together_or_twice(loaded, client):
    for seed_file, slug in (NARCISSISTS, KETAMINE):
        seed = Seed(seed_file)
        soup = get_page(client, slug)
        assert "expressionmeaning" not in soup.decode()
        body = text_of(soup.select_one(".article-body"))
        for line in seed.shown:
            if len(line) > 30:  # long enough not to be part of another line
                assert body.count(line) == 1, f"shown {body.count(line)} times: {line!r}"
    body = text_of(get_page(client, NARCISSISTS[1]).select_one(".article-body"))
    assert "oxytocin receptor expression — meaning their brains struggle to connect" in body


@pytest.mark.django_db
def test_lead_terms_are_bold_and_the_integration_guide_is_numbered(loaded, client):
    seed = Seed(KETAMINE[0])
    body = get_page(client, KETAMINE[1]).select_one(".article-body")
    for li in body.find_all("li"):
        assert li.find("strong") and text_of(li).startswith(text_of(li.find("strong")))
    guide = body.find("h2", string="Step-by-Step Integration Therapy Guide").find_next(["ul", "ol"])
    assert guide.name == "ol"
    steps = [text_of(li) for li in guide.find_all("li")]
    start = seed.items.index("Immediate Reflection: Journaling or discussing the session within 24 hours while "
                             "neuroplasticity is at its peak.")  # fmt: skip
    assert steps == seed.items[start : start + 5]


@pytest.mark.django_db
def test_comparison_table_is_a_real_table(loaded, client):
    header, rows = Seed(KETAMINE[0]).table_cells()
    assert header == ["Feature", "Treatment for NPD Patient", "Recovery for Abuse Victim"]
    assert [row[0] for row in rows] == [
        "Primary Goal",
        "Neurobiological Focus",
        "Therapeutic Vibe",
        "Session Intent",
        "Integration Style",
    ]
    tables = get_page(client, KETAMINE[1]).select(".article-body table")
    assert len(tables) == 1
    assert [text_of(th) for th in tables[0].select("thead th")] == header
    assert [[text_of(td) for td in tr.find_all("td")] for tr in tables[0].select("tbody tr")] == rows
    assert "|" not in text_of(tables[0].find_parent(class_="article-body"))


@pytest.mark.django_db
@pytest.mark.parametrize("seed_file, slug, count", [(*NARCISSISTS, 5), (*KETAMINE, 10)])
def test_faqs_are_questions_and_answers_in_order(loaded, client, seed_file, slug, count):
    seed = Seed(seed_file)
    assert len(seed.faqs) == count
    soup = get_page(client, slug)
    items = soup.select("section.faqs .faq-item")
    shown = [(text_of(d.select_one(".faq-question")), text_of(d.select_one(".faq-answer"))) for d in items]
    assert shown == seed.faqs
    body = text_of(soup.select_one(".article-body"))
    assert not any(question in body for question, _ in seed.faqs)


@pytest.mark.django_db
def test_references(loaded, client):
    seed = Seed(KETAMINE[0])
    assert len(seed.references) == 3
    soup = get_page(client, KETAMINE[1])
    # Each with its kind; the two clinics said to be clinics that offer the treatment.
    kinds = ["A clinic that offers this treatment", "Research", "A clinic that offers this treatment"]
    assert [text_of(li) for li in soup.select("section.references li")] == [
        f"{reference} {kind}" for reference, kind in zip(seed.references, kinds, strict=True)
    ]
    # An article without references says so.
    assert text_of(get_page(client, NARCISSISTS[1]).select_one("section.references")) == (
        "References This article lists no references: its claims are not linked to published sources."
    )


@pytest.mark.django_db
def test_related_reading_and_safety_callouts(loaded, client):
    related = get_page(client, NARCISSISTS[1]).select(".article-body .callout-related")
    assert len(related) == 1
    assert text_of(related[0].select_one(".callout-title")) == "Also read"
    assert text_of(related[0]).endswith(
        "7 Sneaky Ways Shame Tricks You Into Loving a Narcissist (Even When You Know Better)"
    )
    assert not related[0].find("a")  # that article does not exist here: no invented link

    seed = Seed(KETAMINE[0])
    safety_lines = seed.body[seed.body.index("Safety Check and Support Options") :]
    assert len(safety_lines) == 6  # heading, intro paragraph, four crisis signals
    safety = get_page(client, KETAMINE[1]).select(".article-body .callout-safety")
    assert len(safety) == 1 and safety[0].get("role") == "note"
    assert_in_order(safety_lines, text_of(safety[0]))
    assert [text_of(li) for li in safety[0].find_all("li")] == safety_lines[2:]


@pytest.mark.django_db
def test_story_prompt_is_in_the_now_your_turn_section_not_the_body(loaded, client):
    seed = Seed(NARCISSISTS[0])
    assert seed.prompt and seed.prompt[0] == "Do you believe narcissists can change?"
    soup = get_page(client, NARCISSISTS[1])
    stories = stories_section(soup)
    assert text_of(stories.find("h2")) == "Now Your Turn"
    assert_in_order(seed.prompt, text_of(stories.select_one(".story-prompt")))
    body = text_of(soup.select_one(".article-body"))
    assert not any(line in body for line in seed.prompt if len(line) > 12)
    assert "Leave a Comment" not in body and "Now Your Turn" not in body


@pytest.mark.django_db
def test_an_article_without_a_prompt_of_its_own_gets_the_standard_heading(loaded, client):
    """Seed 001 has no story prompt: the site invents none, and "Now Your Turn" (seed 000's) is not used."""
    seed = Seed(KETAMINE[0])
    assert not seed.prompt and "Now Your Turn" not in seed.raw
    assert Article.objects.get(slug=KETAMINE[1]).story_prompt == ""
    soup = get_page(client, KETAMINE[1])
    assert "Now Your Turn" not in soup.decode()
    stories = stories_section(soup)
    assert text_of(stories.find("h2")) == "Share your story"
    assert stories.select_one(".story-prompt") is None
    # Nor seed 000's "Leave a Comment" (its page's last line) under the form: the site's own heading.
    assert "Leave a Comment" not in soup.decode()
    assert text_of(soup.find(id="leave-a-comment-heading")) == "Write your story"
    # The story form's own page (and the page a story comes back to with errors) has the site's heading only.
    for response in (
        client.get(reverse("comments:post", args=[KETAMINE[1]])),
        client.post(reverse("comments:post", args=[KETAMINE[1]]), {"name": "Robin", "body": ""}),
    ):
        page = BeautifulSoup(response.content.decode(), "html.parser")
        assert "Now Your Turn" not in page.decode() and "Leave a Comment" not in page.decode()
        assert text_of(page.h1).endswith("Write your story")


@pytest.mark.django_db
def test_a_database_loaded_with_the_invented_prompt_loses_it_on_the_next_load(tmp_path, client):
    """An existing site loaded the ketamine article with a prompt the seed does not have: the next
    `load_articles` removes it (the article was not edited in the admin), and shows the standard heading."""
    shutil.copytree(CONTENT, tmp_path, dirs_exist_ok=True)
    md = tmp_path / f"{KETAMINE[1]}.md"
    md.write_text(
        md.read_text(encoding="utf-8").replace(
            "stories_open: true\n",
            "stories_open: true\nstory_prompt: |\n  Whether you are the one seeking treatment or the one healing"
            " from a relationship, you can share your experience below.\n",
        ),
        encoding="utf-8",
    )
    call_command("load_articles", "--path", tmp_path, stdout=StringIO())
    assert "Now Your Turn" in get_page(client, KETAMINE[1]).decode()
    out = StringIO()
    call_command("load_articles", stdout=out)
    assert out.getvalue().splitlines() == [
        "updated ketamine-for-npd",
        "unchanged neuroplasticity-narcissists-emotionally-awake",
        HELP_CHECKED,
        *PAGES_UNCHANGED,
    ]
    assert Article.objects.get(slug=KETAMINE[1]).story_prompt == ""
    assert "Now Your Turn" not in get_page(client, KETAMINE[1]).decode()


@pytest.mark.django_db
def test_loading_twice_changes_nothing(loaded):
    counts = (Article.objects.count(), FAQ.objects.count(), Reference.objects.count())
    assert counts == (2, 15, 3)
    assert "created ketamine-for-npd" in loaded
    checksums = {a.slug: a.loaded_checksum for a in Article.objects.all()}
    out = StringIO()
    call_command("load_articles", stdout=out)
    assert out.getvalue().splitlines() == [
        "unchanged ketamine-for-npd",
        "unchanged neuroplasticity-narcissists-emotionally-awake",
        HELP_CHECKED,
        *PAGES_UNCHANGED,
    ]
    assert (Article.objects.count(), FAQ.objects.count(), Reference.objects.count()) == counts
    assert {a.slug: a.loaded_checksum for a in Article.objects.all()} == checksums
    assert all(article_checksum(a) == a.loaded_checksum for a in Article.objects.all())


@pytest.mark.django_db
def test_an_edit_in_the_admin_is_kept_unless_forced(loaded, client):
    article = Article.objects.get(slug=NARCISSISTS[1])
    original = article.summary
    article.summary = "Edited"
    article.save()
    out = StringIO()
    call_command("load_articles", stdout=out)
    assert (
        f"skipped {article.slug}: changed in the admin since it was loaded (use --force to overwrite)" in out.getvalue()
    )
    assert "unchanged ketamine-for-npd" in out.getvalue()
    assert text_of(get_page(client, article.slug).select_one(".lead")) == "Edited"

    faq = FAQ.objects.filter(article__slug=KETAMINE[1]).first()
    faq.answer = "Edited answer"
    faq.save()
    call_command("load_articles", stdout=StringIO())
    assert FAQ.objects.get(pk=faq.pk).answer == "Edited answer"

    out = StringIO()
    call_command("load_articles", "--force", stdout=out)
    assert out.getvalue().splitlines() == [
        "updated ketamine-for-npd",
        f"updated {article.slug}",
        HELP_CHECKED,
        *PAGES_UNCHANGED,
    ]
    assert text_of(get_page(client, article.slug).select_one(".lead")) == original
    assert "Edited answer" not in get_page(client, KETAMINE[1]).decode()
    assert FAQ.objects.count() == 15


@pytest.mark.django_db
def test_a_changed_file_updates_the_article(tmp_path, client):
    shutil.copytree(CONTENT, tmp_path, dirs_exist_ok=True)
    call_command("load_articles", "--path", tmp_path, stdout=StringIO())
    md = tmp_path / f"{KETAMINE[1]}.md"
    md.write_text(md.read_text(encoding="utf-8").replace("ego-loss", "ego loss"), encoding="utf-8")
    out = StringIO()
    call_command("load_articles", "--path", tmp_path, stdout=out)
    assert out.getvalue().splitlines() == [
        "updated ketamine-for-npd",
        "unchanged neuroplasticity-narcissists-emotionally-awake",
        HELP_CHECKED,
        *PAGES_UNCHANGED,
    ]
    assert "with the level of ego loss." in text_of(get_page(client, KETAMINE[1]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "front_matter",
    [
        "---\nslug: no-title\nsummary: S\n---\nBody\n",
        "---\ntitle: No slug\nsummary: S\n---\nBody\n",
        "---\ntitle: [unclosed\nslug: bad-yaml\n---\nBody\n",
        "title: No front matter\n\nBody\n",
    ],
)
def test_bad_files_store_nothing(tmp_path, front_matter):
    shutil.copy(CONTENT / f"{KETAMINE[1]}.md", tmp_path)
    shutil.copy(CONTENT / f"{KETAMINE[1]}.yaml", tmp_path)
    (tmp_path / "zz-broken.md").write_text(front_matter, encoding="utf-8")
    with pytest.raises(CommandError, match="zz-broken.md"):
        call_command("load_articles", "--path", tmp_path, stdout=StringIO())
    assert (Article.objects.count(), FAQ.objects.count(), Reference.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_bad_yaml_sidecar_stores_nothing(tmp_path):
    shutil.copy(CONTENT / f"{KETAMINE[1]}.md", tmp_path)
    (tmp_path / f"{KETAMINE[1]}.yaml").write_text("faqs:\n  - question: [x\n", encoding="utf-8")
    with pytest.raises(CommandError, match=f"{KETAMINE[1]}.yaml"):
        call_command("load_articles", "--path", tmp_path, stdout=StringIO())
    assert Article.objects.count() == 0
