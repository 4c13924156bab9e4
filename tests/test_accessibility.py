"""Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules) finds nothing on any page a reader, an author or a
moderator sees. A failure lists each rule, its help text and the offending elements.

Each template, in each state that changes what it shows, is checked once; a page that renders the same template
with the same parts as another check is left out (the moderator's approve page: the reject page's, with a note
field only; the edit page: the edit page with errors).
Where each page is checked:
- test_reading_pages: the help page (also dark), articles with published, warned and self-harm stories and a
  reply, the reply page.
- test_story_pages: the story form with errors (also dark), the confirmation and the confirmation of a story
  that may be about suicide, the status page pending and rejected, the new version of a rejected story, the edit
  page with errors, withdraw, the lost-link page, the report form and the report sent as "may be at risk".
- test_login_and_moderation_pages, in the light and the dark theme: login and login with an error; the queue
  (review tab with every flag, a content warning revealed and a reply decided in place; filtered, with the Undo
  box; the published, rejected, withdrawn and spam tabs), a story's details (warned, flagged, self-harm), reject,
  edit, the care step and the care step with an error, dismiss, the block form, the blocks list, watched words
  (list, edit, remove), the mail (notifications) preferences, the statistics, a refused bulk decision.
- test_editors_admin_pages, in both themes: the admin's first page with the review notice, the articles
  list (review and reading age), an article's form with key points, editor's notes and the readability panel (every
  collapsed part opened), a new article's form, the sign-off page refused to an editor and offered to the reviewer
  (the text changed since the last sign-off), the list of sign-offs. Django's admin has violations of its own,
  left out there (DJANGO_ADMIN_KNOWN); everything the site adds to it is checked.
"""

import io
from functools import partial

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from articles import review
from articles.models import Article, EditorNote, Reference
from comments import moderation
from comments.models import Comment, WatchedWord
from tests.browser_helpers import log_in_to_admin, restore_roles
from tests.factories import PASSWORD, make_article, make_moderator, make_person, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Details of violations only: those of the passing and inapplicable rules are never read, and gathering them
# took a third of each run.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# The dark theme changes colours only (static/css/site.css): on a page the light run checks with every rule, the dark
# run checks the rules about colour.
DARK_AXE_OPTIONS = {
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
    "resultTypes": ["violations"],
}
_axe = Axe()


def axe_violations(page, exclude=(), options=AXE_OPTIONS):
    """Readable lines, one per offending element: '[rule] help -- target: html'. `exclude`: CSS selectors of parts
    left unchecked."""
    context = {"include": [["html"]], "exclude": [[selector] for selector in exclude]} if exclude else None
    results = _axe.run(page, context=context, options=options)
    lines = []
    for violation in results.response["violations"]:
        lines.append(f"[{violation['id']}] ({violation['impact']}) {violation['help']} -- {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    target: {node['target']}\n      html: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      why: {summary[:300]}")
    return lines


def check(page, rec, label, failures, exclude=(), options=AXE_OPTIONS):
    """Runs axe on the current page and collects its violations under `label` (all pages are checked, then one
    assertion lists everything)."""
    lines = axe_violations(page, exclude, options)
    if lines:
        failures.append(f"{label} ({page.url}):\n  " + "\n  ".join(lines))
    rec.assert_clean(label)


def check_in_scheme(scheme, page, rec, label, failures):
    """check(), on a page that must be in `scheme` (light or dark)."""
    assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme, page.url
    check(page, rec, f"{label} ({scheme})", failures, options=DARK_AXE_OPTIONS if scheme == "dark" else AXE_OPTIONS)


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
        "search, some of the words": reverse("search:search") + "?q=trauma+bond",
        "search, nothing found": reverse("search:search") + "?q=zzqqvv",
        "search, one letter": reverse("search:search") + "?q=k",
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
    page.locator(".faq-item summary").first.click()
    page.locator(f"#story-{warned.pk} > details.story-disclosure > summary").click()
    page.locator(f"#story-{warned_reply.pk} > details.story-disclosure > summary").click()
    check(page, rec, "article with stories, opened FAQ and revealed story", failures)
    page.locator(f"#story-{story.pk} .story-reply-link a").click()
    page.wait_for_load_state()
    check(page, rec, "the reply page", failures)
    assert_no_failures(failures)


