"""Milliseconds per render of the article page without the whole-page cache, first and last page of stories.

    .venv/bin/python bench/render_article.py                      # builds 100 and 10,000-story databases
    .venv/bin/python bench/render_article.py --keep /tmp/rw-render  # reuses (or builds and keeps) them there

Also the first page right after a change to the thread (the article's cache_version bumped before each request,
as an approval does). A focused measurement for work on the render itself, lighter than `make bench`: the bench's databases
(bench/seed.py) and settings, Django's test Client in one process, a session cookie that matches no session
(anonymous, but past the page cache, as the bench's "rendered" rows), the median of --repeat renders per page.
No HTTP, no gunicorn: compare the figures with each other, not with the bench's requests/s.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def measure(meta_path, repeat):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    meta = json.loads(Path(meta_path).read_text())
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = "bench-no-page-cache"
    results = {}
    article = f"/articles/{meta['article']}/"
    for label, url in (
        ("baseline", "/bench/baseline/"),
        ("first", article),
        ("last", f"{article}?stories_page={meta['last_page']}"),
    ):
        for _ in range(3):  # warm: templates compiled, per-process and fragment caches filled
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        results[label] = round(statistics.median(times), 2)
        results[f"{label}_min"] = round(min(times), 2)
    # The first visitor after a change to the thread (an approval bumps the article's cache_version): the
    # page's fragments are made again, the stories' own HTML is reused.
    from articles.models import Article

    pk = Article.objects.get(slug=meta["article"]).pk
    times = []
    for _ in range(repeat):
        Article.objects.bump_cache_version(pk)
        started = time.perf_counter()
        client.get(article)
        times.append((time.perf_counter() - started) * 1000)
    results["after_change"] = round(statistics.median(times), 2)
    results["after_change_min"] = round(min(times), 2)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", metavar="DIR", help="build the databases in DIR, or reuse those already there")
    parser.add_argument("--measure", metavar="META", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure, args.repeat)

    from bench import run

    args.database_url, args.statement_timeout = "", 20
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rewire-render-"))
    tmp.mkdir(parents=True, exist_ok=True)
    for stories in args.stories:
        env = run.bench_env(args, tmp)
        if not (tmp / "static" / "staticfiles.json").exists():
            run.run_python(env, "manage.py", "collectstatic", "--noinput", "-v0")
        meta_path, db_path = tmp / f"meta-{stories}.json", tmp / f"bench-{stories}.sqlite3"
        if meta_path.exists() and db_path.exists():
            env["SQLITE_PATH"] = str(db_path)
        else:
            run.build_database(args, env, tmp, stories)
        out = run.run_python(env, __file__, "--measure", meta_path, "--repeat", args.repeat, capture=True)
        figures = json.loads(out)
        print(
            f"{stories:>6,} stories, median (min) ms per request: first page {figures['first']:.2f} "
            f"({figures['first_min']:.2f}), last page {figures['last']:.2f} ({figures['last_min']:.2f}); "
            f"first page after a change {figures['after_change']:.2f} ({figures['after_change_min']:.2f}); "
            f"baseline view {figures['baseline']:.2f} ({figures['baseline_min']:.2f})"
        )


if __name__ == "__main__":
    main()
