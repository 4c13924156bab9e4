"""Counts the SQL queries of one request per URL, inside the bench database (run by bench/run.py).

    DJANGO_SETTINGS_MODULE=bench.settings python bench/probe.py --session KEY /url1 /url2 ...

Each URL is requested twice through Django's test Client: the first (cold) request fills per-process caches,
the second is the steady state a gunicorn worker sees; both counts are reported. URLs prefixed with `@` are
requested logged in (with the session cookie given by --session); with `~`, with a session cookie that
matches no session (anonymous, but past any whole-page cache). Prints one JSON object.

    python bench/probe.py --profile 50 /articles/slug/

profiles 50 requests of a URL with cProfile instead and prints the functions with the most cumulative time.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def client_for(url, session):
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "127.0.0.1")
    if url.startswith("@"):
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    elif url.startswith("~"):  # a session cookie that matches no session: anonymous, but not page-cached
        client.cookies[settings.SESSION_COOKIE_NAME] = "bench-no-page-cache"
    return client, url.lstrip("@~")


def count(url, session):
    client, path = client_for(url, session)
    result = {}
    for label in ("cold", "warm"):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        result[label] = len(captured.captured_queries)
        result[f"{label}_ms"] = round(elapsed * 1000, 1)
        if label == "warm":
            result["status"] = response.status_code
            result["bytes"] = len(response.content) if not response.streaming else None
            result["sql"] = [query["sql"][:300] for query in captured.captured_queries]
    return result


def profile(url, session, repeat):
    client, path = client_for(url, session)
    client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(repeat):
        client.get(path)
    profiler.disable()
    per_request = (time.perf_counter() - started) / repeat * 1000
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(35)
    print(f"{path}: {per_request:.1f} ms per request in-process ({repeat} requests, profiler on)")
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    print(out.getvalue())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--session", default="")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N requests of each URL")
    args = parser.parse_args()
    if args.profile:
        for url in args.urls:
            profile(url, args.session, args.profile)
        return
    results = {}
    for url in args.urls:
        try:
            results[url] = count(url, args.session)
        except Exception as error:  # a view that is not written yet must not stop the others
            results[url] = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
