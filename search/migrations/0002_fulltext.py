"""The database's own full-text index of SearchEntry, kept in step by triggers, so every way a row is
written (save, bulk_create, update, delete, cascades) updates it.

SQLite: an FTS5 table `search_fts` (its own copy of title and text, with the article's id unindexed for
filtering), rowid = SearchEntry.id. PostgreSQL: `search_vector` (title weighted A, text B, English
stemming) filled by a trigger, with a GIN index. Each operation does nothing on the other database."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, text, article_id UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, title, text, article_id) VALUES (new.id, new.title, new.text, new.article_id); "
    "END",
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.id; "
    "END",
    "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_searchentry BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.id; "
    "INSERT INTO search_fts(rowid, title, text, article_id) VALUES (new.id, new.title, new.text, new.article_id); "
    "END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRESQL_FORWARD = [
    "CREATE FUNCTION search_entry_vector() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.search_vector := setweight(to_tsvector('english'::regconfig, coalesce(NEW.title, '')), 'A') "
    "|| setweight(to_tsvector('english'::regconfig, coalesce(NEW.text, '')), 'B'); "
    "RETURN NEW; END $$",
    "CREATE TRIGGER search_entry_vector BEFORE INSERT OR UPDATE ON search_searchentry "
    "FOR EACH ROW EXECUTE FUNCTION search_entry_vector()",
    "CREATE INDEX search_entry_vector_gin ON search_searchentry USING gin (search_vector)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_vector_gin",
    "DROP TRIGGER IF EXISTS search_entry_vector ON search_searchentry",
    "DROP FUNCTION IF EXISTS search_entry_vector()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]
