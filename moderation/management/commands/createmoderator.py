"""manage.py createmoderator USERNAME [--email E] [--password P] [--editor] [--reviewer]

Makes an account in the "Moderators" group (the comments.moderate permission), which can
use the queue at /moderation/. With --editor it is also staff and in the "Editors" group
(pages/migrations/0002_editors_group.py): articles and their drafts, FAQs, references,
authors, topics, people and the site's pages in the Django admin. With --reviewer it is staff and in
the "Reviewers" group: it may sign off the articles whose reviewer is the person an editor links
to the account (People › "reviewer's account").

The password comes from --password; otherwise it is asked for twice when run in a terminal,
or generated and printed once when not.
"""

import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

GROUP_NAME = "Moderators"

EDITORS_GROUP_NAME = "Editors"
REVIEWERS_GROUP_NAME = "Reviewers"


class Command(BaseCommand):
    help = "Create a moderator account (in the Moderators group); --editor also lets it edit articles in the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Not recommended on shared machines: it ends up in shell history.")
        parser.add_argument(
            "--editor",
            action="store_true",
            help="Also staff, in the Editors group (articles, people, topics and site pages in the admin).",
        )
        parser.add_argument(
            "--reviewer", action="store_true", help="Also staff, in the Reviewers group (signs articles off)."
        )

    def handle(self, *args, username, email, password, editor, reviewer, **options):
        User = get_user_model()
        if User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        names = [GROUP_NAME] + [EDITORS_GROUP_NAME] * editor + [REVIEWERS_GROUP_NAME] * reviewer
        groups = list(Group.objects.filter(name__in=names))
        if len(groups) != len(names):
            raise CommandError(f"A group ({', '.join(names)}) is missing: run `manage.py migrate` first.")

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
            user.is_staff = editor or reviewer
            user.save()
            user.groups.add(*groups)

        roles = ", ".join(["editor"] * editor + ["reviewer"] * reviewer + ["staff"] * (editor or reviewer))
        self.stdout.write(self.style.SUCCESS(f"Created moderator {username!r}{f' ({roles})' if roles else ''}."))
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
