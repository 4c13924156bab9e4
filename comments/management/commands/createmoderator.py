"""manage.py createmoderator USERNAME [--email E] [--password P] [--editor]

Makes an account in the "Moderators" group (the comments.moderate permission), which can
use the queue at /moderation/. With --editor it is also staff, with permission to edit
articles (and their FAQs and references) in the Django admin.

The password comes from --password; otherwise it is asked for twice when run in a terminal,
or generated and printed once when not.
"""

import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

GROUP_NAME = "Moderators"

# What an editor may do in the admin: edit articles and their inlines, and look at stories.
EDITOR_PERMISSIONS = [
    ("articles", "view_article"),
    ("articles", "change_article"),
    ("articles", "view_faq"),
    ("articles", "add_faq"),
    ("articles", "change_faq"),
    ("articles", "delete_faq"),
    ("articles", "view_reference"),
    ("articles", "add_reference"),
    ("articles", "change_reference"),
    ("articles", "delete_reference"),
    ("comments", "view_comment"),
    ("comments", "view_moderationevent"),
    ("comments", "view_report"),
]


class Command(BaseCommand):
    help = "Create a moderator account (in the Moderators group); --editor also lets it edit articles in the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Not recommended on shared machines: it ends up in shell history.")
        parser.add_argument(
            "--editor", action="store_true", help="Also staff, with article change permissions in the admin."
        )

    def handle(self, *args, username, email, password, editor, **options):
        User = get_user_model()
        if User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        try:
            group = Group.objects.get(name=GROUP_NAME)
        except Group.DoesNotExist:
            raise CommandError("The Moderators group is missing: run `manage.py migrate` first.") from None

        user = User(**{User.USERNAME_FIELD: username}, email=email)
        generated = False
        if password is None:
            if sys.stdin.isatty():
                password = self._prompt_password(user)
            else:
                password = secrets.token_urlsafe(18)
                generated = True
        else:
            self._validate(password, user)

        with transaction.atomic():
            user.set_password(password)
            user.is_staff = editor
            user.save()
            user.groups.add(group)
            if editor:
                permissions = self._editor_permissions()
                user.user_permissions.add(*permissions)

        self.stdout.write(self.style.SUCCESS(f"Created moderator {username!r}{' (editor, staff)' if editor else ''}."))
        if generated:
            self.stdout.write(f"Password (shown once, store it safely): {password}")

    def _validate(self, password, user):
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None

    def _prompt_password(self, user):
        for _attempt in range(3):
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
            if first != second:
                self.stderr.write("The passwords don't match. Try again.")
                continue
            try:
                validate_password(first, user)
            except ValidationError as error:
                self.stderr.write("; ".join(error.messages))
                continue
            return first
        raise CommandError("No valid password given.")

    def _editor_permissions(self):
        wanted = set(EDITOR_PERMISSIONS)
        found = [
            p
            for p in Permission.objects.filter(
                content_type__app_label__in={app for app, _ in wanted}, codename__in={code for _, code in wanted}
            ).select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
        if missing:
            raise CommandError(f"Missing permissions (run migrate first): {sorted(missing)}")
        return found
