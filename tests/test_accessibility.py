"""Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules) finds nothing on any page a reader, an author or a
moderator sees. A failure lists each rule, its help text and the offending elements.

Each template, in each state that changes what it shows, is checked once; a page that renders the same template
with the same parts as another check is left out (the moderator's approve page: the reject page's, with a note
field only; the spam tab: the rejected tab's, with fewer buttons; the edit page: the edit page with errors).
Where each page that issues 9, 11 and 14 added or changed is checked:
- test_reading_pages: the help page (also dark), articles with published, warned and self-harm stories and a
  reply, the reply page.
- test_story_pages: the story form with errors (also dark), the confirmation and the confirmation of a story
  that may be about suicide, the status page pending and rejected, the new version of a rejected story, the edit
  page with errors, withdraw, the lost-link page, the report form and the report sent as "may be at risk".
- test_login_and_moderation_pages: login and login with an error; the queue (review tab with a content warning
  revealed and a reply decided in place; filtered, with the Undo box; the published, rejected and withdrawn
  tabs), a story's details, reject, edit, the care step and the care step with an error, dismiss, the block form,
  the blocks list, watched words (list, edit, remove), the mail (notifications) preferences, the statistics.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from comments import moderation
from comments.models import Comment, WatchedWord
from tests.factories import make_moderator, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Details of violations only: those of the passing and inapplicable rules are never read, and gathering them
# took a third of each run.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
_axe = Axe()


def axe_violations(page):
    """Readable lines, one per offending element: '[rule] help -- target: html'."""
    results = _axe.run(page, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        lines.append(f"[{violation['id']}] ({violation['impact']}) {violation['help']} -- {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    target: {node['target']}\n      html: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      why: {summary[:300]}")
    return lines


def check(page, rec, label, failures):
    """Runs axe on the current page and collects its violations under `label` (all pages are checked, then one
    assertion lists everything)."""
    lines = axe_violations(page)
    if lines:
        failures.append(f"{label} ({page.url}):\n  " + "\n  ".join(lines))
    rec.assert_clean(label)


def assert_no_failures(failures):
    assert not failures, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(failures)


def test_reading_pages(live_site, new_browser_page):
    """Every reading page in the light theme (the dark one: test_reading_pages_in_dark_mode)."""
    page, rec = new_browser_page(color_scheme="light")
    failures = []
    pages = {
        "home": "/",
        "FAQ index": reverse("articles:faq_index"),
        "help": reverse("care:help"),
        "404": "/no/such/page/",
        "feed page": reverse("articles:feed_about"),
        **{f"site page {slug}": f"/{slug}/" for slug in SITE_PAGES},
        "search": reverse("search:search") + "?q=ketamine",
        "search, empty": reverse("search:search"),
    }
    for article in live_site.articles:
        pages[f"article {article.slug}"] = article.get_absolute_url()
        pages[f"FAQ of {article.slug}"] = article.get_faq_url()
    for label, url in pages.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.dataset.bsTheme") == "light"
        check(page, rec, label, failures)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/articles/ketamine-for-npd/")
    check(page, rec, "stacked table on a phone", failures)
    page.set_viewport_size({"width": 1280, "height": 900})
    # An article with published stories, a reply and a content warning, and an FAQ opened.
    article = live_site.articles[0]
    moderator = make_moderator("moderator", staff=True)
    story = make_story(article, name="Robin", body="It took me years to see the pattern clearly.")
    warned = make_story(article, name="Jo", body="What happened at home still shapes me.", warnings=["abuse"])
    reply = make_story(article, name="Kim", body="Thank you for writing this, it helped me.", parent=story)
    # A story about self-harm (a support note, no reply link), and a reply behind its story's warning.
    supported = make_story(
        article, name="Ari", body="I hurt myself for years; it is better now.", warnings=["self-harm"]
    )
    warned_reply = make_story(article, name="Lee", body="The same happened to me, thank you.", parent=warned)
    for each in (story, warned, reply, supported, warned_reply):
        moderation.approve(each, moderator, care=moderation.CARE_SUPPORT_NOTE if each.needs_care else None)
    page.goto(article.get_absolute_url())
    page.locator("details.faq-item summary").first.click()
    page.locator(f"#story-{warned.pk} > details.story-disclosure > summary").click()
    page.locator(f"#story-{warned_reply.pk} > details.story-disclosure > summary").click()
    check(page, rec, "article with stories, opened FAQ and revealed story", failures)
    page.locator(f"#story-{story.pk} .story-reply-link a").click()
    page.wait_for_load_state()
    check(page, rec, "the reply page", failures)
    assert_no_failures(failures)


SITE_PAGES = ["about", "editorial-policy", "community-guidelines", "privacy", "contact"]
DARK_SITE_PAGES = ["privacy", "community-guidelines"]  # h2, h3, bold, links, a list of each kind, a table


def test_reading_pages_in_dark_mode(live_site, new_browser_page):
    """The device's colour scheme picks the theme (static/js/theme.js). The light theme is checked on these pages
    (and more) by test_reading_pages, and on the story form with errors by test_story_pages.

    The dark theme changes colours only, so each kind of page is checked once in it: the site pages share one
    template, and DARK_SITE_PAGES hold every Markdown element the others use (headings, bold, links, both kinds of
    list, a table)."""
    scheme = "dark"
    page, rec = new_browser_page(color_scheme=scheme)
    failures = []
    urls = {"home": "/", "feed page": reverse("articles:feed_about"), "help": reverse("care:help")}
    urls.update({f"site page {slug}": f"/{slug}/" for slug in DARK_SITE_PAGES})
    urls.update({f"article {article.slug}": article.get_absolute_url() for article in live_site.articles})
    for label, url in urls.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme
        check(page, rec, f"{label} ({scheme})", failures)
    page.goto(live_site.articles[0].get_absolute_url())
    with page.expect_navigation():
        page.locator("#leave-a-comment button[type=submit]").click()
    check(page, rec, f"story form with errors ({scheme})", failures)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/articles/ketamine-for-npd/")
    check(page, rec, f"stacked table on a phone ({scheme})", failures)
    assert_no_failures(failures)


def test_story_pages(live_site, new_browser_page):
    page, rec = new_browser_page(color_scheme="light")
    failures = []
    article = live_site.articles[0]
    page.goto(article.get_absolute_url())
    # The story form showing errors (nothing filled in).
    with page.expect_navigation():
        page.locator("#leave-a-comment button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    check(page, rec, "story form with errors", failures)
    # The confirmation, then the status, edit and withdraw pages.
    page.locator("#id_name").fill("Robin")
    page.locator("#id_body").fill("It took me years to see the pattern, and this article helped.")
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.locator("#leave-a-comment button[type=submit]").click()
    assert page.locator(".story-confirmation").is_visible()
    check(page, rec, "confirmation", failures)
    status_url = page.locator("#private-link").input_value()
    token = status_url.rstrip("/").rsplit("/", 1)[-1]
    for label, url in {
        "status page": status_url,
        "withdraw page": reverse("comments:withdraw", args=[token]),
        "lost link page": reverse("comments:lost_link"),
    }.items():
        page.goto(url)
        check(page, rec, label, failures)
    # The edit form with an error.
    page.goto(reverse("comments:edit", args=[token]))
    page.locator("#id_body").fill("short")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my changes").click()
    check(page, rec, "edit form with errors", failures)
    # A rejected story's status page shows the reason.
    story = Comment.objects.get()
    moderation.reject(story, make_moderator("moderator", staff=True), "off-topic", note="Please write about yourself.")
    page.goto(status_url)
    check(page, rec, "status page, rejected", failures)
    page.goto(reverse("comments:new_version", args=[token]))
    check(page, rec, "new version of a rejected story", failures)
    # Reporting a published story.
    published = make_story(article, name="Kim", body="A story that is published on the page now.")
    moderation.approve(published, make_moderator("m2", staff=True))
    page.goto(reverse("comments:report", args=[published.pk]))
    check(page, rec, "report form", failures)
    page.get_by_label("The writer may be at risk of harming themselves").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send the report").click()
    check(page, rec, "report sent, the writer may be at risk", failures)
    # A story that may be about suicide: its confirmation leads with the helplines.
    page.goto(article.get_absolute_url())
    page.locator("#id_name").fill("Sam")
    page.locator("#id_body").fill("Honestly I want to end my life, most days I see no point.")
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.locator("#leave-a-comment button[type=submit]").click()
    assert page.locator(".care-lead").is_visible()
    check(page, rec, "confirmation of a story that may be about suicide", failures)
    assert_no_failures(failures)


def test_login_and_moderation_pages(live_site, browser_page):
    page, rec = browser_page
    failures = []
    article = live_site.articles[0]
    moderator = make_moderator("moderator", staff=True)
    pending = make_story(article, name="Sam", body="I want to die some days, but this helped me hold on.")
    warned = make_story(article, name="Jo", body="What he did to me for years still shapes me.", warnings=["abuse"])
    published = make_story(article, name="Alex", body="Reading this helped me put words to it all.")
    rejected = make_story(article, name="Lee", body="An off-topic story about something else entirely.")
    withdrawn = make_story(article, name="Ana", body="I would rather not have this published after all.")
    Comment.objects.filter(pk=pending.pk).update(flag_self_harm=True)
    moderation.approve(published, moderator)
    reply = make_story(article, name="Kim", body="Thank you for this.", parent=published, email="kim@example.org")
    moderation.reject(rejected, moderator, "off-topic", note="Thank you, but it is off topic.")
    moderation.withdraw(withdrawn)
    word = WatchedWord.objects.create(phrase="helped", action="flag")  # marked in the published tab
    moderation.report(published, "abusive", note="Rude", ip_hash="r1")
    Comment.objects.filter(pk=published.pk).update(ip_hash="n1")
    moderation.block_author(published, moderator, by_email=False, by_network=True, duration="7", reason="Abuse")

    page.goto(reverse("login"))
    check(page, rec, "login", failures)
    page.locator("#id_username").fill(moderator.username)
    page.locator("#id_password").fill("wrong password")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    check(page, rec, "login with an error", failures)
    page.locator("#id_username").fill(moderator.username)
    page.locator("#id_password").fill(live_site.password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()

    # The review tab: a content warning revealed and a reply (in reply to...) decided in place (the line with Undo).
    page.goto(reverse("comments:queue"))
    page.locator(f"#story-{warned.pk} details.cw summary").click()
    page.locator(f"#story-{reply.pk} button[data-shortcut=approve]").click()
    page.locator(f"#story-{reply.pk} .mod-decided").wait_for()
    assert page.locator(f"#story-{pending.pk}.mod-item-pinned").count() == 1
    check(page, rec, "moderation queue: review, content warning revealed, decided in place", failures)
    # Filtered, with the Undo box of the reloaded queue.
    undo = reply.events.order_by("-id").first().pk
    page.goto(reverse("comments:queue") + f"?tab=review&flag=content-warned&q=years&undo={undo}")
    assert page.locator("form.mod-undo").count() == 1
    assert page.locator(".mod-item").count() == 1  # the warned story only
    check(page, rec, "moderation queue, filtered, undo box", failures)
    # The spam tab shows the rejected tab's parts (fewer buttons, no decision line): not checked again.
    for tab in ("published", "rejected", "withdrawn"):
        page.goto(reverse("comments:queue") + f"?tab={tab}")
        assert page.locator(".mod-item").count() >= 1, tab
        check(page, rec, f"moderation tab {tab}", failures)
    for label, url in {
        "story detail": reverse("comments:moderate_story", args=[warned.pk]),
        "reject page": reverse("comments:decide", args=[warned.pk, "reject"]),
        "edit page": reverse("comments:moderate_edit", args=[pending.pk]),
        "care step": reverse("comments:care_decision", args=[pending.pk]),
        "mail preferences": reverse("comments:notification_preferences"),
        "queue statistics": reverse("comments:queue_stats"),
        "dismiss page": reverse("comments:decide", args=[published.pk, "dismiss"]),
        "block form": reverse("comments:block_author", args=[published.pk]),
        "blocks": reverse("comments:blocks"),
        "watched words": reverse("comments:watched_words"),
        "watched word edit": reverse("comments:edit_watched_word", args=[word.pk]),
        "watched word remove": reverse("comments:remove_watched_word", args=[word.pk]),
    }.items():
        page.goto(url)
        check(page, rec, f"moderation {label}", failures)
    # The care step with an error (confirmed without choosing).
    page.goto(reverse("comments:care_decision", args=[pending.pk]))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm my choice").click()
    assert page.locator(".error-summary").is_visible()
    check(page, rec, "moderation care step with an error", failures)
    assert_no_failures(failures)
