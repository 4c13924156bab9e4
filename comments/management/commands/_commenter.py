"""Shared by the commands that act on one commenter's data, named by their email address."""

from django.core.management.base import BaseCommand, CommandError


class CommenterCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        email = email.strip()
        if "@" not in email:
            raise CommandError("Give an email address.")
        return self.handle_commenter(email)

    def handle_commenter(self, email):
        raise NotImplementedError
