"""Creates the "Editors" group: what an editor needs in the admin, and nothing more.

Articles (add, change and preview drafts; history and revert come with change), their FAQs, references and
authors, topics, people and the site's pages. Not users, groups, login records, the mail outbox or stories
(an editor made by `createmoderator --editor` sees stories as a moderator does, no more).

Here (not in articles) because it also grants the site pages' permissions. On a fresh database the Permission
rows do not exist yet during migrate (Django creates them in post_migrate), so they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Editors"

PERMISSIONS = {
    "articles": {
        "article": ["view", "add", "change"],
        "faq": ["view", "add", "change", "delete"],
        "reference": ["view", "add", "change", "delete"],
        "authorship": ["view", "add", "change", "delete"],
        "topic": ["view", "add", "change"],
        "person": ["view", "add", "change"],
    },
    "pages": {"page": ["view", "change"]},
}


def grant(apps, schema_editor, group_name, permissions):
    """Adds `permissions` ({app: {model: [action, ...]}}) to the group (made if missing)."""
    db = schema_editor.connection.alias
    for app_label in permissions:
        app_config = apps.get_app_config(app_label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True  # historical app configs have none: it would skip them
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=db)
        finally:
            app_config.models_module = models_module
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.using(db).get_or_create(name=group_name)
    for app_label, models in permissions.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            found = Permission.objects.using(db).filter(
                content_type__app_label=app_label, content_type__model=model, codename__in=codenames
            )
            group.permissions.add(*found)


def create_editors_group(apps, schema_editor):
    grant(apps, schema_editor, GROUP_NAME, PERMISSIONS)


def remove_editors_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("articles", "0004_topics"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_editors_group, remove_editors_group),
    ]
