"""Layout shifts of page loads in Chromium on a slow phone: `.venv/bin/python bench/layout_shifts.py URL...`

Lighthouse measures cumulative layout shift (CLS) on the real page load, so a shift that needs a slow CPU (a
page drawn before the parser reached some part of it) shows only when the machine is busy. This loads each
URL several times at 412 x 823 (a phone), with the CPU slowed down (--cpu, 10x by default), a slow 4G network
(150 ms, 1.6 Mbit/s) and no cache, records every `layout-shift` entry and prints its score, time and the
elements that moved (from where to where: x, y, width, height). Serve the site as in production first (e.g.
gunicorn with bench.settings, as bench/lighthouse.py does). It prints figures; it never fails on a score.
"""

import argparse
import json

from playwright.sync_api import sync_playwright

OBSERVE = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__shifts.push({score: entry.value, at: Math.round(entry.startTime), moved: entry.sources.map((s) => ({
      node: s.node ? s.node.nodeName.toLowerCase() + (s.node.id ? "#" + s.node.id : "") +
        (typeof s.node.className === "string" && s.node.className ? "." + s.node.className.trim().split(/\\s+/).join(".") : "") : null,
      from: [s.previousRect.x, s.previousRect.y, s.previousRect.width, s.previousRect.height].map(Math.round),
      to: [s.currentRect.x, s.currentRect.y, s.currentRect.width, s.currentRect.height].map(Math.round),
    }))});
  }
}).observe({type: "layout-shift", buffered: true});
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--runs", type=int, default=5, help="loads per URL (default 5)")
    parser.add_argument("--cpu", type=float, default=10, help="CPU slowdown (default 10)")
    parser.add_argument("--width", type=int, default=412)
    parser.add_argument("--height", type=int, default=823)
    parser.add_argument("--chrome", default="/usr/bin/chromium")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chrome, args=["--no-sandbox"])
        for url in args.urls:
            totals = []
            for _ in range(args.runs):
                context = browser.new_context(
                    viewport={"width": args.width, "height": args.height},
                    device_scale_factor=1.75,
                    is_mobile=args.width < 992,
                    has_touch=args.width < 992,
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.cpu})
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 96_000},
                )
                page.add_init_script(OBSERVE)
                page.goto(url, wait_until="load")
                page.wait_for_timeout(1500)
                shifts = page.evaluate("window.__shifts")
                totals.append(sum(shift["score"] for shift in shifts))
                for shift in shifts:
                    print(f"  {url}: shift {shift['score']:.4f} at {shift['at']} ms: {json.dumps(shift['moved'])}")
                context.close()
            print(
                f"{url}: layout shift per load {' '.join(f'{total:.3f}' for total in totals)} (max {max(totals):.3f})"
            )
        browser.close()


if __name__ == "__main__":
    main()
