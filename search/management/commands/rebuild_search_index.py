from django.core.management.base import BaseCommand

from search import indexing


class Command(BaseCommand):
    help = (
        "Rebuilds the search index from scratch: every article's sections, every FAQ and every published story. "
        "Saves keep it in step; run this after loading rows without save() (bulk_create, loaddata, raw SQL)."
    )

    def handle(self, *args, **options):
        written = indexing.rebuild()
        self.stdout.write(f"search index rebuilt: {written} entries")
