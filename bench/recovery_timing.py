"""Does "Lost your private link?" answer as fast for an address with stories as for one without?

    DEBUG=1 .venv/bin/python bench/recovery_timing.py            # 300 rounds
    DEBUG=1 .venv/bin/python bench/recovery_timing.py --rounds 1000

Django's test Client in one process, on Django's SQLite test database (made fresh, in memory):
one known address with 1 story, one with 40, and unknown addresses. Each round posts the form once for each
case, in a new random order every round (so drift in the machine's speed falls on all cases alike), each from
its own network address so the per-connection limit never answers instead. Prints the median milliseconds per
case and each known case's difference from the unknown one; exits 1 when one is more than 10% apart.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix="rw-recovery-")) / "db.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LINK_RECOVERY_LIMIT", "1000000")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    from tests.factories import make_article, make_story

    article = make_article()
    make_story(article, email="one.story@example.org")
    for number in range(40):
        make_story(article, email="forty.stories@example.org", body=f"A story of some length, number {number}.")

    cases = {
        "known, 1 story": lambda n: "one.story@example.org",
        "known, 40 stories": lambda n: "forty.stories@example.org",
        "unknown": lambda n: f"nobody.{n}@example.org",
    }
    client, url = Client(), reverse("comments:lost_link")
    timings = {name: [] for name in cases}
    rng = random.Random(20)
    for n in range(args.warmup + args.rounds):
        order = list(cases)
        rng.shuffle(order)
        for index, name in enumerate(order):
            address = f"10.{n // 250}.{n % 250}.{index}"
            start = time.perf_counter()
            response = client.post(url, {"email": cases[name](n)}, REMOTE_ADDR=address)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.status_code
            if n >= args.warmup:
                timings[name].append(elapsed)

    medians = {name: statistics.median(values) for name, values in timings.items()}
    unknown = medians["unknown"]
    worst = 0.0
    print(f"{args.rounds} rounds, interleaved in random order; median ms per request")
    for name, median in medians.items():
        difference = (median - unknown) / unknown * 100
        worst = max(worst, abs(difference))
        print(f"  {name:18} {median:7.2f} ms  ({difference:+.1f}% against unknown)")
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print("within 10%" if worst <= 10 else "MORE THAN 10% APART")
    return 0 if worst <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
