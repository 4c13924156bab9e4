# MailRecipient now lives in the mail app (same table): only Django's state forgets it here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0012_mail_recipient"),
        ("mail", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MailRecipient")],
            database_operations=[],
        ),
    ]
