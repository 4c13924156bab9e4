"""Fills a freshly migrated bench database with stories (run by bench/run.py after `migrate` and `load_articles`).

    DJANGO_SETTINGS_MODULE=bench.settings python bench/seed.py --stories 10000 --total 100000 --meta meta.json

* The first published article gets `--stories` approved top-level stories; every 5th of them has 2 approved
  replies. Their created_at rises with the id, spread over the past year.
* The rest, up to `--total` comments, are spread over both articles in every status: approved (on the other
  article, a few with open reports), pending (the moderation queue), rejected, spam and withdrawn.
* Rows are written with bulk_create in batches, with explicit ids. bulk_create skips Comment.save(), so body_html
  is rendered once per distinct text with the real story renderer and reused (no private links: nothing opens their status pages).
* The search index rebuilt (`manage.py rebuild_search_index`): bulk_create sends no signals.
* A moderator account (Moderators group, comments.moderate permission) and a ready-made session for it.

Writes a JSON file describing what it built (slugs, ids, page counts, queue size, credentials) for run.py.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles.models import Article  # noqa: E402
from comments.markdown import render_story_markdown  # noqa: E402
from comments.models import Comment, Report  # noqa: E402
from core.hashing import hash_network_address, hash_token  # noqa: E402

Status = Comment.Status
MODERATOR = "bench-moderator"
MODERATOR_PASSWORD = "quiet-harbour-lantern-7319"  # a throwaway account in a throwaway database
BATCH = 2000

SENTENCES = [
    "I was with him for eleven years before I understood what was happening.",
    "The hardest part was not leaving; it was believing my own memory again.",
    "My therapist called it *intermittent reinforcement*, and suddenly the whole pattern made sense.",
    "Some days I still hear her voice when I make a decision on my own.",
    "I started keeping a journal so I could check what really happened.",
    "Reading about neuroplasticity gave me hope that the anxiety is not permanent.",
    "Grey rock worked better than any argument I ever tried.",
    "It took two years of no contact before I slept through the night.",
    "I recognise some of these traits in myself, and that scares me, but I want to change.",
    "My sister was the golden child and I was the scapegoat; we are only now talking honestly.",
    "What helped most was a support group where nobody asked me to prove anything.",
    "I do not think everyone can change, but I have seen my father soften in his seventies.",
    "The article describes the **love bombing** phase exactly as I lived it.",
    "Please be careful with ketamine clinics that promise miracles; ask about aftercare.",
    "I wish someone had told me earlier that walking on eggshells is not normal.",
    "Our children are the reason I keep the communication short and written.",
    "Mindfulness felt silly at first, but noticing the spiral early changed a lot for me.",
    "I found the research summaries at https://example.org/research useful as a start.",
]
LIST_BLOCK = (
    "\n\nWhat helped me:\n\n- a therapist who knew the topic\n- writing things down\n- friends who believed me\n\n"
)
QUOTE_BLOCK = "\n\n> You are not too sensitive. You were made to feel that way.\n\n"
NAMES = ["Anna", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Grace", "Hugo", "Ines", "Jon", "Kai", "Lena", "Maya",
         "Noor", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vik", "Wren", "Yara", "Zoe"]  # fmt: skip


def make_texts(rng, count=60):
    """Distinct story texts from ~150 to ~1,500 characters, some with lists, quotes, emphasis and links."""
    texts = []
    for index in range(count):
        parts = rng.sample(SENTENCES, rng.randint(2, 14))
        paragraphs = [" ".join(parts[i : i + 3]) for i in range(0, len(parts), 3)]
        text = "\n\n".join(paragraphs)
        if index % 4 == 1:
            text += LIST_BLOCK + rng.choice(SENTENCES)
        if index % 5 == 2:
            text = rng.choice(SENTENCES) + QUOTE_BLOCK + text
        texts.append(f"{text}\n\n(Story {index + 1}.)")
    return [(text, render_story_markdown(text)) for text in texts]


def batched(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(args, target, other, moderator, rng):
    """Yields unsaved Comment rows with explicit ids; fills `summary` as it goes."""
    texts = make_texts(rng)
    # 70% of rows from an address seen once; 30% from 3,000 shared or returning addresses (~10 rows each).
    ip_hashes = [hash_network_address(f"10.0.{i // 256}.{i % 256}") for i in range(3000)]
    now = timezone.now()
    year = datetime.timedelta(days=365)
    next_id = 1
    summary = {"first_story_id": None, "last_story_id": None, "reported": 0, "by_status": {}}

    def row(article, status, created_at, parent=None, **extra):
        nonlocal next_id
        body, body_html = ("", "") if status == Status.WITHDRAWN else rng.choice(texts)
        decided = status in (Status.APPROVED, Status.REJECTED, Status.SPAM)
        comment = Comment(
            id=next_id,
            article=article,
            parent_id=parent,
            name=f"{rng.choice(NAMES)} {next_id % 97}",
            email=f"reader{next_id}@example.org" if next_id % 3 == 0 else "",
            notify_outcome=next_id % 6 == 0,
            body=body,
            body_html=body_html,
            content_warnings=["self-harm"] if next_id % 17 == 0 else [],
            status=status,
            created_at=created_at,
            updated_at=created_at,
            decided_at=created_at + datetime.timedelta(hours=20) if decided else None,
            decided_by=moderator if decided else None,
            decision_reason=rng.choice(Comment.RejectReason.values) if status == Status.REJECTED else "",
            ip_hash=rng.choice(ip_hashes) if rng.random() < 0.3 else hash_token(f"bench-ip-{next_id}"),
            **extra,
        )
        summary["by_status"][status] = summary["by_status"].get(status, 0) + 1
        next_id += 1
        return comment

    # The thread under test: N approved top-level stories, oldest first, every 5th with 2 replies.
    step = year / max(args.stories, 1)
    start = now - year
    for index in range(args.stories):
        created = start + step * index
        story = row(target, Status.APPROVED, created)
        summary["first_story_id"] = summary["first_story_id"] or story.id
        summary["last_story_id"] = story.id
        yield story
        if index % 5 == 4:
            for reply in range(2):
                yield row(target, Status.APPROVED, created + datetime.timedelta(minutes=30 * (reply + 1)), story.id)

    # Everything else, to --total rows: every status, both articles.
    mix = [(Status.APPROVED, 35), (Status.PENDING, 10), (Status.REJECTED, 25), (Status.SPAM, 25), (Status.WITHDRAWN, 5)]
    statuses = [status for status, weight in mix for _ in range(weight)]
    while next_id <= args.total:
        status = rng.choice(statuses)
        extra = {}
        if status == Status.APPROVED:
            article = other  # the thread under test keeps exactly --stories top-level stories
            if rng.random() < 0.01:
                extra = {"open_reports": 1, "report_count": 1}
                summary["reported"] += 1
        else:
            article = rng.choice((target, other))
        if status == Status.PENDING:
            created = now - datetime.timedelta(days=30) * rng.random()
            extra = {
                "flag_self_harm": rng.random() < 0.1,
                "flag_identifying": rng.random() < 0.05,
                "flag_links": rng.random() < 0.05,
                "is_returning_author": rng.random() < 0.2,
            }
        else:
            created = now - year * rng.random()
        yield row(article, status, created, **extra)
    summary["total"] = next_id - 1
    generate.summary = summary


def make_moderator():
    """The moderator account: `manage.py createmoderator` if the project has one, else the ORM."""
    User = get_user_model()
    user = User.objects.filter(username=MODERATOR).first()
    if user is None and "createmoderator" in get_commands():
        try:
            call_command("createmoderator", MODERATOR, email="moderator@bench.example", password=MODERATOR_PASSWORD)
        except Exception as error:  # unknown signature: fall back to the ORM below
            print(f"  createmoderator failed ({error}); creating the moderator with the ORM", file=sys.stderr)
        user = User.objects.filter(username=MODERATOR).first()
    if user is None:
        user = User.objects.create_user(MODERATOR, "moderator@bench.example", MODERATOR_PASSWORD)
    user.set_password(MODERATOR_PASSWORD)
    user.is_active = True
    user.save()
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="comments"))
    user.groups.add(group)
    return user


def make_session(user):
    """A logged-in session for the moderator (used when the site has no login page to go through)."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10000, help="approved top-level stories on one article")
    parser.add_argument("--total", type=int, default=100000, help="comments in all, every status")
    parser.add_argument("--meta", type=Path, required=True, help="where to write the JSON description")
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()
    started = time.monotonic()
    rng = random.Random(args.seed)

    articles = list(Article.objects.published().order_by("published_at", "id"))
    if not articles:
        sys.exit("seed: no published article (did load_articles run?)")
    target, other = articles[0], articles[-1]
    moderator = make_moderator()

    # bulk_create does not call save(): auto_now(_add) would overwrite the spread-out dates, so switch them off here.
    for name in ("created_at", "updated_at"):
        field = Comment._meta.get_field(name)
        field.auto_now = field.auto_now_add = False

    rows = 0
    with transaction.atomic():
        for batch in batched(generate(args, target, other, moderator, rng), BATCH):
            Comment.objects.bulk_create(batch, batch_size=BATCH)
            rows += len(batch)
        summary = generate.summary
        reported = list(Comment.objects.filter(open_reports__gt=0).values_list("id", "created_at"))
        Report.objects.bulk_create(
            Report(comment_id=pk, reason=Report.Reason.HARMFUL, created_at=created) for pk, created in reported
        )
    with connection.cursor() as cursor:  # explicit ids: move PostgreSQL's sequences past them
        for sql in connection.ops.sequence_reset_sql(no_style(), [Comment, Report]):
            cursor.execute(sql)
    if "rebuild_search_index" in get_commands():  # bulk_create skipped the signals that index published stories
        call_command("rebuild_search_index")
    with connection.cursor() as cursor:
        # Fresh statistics, as a long-running database has. On PostgreSQL also VACUUM: after a bulk load the
        # visibility map is empty, so index-only scans would need heap fetches and the planner would pick
        # sequential scans that autovacuum-maintained production tables never see.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    session_key = make_session(moderator)
    cache.clear()  # nothing cached from an earlier database may leak into this run

    per_page = getattr(settings, "STORIES_PER_PAGE", 20)
    meta = {
        "article": target.slug,
        "other_article": other.slug,
        "stories": args.stories,
        "replies": 2 * (args.stories // 5),
        "stories_per_page": per_page,
        "last_page": max(1, -(-args.stories // per_page)),
        "first_story_id": summary["first_story_id"],
        "last_story_id": summary["last_story_id"],
        "total": Comment.objects.count(),
        "by_status": summary["by_status"],
        "needs_review": Comment.objects.needs_review().count(),
        "moderator": MODERATOR,
        "moderator_password": MODERATOR_PASSWORD,
        "moderator_session": session_key,
        "seconds": round(time.monotonic() - started, 1),
    }
    args.meta.write_text(json.dumps(meta, indent=2))
    print(f"  seeded {meta['total']:,} comments ({args.stories:,} stories on {target.slug}) in {meta['seconds']}s")


if __name__ == "__main__":
    main()
