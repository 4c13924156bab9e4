"""Creates the "Moderators" group with the comments.moderate permission.

On a fresh database the Permission row does not exist yet during migrate (Django creates
permissions in post_migrate), so it is created here; post_migrate then finds it and
leaves it alone.
"""

from django.db import migrations

GROUP_NAME = "Moderators"


def create_moderators_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias

    content_type, _ = ContentType.objects.using(db).get_or_create(app_label="comments", model="comment")
    permission, _ = Permission.objects.using(db).get_or_create(
        codename="moderate", content_type=content_type, defaults={"name": "Can moderate stories"}
    )
    group, _ = Group.objects.using(db).get_or_create(name=GROUP_NAME)
    group.permissions.add(permission)


def remove_moderators_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_moderators_group, remove_moderators_group),
    ]
