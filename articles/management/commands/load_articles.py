"""Loads content/articles/<slug>.md (front matter + Markdown body) and <slug>.yaml (faqs, references).

Never silently overwrites an article an editor changed in the admin: `loaded_checksum` remembers what was
loaded, and an article whose database content no longer matches it is skipped unless --force is given.

`authors:` (a list) and `reviewer:` name people an editor added in the admin, by slug or name: a file never
creates a person, and never says when an article was reviewed (a reviewer signs it off in the admin). Each load
that changes an article is stored as one revision (django-reversion) of it.

In the .yaml file a reference may say its `kind:` (research, guideline, provider, news, other) and `url:`; an FAQ
may carry the site's own `note:` (shown after its answer), and `notes:` lists notes after sections
(`section:` the heading's id, `text:`).
"""

import datetime
import hashlib
import json
import re
from pathlib import Path

import reversion
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.models import FAQ, Article, Person, Reference, Topic

FIELDS = ["title", "slug", "summary", "body", "story_prompt", "status", "published_at", "stories_open"]
# Added later: hashed only when set, so that the checksums stored before they existed still match.
OPTIONAL_FIELDS = ["reviewer", "authors"]
# Review dates come from a reviewer's sign-off (articles/review.py), never from a file.
SIGNED_OFF_ONLY = {"last_reviewed", "next_review"}
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", re.DOTALL)


def content_checksum(fields, faqs, references, topics=(), notes=()):
    """sha256 over the loaded values: fields is a dict, faqs (question, answer[, note]) and references (source,
    title, url[, kind]), topics names and section notes (section, text); what was added later (a kind other than
    "other", notes, topics) is left out when unset, so checksums stored before it existed still match."""

    def plain(value):
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, Person):
            return value.slug
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    optional = {name: plain(fields[name]) for name in OPTIONAL_FIELDS if fields.get(name)}
    data = {
        "fields": {name: plain(fields.get(name)) for name in FIELDS} | optional,
        "faqs": [list(faq) for faq in faqs],
        "references": [list(ref) for ref in references],
    }
    if topics:
        data["topics"] = sorted(topics)
    if notes:
        data["notes"] = [list(note) for note in notes]
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def faq_entry(question, answer, note):
    return (question, answer, note) if note else (question, answer)


def reference_entry(source, title, url, kind):
    return (source, title, url) if kind == Reference.Kind.OTHER else (source, title, url, kind)


def article_checksum(article):
    """The checksum of an article as it is stored in the database now."""
    faq_notes = dict(article.notes.filter(faq__isnull=False).values_list("faq_id", "text"))
    return content_checksum(
        {
            **{name: getattr(article, name) for name in FIELDS + ["reviewer"]},
            "authors": [authorship.person for authorship in article.authorships.select_related("person")],
        },
        [
            faq_entry(q, a, faq_notes.get(pk))
            for pk, q, a in article.faqs.order_by("order").values_list("pk", "question", "answer")
        ],
        [
            reference_entry(*ref)
            for ref in article.references.order_by("order").values_list("source", "title", "url", "kind")
        ],
        list(article.topics.values_list("name", flat=True)),
        list(article.notes.filter(faq__isnull=True).order_by("id").values_list("section", "text")),
    )


def find_person(name_or_slug, md_path):
    """The person a file names (by slug, or by name ignoring case); the file may not invent one."""
    if not isinstance(name_or_slug, str) or not name_or_slug.strip():
        raise ValueError(f"a person must be named by slug or name, not {name_or_slug!r}")
    name_or_slug = name_or_slug.strip()
    person = (
        Person.objects.filter(slug=name_or_slug).first() or Person.objects.filter(name__iexact=name_or_slug).first()
    )
    if person is None:
        raise ValueError(f"no person {name_or_slug!r}: add them in the admin (People) first")
    return person


