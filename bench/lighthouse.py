"""Lighthouse scores (mobile) of the public pages, served as in production: `.venv/bin/python bench/lighthouse.py`.

Builds a small bench database (the two real articles; 40 published stories on the first, every 5th with two
replies, plus a few hundred comments in other statuses: bench/seed.py), serves it with gunicorn and the bench's
production-like settings (bench/run.py: DEBUG off, hashed static files, 127.0.0.1), and runs Lighthouse from
npm on home, the article, its FAQ page, the site FAQ, /search/ and /search/?q=ketamine (when they answer 200):
the four categories' scores per page, and every audit that is not passed. Needs node and npm (`apt-get install -y nodejs
npm`) and Chromium at /usr/bin/chromium; npx fetches the pinned Lighthouse on first use.
Reports (JSON) go to bench/results/lighthouse/. It prints figures; it never fails on a score.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import run  # noqa: E402

LIGHTHOUSE = "lighthouse@12.8.2"  # 13.x needs Node 22; Debian 12's node is 18-20
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
OUT = BASE_DIR / "bench" / "results" / "lighthouse"


def lighthouse(url, chrome, out_path, extra=()):
    cmd = [
        "npx", "--yes", LIGHTHOUSE, url,
        f"--chrome-path={chrome}",
        "--chrome-flags=--headless=new --no-sandbox",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json", f"--output-path={out_path}", "--quiet", *extra,
    ]  # fmt: skip
    # Lighthouse now and then fails to record a trace (NO_NAVSTART): one more try before giving up on the page.
    for attempt in (1, 2):
        if subprocess.run(cmd, timeout=300).returncode == 0:
            break
        if attempt == 2:
            return None, ["Lighthouse failed twice on this page (its message is above)"]
    report = json.loads(out_path.read_text())
    scores = {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    failed = sorted(
        f"{audit['id']} ({audit['score']:.2f})"
        for audit in report["audits"].values()
        if audit.get("scoreDisplayMode") in ("binary", "numeric") and audit.get("score") is not None
        if audit["score"] < 0.9
    )
    return scores, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--chrome", default="/usr/bin/chromium")
    parser.add_argument("--page", action="append", help="only this page (repeatable): home, article, ...")
    parser.add_argument(
        "--lighthouse-arg", action="append", default=[], help="passed to Lighthouse, e.g. --throttling-method=devtools"
    )
    args = parser.parse_args()
    args.database_url, args.statement_timeout, args.total, args.workers = "", 20, 300, 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rewire-lighthouse-") as tmp:
        tmp = Path(tmp)
        env = run.bench_env(args, tmp)
        run.run_python(env, "manage.py", "collectstatic", "--noinput", "-v0")
        meta = run.build_database(args, env, tmp, args.stories)
        server = run.Gunicorn(args, env, tmp)
        try:
            pages = {
                "home": "/",
                "article": f"/articles/{meta['article']}/",
                "story form": f"/articles/{meta['article']}/stories/new/",
                "help": "/help/",
                "article FAQ": f"/articles/{meta['article']}/faq/",
                "site FAQ": "/faq/",
                "search": "/search/",
                # Results are noindex on purpose (templates/search/results.html): SEO's is-crawlable fails there.
                "results": "/search/?q=ketamine",
            }
            print(f"{'page':<12} " + " ".join(f"{name:>14}" for name in CATEGORIES))
            for label, path in pages.items():
                if args.page and label not in args.page:
                    continue
                if run.request("GET", server.base + path).status != 200:
                    print(f"{label:<12} not available ({path})")
                    continue
                scores, failed = lighthouse(
                    server.base + path, args.chrome, OUT / f"{label.replace(' ', '-')}.json", args.lighthouse_arg
                )
                if scores:
                    print(f"{label:<12} " + " ".join(f"{scores[name]:>14}" for name in CATEGORIES))
                else:
                    print(f"{label:<12} no scores")
                for audit in failed:
                    print(f"{'':<12}   below 0.9: {audit}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
