"""load_articles, extended to load the site's own pages from content/pages/ as well.

This app is listed before `articles` in INSTALLED_APPS, so Django runs this command for `load_articles`
(documented "overriding commands"); articles/ stays unaware of pages/.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from articles.management.commands import load_articles
from pages.loading import load_page, parse_page


class Command(load_articles.Command):
    help = load_articles.Command.help + " Then the site's pages from content/pages/*.md."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--pages-path", type=Path, default=Path(settings.BASE_DIR) / "content" / "pages")

    def handle(self, *args, pages_path, force, **options):
        # Every page file is checked before anything (articles included) is stored.
        pages = [parse_page(md_path) for md_path in sorted(Path(pages_path).glob("*.md"))]
        slugs = [fields["slug"] for fields in pages]
        if len(set(slugs)) != len(slugs):
            raise CommandError(f"Duplicate slugs in {pages_path}: {sorted({s for s in slugs if slugs.count(s) > 1})}")
        super().handle(*args, force=force, **options)
        for fields in pages:
            self.stdout.write(load_page(fields, force))