def test_article_with_key_points_notes_and_references(live_site, new_browser_page, settings):
    """The article page's key points, editor's notes and references, in both themes, and the publisher on the site pages."""
    settings.SITE_OPERATOR, settings.SITE_CONTACT_EMAIL = "Rewire Trust", "team@rewire.example"
    article = make_article(
        "sourced", key_points="Change is slow.\nIt is not your job.\nSafety comes first.", faqs=[("Why?", "Because.")]
    )
    EditorNote.objects.create(article=article, section="where-it-starts", text="Our own words.")
    EditorNote.objects.create(article=article, faq=article.faqs.get(), text="A note after the answer.")
    Reference.objects.create(article=article, order=2, kind="provider", source="clinic.example", title="Our offer")
    failures = []
    for scheme in ("light", "dark"):
        page, rec = new_browser_page(color_scheme=scheme)
        page.goto(article.get_absolute_url())
        page.locator(".faq-item summary").first.click()
        options = DARK_AXE_OPTIONS if scheme == "dark" else AXE_OPTIONS
        check(page, rec, f"article with key points and notes ({scheme})", failures, options=options)
        for slug in ("about", "contact", "privacy"):
            page.goto(f"/{slug}/")
            check(page, rec, f"{slug} with the publisher ({scheme})", failures, options=options)
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
        check(page, rec, f"{label} ({scheme})", failures, options=DARK_AXE_OPTIONS)
    page.goto(reverse("comments:post", args=[live_site.articles[0].slug]))
    check(page, rec, f"story form ({scheme})", failures, options=DARK_AXE_OPTIONS)
    with page.expect_navigation():
        page.locator("#leave-a-comment button[type=submit]").click()
    check(page, rec, f"story form with errors ({scheme})", failures, options=DARK_AXE_OPTIONS)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/articles/ketamine-for-npd/")
    check(page, rec, f"stacked table on a phone ({scheme})", failures, options=DARK_AXE_OPTIONS)
    assert_no_failures(failures)


