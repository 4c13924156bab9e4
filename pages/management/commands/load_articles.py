"""load_articles, extended to load the site's own pages from content/pages/ as well, and to check the help
resources (content/help.yaml) that ship with the content.

This app is listed before `articles` in INSTALLED_APPS, so Django runs this command for `load_articles`
(documented "overriding commands"); articles/ stays unaware of pages/.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from articles.management.commands import load_articles
from care import help
from pages.loading import load_page, parse_page


class Command(load_articles.Command):
    help = load_articles.Command.help + " Then the site's pages from content/pages/*.md."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--pages-path", type=Path, default=Path(settings.BASE_DIR) / "content" / "pages")
        parser.add_argument("--help-file", type=Path, default=help.HELP_FILE, help="The help resources to check.")

    def handle(self, *args, pages_path, help_file, force, **options):
        # A broken help file fails the load before anything is stored.
        try:
            resources = help.load(help_file)
        except help.HelpFileError as error:
            raise CommandError(str(error)) from error
        # Every page file is checked before anything (articles included) is stored.
        pages = [parse_page(md_path) for md_path in sorted(Path(pages_path).glob("*.md"))]
        slugs = [fields["slug"] for fields in pages]
        if len(set(slugs)) != len(slugs):
            raise CommandError(f"Duplicate slugs in {pages_path}: {sorted({s for s in slugs if slugs.count(s) > 1})}")
        super().handle(*args, force=force, **options)
        self.stdout.write(
            f"help resources checked: {len(resources.regions)} regions, {resources.resource_count} resources "
            f"({help_file.name})"
        )
        for fields in pages:
            self.stdout.write(load_page(fields, force))
