"""How long a search takes at N published stories: prints figures, it is not a test.

    .venv/bin/python bench/search_timing.py                  # SQLite, 10,000 stories (~1 min)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/search_timing.py

Builds a fresh bench database as bench/run.py does (migrate, load_articles, bench/seed.py), then, in a process
running on it, times each query's search (search.query.search, with its result cache switched off: the median
of --repeat runs) and the first rendering of its /search/ page (with a session cookie, so not from the page cache).
A one-letter word is refused by the page now; its search is timed directly to show what it would cost.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

QUERIES = ["k", "ke", "ketamine", "trauma bond", "silent treatment", "ketamine brain", "a ketamine"]


def build(args):
    from bench.run import bench_env, build_database

    tmp = Path(tempfile.mkdtemp(prefix="rewire-search-timing-"))
    args.database_url = os.environ.get("DATABASE_URL", "")
    args.total = max(args.total, int(args.stories * 1.4))
    try:
        env = bench_env(args, tmp)
        env["STATIC_MANIFEST"] = "0"  # no collectstatic: the pages need no hashed names here
        build_database(args, env, tmp, args.stories)
        command = [sys.executable, __file__, "--measure", "--repeat", str(args.repeat)]
        subprocess.run(command, cwd=BASE_DIR, env=env, check=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def median_ms(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(repeat):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache.backends.dummy import DummyCache
    from django.db import connection
    from django.test import Client

    from articles.models import Article
    from comments.models import Comment
    from search import query

    query.cache = DummyCache("search-timing", {})  # every run searches (the page cache is bypassed below)
    public = Article.objects.public_index()
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    client.cookies[settings.SESSION_COOKIE_NAME] = "search-timing-no-page-cache"
    stories = Comment.objects.approved().count()
    client.get("/search/", {"q": "warm up"})  # the first request of a process loads templates and more
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{connection.vendor}, {stories:,} published stories; median of {repeat} runs; load average {load}\n")
    print(f"{'query':<20} {'search ms':>10} {'queries':>8} {'all words':>10} {'some':>5} {'page ms':>9}  page says")
    for text in QUERIES:
        parsed = query.parse(text)
        words = parsed.terms or [w.lower() for w in text.split()]  # a refused one-letter word: what it would cost
        results = query.search(words, public)
        executed = []
        with connection.execute_wrapper(lambda run, sql, *rest: executed.append(sql) or run(sql, *rest)):  # noqa: B023
            query.search(words, public)
        search_ms = median_ms(lambda: query.search(words, public), repeat)  # noqa: B023
        every = sum(result.all_words for result in results)
        # The page's first rendering: then its fragment cache (search/views.py) answers.
        page_ms = median_ms(lambda: client.get("/search/", {"q": text}), 1)  # noqa: B023
        says = parsed.problem[:40] or (f"left out {parsed.left_out}" if parsed.left_out else "results")
        print(
            f"{text!r:<20} {search_ms:>10.1f} {len(executed):>8} {every:>10} "
            f"{len(results) - every:>5} {page_ms:>9.1f}  {says}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10000, help="approved top-level stories on one article")
    parser.add_argument("--total", type=int, default=20000, help="comments in all, every status")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--statement-timeout", type=int, default=20, help="PostgreSQL only (PGOPTIONS)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # inside the bench database
    args = parser.parse_args()
    if args.measure:
        measure(args.repeat)
    else:
        build(args)


if __name__ == "__main__":
    main()