def test_story_pages(live_site, new_browser_page):
    page, rec = new_browser_page(color_scheme="light")
    failures = []
    article = live_site.articles[0]
    page.goto(article.get_absolute_url())
    # The article leads to the story form's own page.
    with page.expect_navigation():
        page.get_by_role("link", name="Write your story").click()
    check(page, rec, "story form", failures)
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
    status_url = page.locator("#private-link").inner_text().strip()
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
    page.goto(reverse("comments:post", args=[article.slug]))
    page.locator("#id_name").fill("Sam")
    page.locator("#id_body").fill("Honestly I want to end my life, most days I see no point.")
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.locator("#leave-a-comment button[type=submit]").click()
    assert page.locator(".care-lead").is_visible()
    check(page, rec, "confirmation of a story that may be about suicide", failures)
    assert_no_failures(failures)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_login_and_moderation_pages(live_site, new_browser_page, scheme):
    """Every moderation template, in the light and the dark theme (the device's colour scheme)."""
    page, rec = new_browser_page(color_scheme=scheme)
    failures = []
    check = partial(check_in_scheme, scheme)
    article = live_site.articles[0]
    moderator = make_moderator("moderator", staff=True)
    pending = make_story(article, name="Sam", body="I want to die some days, but this helped me hold on.")
    warned = make_story(article, name="Jo", body="What he did to me for years still shapes me.", warnings=["abuse"])
    published = make_story(article, name="Alex", body="Reading this helped me put words to it all.")
    rejected = make_story(article, name="Lee", body="An off-topic story about something else entirely.")
    withdrawn = make_story(article, name="Ana", body="I would rather not have this published after all.")
    # Every flag's badge: may identify someone, watched words, links (and self-harm on `pending`).
    flagged = make_story(
        article,
        name="Max",
        body="My ex John Smith from Leeds kept a crowbar by the door. See https://example.org for more.",
        flag_identifying=True,
        flag_watched_words=True,
        flag_links=True,
    )
    spam = make_story(article, name="Bot", body="Cheap pills and more cheap pills, buy now today.")
    Comment.objects.filter(pk=pending.pk).update(flag_self_harm=True)
    moderation.approve(published, moderator)
    reply = make_story(article, name="Kim", body="Thank you for this.", parent=published, email="kim@example.org")
    moderation.reject(rejected, moderator, "off-topic", note="Thank you, but it is off topic.")
    moderation.withdraw(withdrawn)
    moderation.mark_spam(spam, moderator)
    WatchedWord.objects.create(phrase="crowbar", action="flag")
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
    page.goto(reverse("moderation:queue"))
    page.locator(f"#story-{warned.pk} details.cw summary").click()
    page.locator(f"#story-{reply.pk} button[data-shortcut=approve]").click()
    page.locator(f"#story-{reply.pk} .mod-decided").wait_for()
    assert page.locator(f"#story-{pending.pk}.mod-item-pinned").count() == 1
    check(page, rec, "moderation queue: review, content warning revealed, decided in place", failures)
    # Filtered, with the Undo box of the reloaded queue.
    undo = reply.events.order_by("-id").first().pk
    page.goto(reverse("moderation:queue") + f"?tab=review&flag=content-warned&q=years&undo={undo}")
    assert page.locator("form.mod-undo").count() == 1
    assert page.locator(".mod-item").count() == 1  # the warned story only
    check(page, rec, "moderation queue, filtered, undo box", failures)
    for tab in ("published", "rejected", "withdrawn", "spam"):
        page.goto(reverse("moderation:queue") + f"?tab={tab}")
        assert page.locator(".mod-item").count() >= 1, tab
        check(page, rec, f"moderation tab {tab}", failures)
    for label, url in {
        "story detail": reverse("moderation:moderate_story", args=[warned.pk]),
        "story detail, flagged": reverse("moderation:moderate_story", args=[flagged.pk]),
        "story detail, self-harm": reverse("moderation:moderate_story", args=[pending.pk]),
        "reject page": reverse("moderation:decide", args=[warned.pk, "reject"]),
        "edit page": reverse("moderation:moderate_edit", args=[pending.pk]),
        "care step": reverse("moderation:care_decision", args=[pending.pk]),
        "mail preferences": reverse("moderation:notification_preferences"),
        "queue statistics": reverse("moderation:queue_stats"),
        "dismiss page": reverse("moderation:decide", args=[published.pk, "dismiss"]),
        "block form": reverse("moderation:block_author", args=[published.pk]),
        "blocks": reverse("moderation:blocks"),
        "watched words": reverse("moderation:watched_words"),
        "watched word edit": reverse("moderation:edit_watched_word", args=[word.pk]),
        "watched word remove": reverse("moderation:remove_watched_word", args=[word.pk]),
    }.items():
        page.goto(url)
        check(page, rec, f"moderation {label}", failures)
    # The care step with an error (confirmed without choosing).
    page.goto(reverse("moderation:care_decision", args=[pending.pk]))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm my choice").click()
    assert page.locator(".error-summary").is_visible()
    check(page, rec, "moderation care step with an error", failures)
    # A bulk decision with no story ticked: refused, with what to do.
    page.goto(reverse("moderation:queue"))
    page.locator("#bulk-action").select_option("spam")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply to selected").click()
    assert "Nothing was done" in page.locator("h1").inner_text()
    check(page, rec, "moderation bulk decision refused", failures)
    assert_no_failures(failures)


