"""Review dates come from sign-offs from now on: the dates typed into files or forms before are cleared (none was
signed off), and the fingerprint of each article's text is recorded, with the publication date as its "Updated"
date (when the text last changed before this is not known).

load_articles no longer reads review dates from files, so the checksum of what it loaded leaves them out: an
article still as loaded gets its checksum recomputed without them (frozen copies of both formulas below), so the
next load does not take it for one an editor changed."""

import datetime
import hashlib
import json

from django.db import migrations

OLD_FIELDS = ["title", "slug", "summary", "body", "story_prompt", "status", "published_at", "last_reviewed", "stories_open"]
OLD_OPTIONAL = ["next_review", "reviewer", "authors"]
NEW_FIELDS = [name for name in OLD_FIELDS if name != "last_reviewed"]
NEW_OPTIONAL = ["reviewer", "authors"]


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def checksum(values, names, optional, faqs, references, topics):
    data = {
        "fields": {name: plain(values.get(name)) for name in names}
        | {name: plain(values[name]) for name in optional if values.get(name)},
        "faqs": [list(faq) for faq in faqs],
        "references": [list(ref) for ref in references],
    }
    if topics:
        data["topics"] = sorted(topics)
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def text_checksum(article, faqs):
    texts = [article.title, article.summary, article.key_points, article.body, [list(faq) for faq in faqs]]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.using(schema_editor.connection.alias).select_related("reviewer"):
        values = {name: getattr(article, name) for name in OLD_FIELDS + ["next_review"]}
        values["reviewer"] = article.reviewer.slug if article.reviewer else None
        values["authors"] = [a.person.slug for a in article.authorships.select_related("person").order_by("order", "id")]
        faqs = list(article.faqs.order_by("order").values_list("question", "answer"))
        references = list(article.references.order_by("order").values_list("source", "title", "url"))
        topics = list(article.topics.values_list("name", flat=True))
        loaded = article.loaded_checksum
        if loaded and loaded == checksum(values, OLD_FIELDS, OLD_OPTIONAL, faqs, references, topics):
            loaded = checksum(values, NEW_FIELDS, NEW_OPTIONAL, faqs, references, topics)
        Article.objects.filter(pk=article.pk).update(
            last_reviewed=None,
            next_review=None,
            loaded_checksum=loaded,
            text_checksum=text_checksum(article, faqs),
            text_changed_at=article.published_at or article.updated_at,
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_review_signoff_notes_key_points")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
