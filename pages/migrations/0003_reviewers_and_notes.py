"""Editors may also write editor's notes and see sign-offs; the "Reviewers" group signs articles off.

A reviewer (`createmoderator NAME --reviewer`) sees articles and what they show, and may sign off the ones they
are named reviewer of (articles/review.py): nothing else, in particular no editing."""

import importlib

from django.db import migrations, models

grant = importlib.import_module("pages.migrations.0002_editors_group").grant

EDITORS = {"articles": {"editornote": ["view", "add", "change", "delete"], "signoff": ["view"]}}
REVIEWERS = {
    "articles": {
        "article": ["view", "review"],
        "faq": ["view"],
        "reference": ["view"],
        "authorship": ["view"],
        "editornote": ["view"],
        "person": ["view"],
        "topic": ["view"],
        "signoff": ["view"],
    }
}


def forwards(apps, schema_editor):
    grant(apps, schema_editor, "Editors", EDITORS)
    grant(apps, schema_editor, "Reviewers", REVIEWERS)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name="Reviewers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0002_editors_group"),
        ("articles", "0006_review_dates_from_signoffs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="page",
            name="show_contact_address",
            field=models.BooleanField(
                default=False,
                help_text="Show who runs the site and its contact address (the SITE_* settings) under the text.",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
