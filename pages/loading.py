"""Loads the site's own pages from content/pages/<slug>.md (front matter: title, slug, summary and
optionally show_contact_address; then the Markdown body), with load_articles' rules: idempotent, and a page
an editor changed in the admin is skipped unless forced."""

import hashlib
import json

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from articles.management.commands.load_articles import FRONT_MATTER

from .models import Page

FIELDS = ["title", "slug", "summary", "body", "show_contact_address"]


def page_checksum(fields):
    return hashlib.sha256(json.dumps({n: fields[n] for n in FIELDS}, sort_keys=True).encode()).hexdigest()


def parse_page(md_path):
    """The page's fields from its file; CommandError naming the file if it is bad."""
    try:
        match = FRONT_MATTER.match(md_path.read_text(encoding="utf-8").replace("\r\n", "\n"))
        if not match:
            raise ValueError("no front matter between '---' lines")
        meta = yaml.safe_load(match.group(1)) or {}
        if not isinstance(meta, dict):
            raise ValueError("front matter must be a mapping")
        unknown = set(meta) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        page = Page(
            title=str(meta.get("title") or "").strip(),
            slug=str(meta.get("slug") or "").strip(),
            summary=str(meta.get("summary") or "").strip(),
            body=match.group(2).strip() + "\n",
            show_contact_address=bool(meta.get("show_contact_address", False)),
        )
        page.full_clean(exclude=["body_html", "loaded_checksum"], validate_unique=False)
    except (OSError, yaml.YAMLError, ValueError, TypeError, ValidationError) as error:
        raise CommandError(f"{md_path.name}: {error}") from error
    return {name: getattr(page, name) for name in FIELDS}


@transaction.atomic
def load_page(fields, force):
    """Creates or updates one page; the line to print ("created page about", "skipped page about: ...")."""
    slug = fields["slug"]
    page = Page.objects.select_for_update().filter(slug=slug).first()
    if page is not None:
        edited = page_checksum({n: getattr(page, n) for n in FIELDS}) != page.loaded_checksum
        if edited and not force:
            return f"skipped page {slug}: changed in the admin since it was loaded (use --force to overwrite)"
        if not edited and page_checksum(fields) == page.loaded_checksum:
            return f"unchanged page {slug}"
    action = "created" if page is None else "updated"
    page = page or Page()
    for name, value in fields.items():
        setattr(page, name, value)
    page.loaded_checksum = page_checksum(fields)
    page.save()
    return f"{action} page {slug}"
