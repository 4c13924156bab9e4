# Private links move to a table of their own, so that a story can have several (asking again adds one, and
# the author stops the others herself). Each story's existing link is copied: links already given keep working.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_links(apps, schema_editor):
    Comment, PrivateLink = apps.get_model("comments", "Comment"), apps.get_model("comments", "PrivateLink")
    rows = Comment.objects.values_list("pk", "token_hash", "created_at").iterator(chunk_size=2000)
    batch = []
    for pk, token_hash, created_at in rows:
        batch.append(PrivateLink(story_id=pk, token_hash=token_hash, created_at=created_at))
        if len(batch) >= 2000:
            PrivateLink.objects.bulk_create(batch)
            batch = []
    PrivateLink.objects.bulk_create(batch)


def copy_links_back(apps, schema_editor):
    """Back to one link per story: the newest one stays, the others stop working."""
    Comment, PrivateLink = apps.get_model("comments", "Comment"), apps.get_model("comments", "PrivateLink")
    seen = set()
    for link in PrivateLink.objects.order_by("story_id", "-created_at", "-id").iterator():
        if link.story_id not in seen:
            seen.add(link.story_id)
            Comment.objects.filter(pk=link.story_id).update(token_hash=link.token_hash)


def mark_old_requests_handled(apps, schema_editor):
    """Requests made before this release were answered at once: nothing left to send."""
    LinkRecoveryRequest = apps.get_model("comments", "LinkRecoveryRequest")
    LinkRecoveryRequest.objects.filter(handled_at__isnull=True).update(handled_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0014_not_held_action"),
    ]

    operations = [
        migrations.CreateModel(
            name="PrivateLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="private_links",
                        to="comments.comment",
                    ),
                ),
            ],
        ),
        # Nullable while the links are copied back when reversed.
        migrations.AlterField(
            model_name="comment",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(copy_links, copy_links_back),
        migrations.RemoveField(model_name="comment", name="token_hash"),
        migrations.AddField(
            model_name="comment",
            name="email_confirmed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="linkrecoveryrequest",
            name="email",
            field=models.EmailField(blank=True, editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name="linkrecoveryrequest",
            name="handled_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="linkrecoveryrequest",
            index=models.Index(
                condition=models.Q(("handled_at__isnull", True)), fields=["id"], name="recovery_waiting_idx"
            ),
        ),
        migrations.RunPython(mark_old_requests_handled, migrations.RunPython.noop),
    ]
