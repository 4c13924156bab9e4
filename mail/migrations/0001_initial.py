# MailRecipient moved here from the comments app: the same table, so only Django's state changes.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comments", "0012_mail_recipient"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MailRecipient",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("email_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        ("last_mail_at", models.DateTimeField(db_index=True)),
                    ],
                    options={"db_table": "comments_mailrecipient"},
                ),
            ],
            database_operations=[],
        ),
    ]