def parse_article(md_path):
    """Returns (fields, faqs, references, topics, notes) from a .md file and its optional .yaml sidecar;
    CommandError if bad."""
    source = md_path  # the file named in an error
    try:
        match = FRONT_MATTER.match(md_path.read_text(encoding="utf-8").replace("\r\n", "\n"))
        if not match:
            raise ValueError("no front matter between '---' lines")
        meta = yaml.safe_load(match.group(1)) or {}
        source = md_path.with_suffix(".yaml")
        extra = (yaml.safe_load(source.read_text(encoding="utf-8")) if source.exists() else None) or {}
        source = md_path
        if not isinstance(meta, dict) or not isinstance(extra, dict):
            raise ValueError("front matter and .yaml file must be mappings")
        topics = meta.pop("topics", None) or []
        if not isinstance(topics, list) or not all(isinstance(t, str) and slugify(t) for t in topics):
            raise ValueError("topics must be a list of names")
        topics = sorted({" ".join(t.split()) for t in topics})
        if signed_off_only := sorted(SIGNED_OFF_ONLY & set(meta)):
            raise ValueError(
                f"{', '.join(signed_off_only)}: review dates come from a reviewer's sign-off in the admin, "
                "not from a file; remove the line"
            )
        unknown = (set(meta) - set(FIELDS + OPTIONAL_FIELDS)) | (set(extra) - {"faqs", "references", "notes"})
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        for key in ("title", "slug"):
            if not isinstance(meta.get(key), str) or not meta[key].strip():
                raise ValueError(f"missing {key}")
        faqs = [
            faq_entry(str(f["question"]).strip(), str(f["answer"]).strip(), str(f.get("note") or "").strip())
            for f in extra.get("faqs") or []
        ]
        references = [
            reference_entry(
                str(r["source"]).strip(),
                str(r["title"]).strip(),
                str(r.get("url") or "").strip(),
                str(r.get("kind") or Reference.Kind.OTHER).strip(),
            )
            for r in extra.get("references") or []
        ]
        notes = [(str(n["section"]).strip(), str(n["text"]).strip()) for n in extra.get("notes") or []]
        for question, answer, *_note in faqs:
            FAQ(question=question, answer=answer).full_clean(exclude=["article", "answer_html", "anchor"])
        for source_name, title, url, *kind in references:
            reference = Reference(source=source_name, title=title, url=url, kind=kind[0] if kind else "other")
            reference.full_clean(exclude=["article"])
        for section, text in notes:
            if not section or not text:
                raise ValueError("a note needs a section (a heading's id) and a text")
        article = Article(
            title=meta["title"].strip(),
            slug=meta["slug"].strip(),
            summary=str(meta.get("summary") or "").strip(),
            body=match.group(2).strip() + "\n",
            story_prompt=str(meta.get("story_prompt") or "").strip(),
            status=meta.get("status", Article.Status.DRAFT),
            published_at=meta.get("published_at"),
            stories_open=bool(meta.get("stories_open", True)),
            reviewer=find_person(meta["reviewer"], md_path) if meta.get("reviewer") else None,
        )
        authors = meta.get("authors") or []
        if not isinstance(authors, list):
            raise ValueError("authors must be a list of people's slugs or names")
        authors = [find_person(author, md_path) for author in authors]
        if len(set(authors)) != len(authors):
            raise ValueError("authors names someone twice")
        # Validates and converts (e.g. a date written as a string) exactly as the database will store it.
        article.full_clean(exclude=["body_html", "toc", "story_prompt_html", "loaded_checksum"], validate_unique=False)
        if article.published_at and timezone.is_naive(article.published_at):
            article.published_at = timezone.make_aware(article.published_at)
    except (OSError, yaml.YAMLError, ValueError, TypeError, KeyError, ValidationError) as error:
        raise CommandError(f"{source.name}: {error}") from error
    fields = {name: getattr(article, name) for name in FIELDS + ["reviewer"]}
    return fields | {"authors": authors}, faqs, references, topics, notes


class Command(BaseCommand):
    help = "Creates or updates articles, FAQs and references from content/articles/*.md (+ .yaml)."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=Path(settings.BASE_DIR) / "content" / "articles")
        parser.add_argument("--force", action="store_true", help="Overwrite articles changed in the admin.")

    def handle(self, *args, path, force, **options):
        files = sorted(Path(path).glob("*.md"))
        if not files:
            raise CommandError(f"No .md files in {path}")
        parsed = [parse_article(md_path) for md_path in files]  # every file is checked before anything is stored
        slugs = [fields["slug"] for fields, *_ in parsed]
        if len(set(slugs)) != len(slugs):
            raise CommandError(f"Duplicate slugs in {path}: {sorted({s for s in slugs if slugs.count(s) > 1})}")
        for md_path, (fields, faqs, references, topics, notes) in zip(files, parsed, strict=True):
            with reversion.create_revision():
                reversion.set_comment(f"Loaded from {self.shown_path(md_path)}")
                self.stdout.write(self.load(fields, faqs, references, topics, notes, force))

    @staticmethod
    def shown_path(md_path):
        """content/articles/x.md for the project's own files, the full path for others."""
        try:
            return md_path.resolve().relative_to(Path(settings.BASE_DIR).resolve()).as_posix()
        except ValueError:
            return str(md_path)

    @transaction.atomic
    def load(self, fields, faqs, references, topics, notes, force):
        slug = fields["slug"]
        article = Article.objects.select_for_update().filter(slug=slug).first()
        if article is not None:
            edited = article_checksum(article) != article.loaded_checksum
            if edited and not force:
                return f"skipped {slug}: changed in the admin since it was loaded (use --force to overwrite)"
            if not edited and content_checksum(fields, faqs, references, topics, notes) == article.loaded_checksum:
                return f"unchanged {slug}"
        action = "created" if article is None else "updated"
        article = article or Article()
        for name, value in fields.items():
            if name != "authors":
                setattr(article, name, value)
        article.save()
        article.authorships.all().delete()
        article.notes.all().delete()
        article.faqs.all().delete()
        article.references.all().delete()
        for order, person in enumerate(fields["authors"], start=1):
            article.authorships.create(order=order, person=person)
        for order, (question, answer, *note) in enumerate(faqs, start=1):
            faq = article.faqs.create(order=order, question=question, answer=answer)
            if note:
                article.notes.create(faq=faq, text=note[0])
        for order, (source, title, url, *kind) in enumerate(references, start=1):
            article.references.create(
                order=order, source=source, title=title, url=url, kind=kind[0] if kind else "other"
            )
        for section, text in notes:
            if section not in {item["id"] for item in article.toc}:
                raise CommandError(f"{slug}: a note names the section {section!r}, which the article does not have")
            article.notes.create(section=section, text=text)
        article.topics.set(
            [Topic.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0] for name in topics]
        )
        article.refresh_from_db()  # the checksum is of the values as stored
        if action == "created":
            article.text_checksum = ""  # with its FAQs, still the first text: dated from its publication
        article.note_text_change()
        Article.objects.filter(pk=article.pk).update(loaded_checksum=article_checksum(article))
        return f"{action} {slug}"