# Django's admin's own violations, the same on every admin site: links told apart by colour alone (breadcrumbs,
# object tools, an inline's "View on site"), the date and time inputs of a date-and-time field (one label for both),
# tabular inlines (column headings, no label per input), the two-list chooser (filter_horizontal: an aria-label on a
# bare span) and the autocomplete widget (select2). The site's own parts are checked in full.
DJANGO_ADMIN_KNOWN = (
    ".breadcrumbs",
    ".object-tools",
    ".inline-related h3 > a",
    "p.datetime",
    ".tabular",
    ".selector",
    ".select2-container",
)
# axe's preloading of the stylesheets fails on the article form (its fallback adds an inline style, which the site's
# CSP blocks and the recorder reports): it serves only the orientation-lock rule, which reads no admin part of ours.
ADMIN_AXE_OPTIONS = {**AXE_OPTIONS, "preload": False}


def test_editors_admin_pages(live_site, new_browser_page):
    """The editors' admin pages, as the editor and the reviewer `createmoderator` makes."""
    restore_roles()
    call_command("createmoderator", "sam", "--editor", password=PASSWORD, stdout=io.StringIO())
    call_command("createmoderator", "cara", "--reviewer", password=PASSWORD, stdout=io.StringIO())
    cara = make_person("Cara Lee", credentials="PhD", user=get_user_model().objects.get(username="cara"))
    article = Article.objects.get(slug="ketamine-for-npd")
    article.key_points = "Ketamine is studied, not proven, for NPD.\nA clinic's claims are not evidence.\nSafety first."
    article.reviewer = cara
    article.save()
    EditorNote.objects.create(article=article, section=article.toc[0]["id"], text="Rewire's own words.")
    EditorNote.objects.create(article=article, faq=article.faqs.first(), text="A note after the answer.")
    review.sign_off(article, cara.user)
    article.refresh_from_db()
    article.body += "\nA sentence added after the sign-off.\n"
    article.status = Article.Status.REVIEW
    article.save()  # waiting for review, and changed since the sign-off
    Article.objects.exclude(pk=article.pk).update(next_review="2020-01-01")  # past its next review
    change = reverse("admin:articles_article_change", args=[article.pk])
    sign_off = reverse("admin:articles_article_sign_off", args=[article.pk])
    pages = {  # label: (URL, a part of the page the check must see)
        "admin index with the review notice": (reverse("admin:index"), ".review-notice"),
        "articles list": (reverse("admin:articles_article_changelist"), "td.field-reading_age"),
        "article form": (change, "#notes-group .inline-related"),
        "new article form": (reverse("admin:articles_article_add"), ".article-readability"),
        "sign-off refused to an editor": (sign_off, ".errornote"),
        "sign-offs list": (reverse("admin:articles_signoff_changelist"), "#result_list"),
    }
    failures = []
    admin_options = {"light": ADMIN_AXE_OPTIONS, "dark": {**DARK_AXE_OPTIONS, "preload": False}}
    for scheme in ("light", "dark"):
        page, rec = new_browser_page(color_scheme=scheme)
        log_in_to_admin(page, "sam")
        for label, (url, part) in pages.items():
            page.goto(url)
            page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true; })")
            assert page.locator(part).first.is_visible(), (label, part)
            check(page, rec, f"{label} ({scheme})", failures, DJANGO_ADMIN_KNOWN, admin_options[scheme])
        reviewer, reviewer_rec = new_browser_page(color_scheme=scheme)
        log_in_to_admin(reviewer, "cara")
        reviewer.goto(change)
        with reviewer.expect_navigation():
            reviewer.get_by_role("link", name="Sign off this version").click()
        assert "The text has changed since the last sign-off" in reviewer.locator("#content-main").inner_text()
        label = f"sign-off offered to the reviewer ({scheme})"
        check(reviewer, reviewer_rec, label, failures, DJANGO_ADMIN_KNOWN, admin_options[scheme])
    assert_no_failures(failures)
