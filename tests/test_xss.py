"""XSS, judged by the browser.

The corpus (tests/xss_payloads.py, 400+ payloads) goes in as story bodies, display names and replies (stored through
Comment.save(), the code path the form uses, stored published as comments.moderation.approve leaves them) and as a staff-authored
article (body, story prompt, FAQ questions and answers). Chromium then loads the pages with a sentinel installed:
no dialog may open, no payload may call `window.__xss(n)`, no element may carry an on* attribute or a
javascript:/vbscript:/data: URL, and the browser may report no Content-Security-Policy violation, on any page.
"""

from urllib.parse import urljoin

import pytest
from bleach._vendor import html5lib
from django.urls import reverse
from django.utils import timezone

from articles.markdown import render_article, render_article_markdown
from articles.models import FAQ, Article
from comments import moderation
from comments.markdown import render_story_markdown
from comments.models import Comment
from moderation.views import queue as queue_views
from tests.factories import make_moderator, make_story
from tests.xss_payloads import DOM_AUDIT_JS, corpus, short

PAYLOADS = corpus()
DANGEROUS_ELEMENTS = {
    "script", "style", "iframe", "object", "embed", "base", "frame", "frameset", "svg", "math", "template",
    "noscript", "form", "input", "button", "textarea", "select", "meta", "link", "video", "audio", "marquee",
    "xmp", "plaintext", "noembed", "noframes", "isindex", "keygen", "image", "details",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "cite"}


def test_corpus_is_large_and_every_payload_names_itself():
    assert len(PAYLOADS) >= 300
    assert [p.number for p in PAYLOADS] == list(range(1, len(PAYLOADS) + 1))
    for payload in PAYLOADS:
        assert f"__xss({payload.number})" in payload.text or f"({payload.number})" in payload.text, payload
    families = {p.family for p in PAYLOADS}
    assert families == {"tag-event", "url", "mxss", "markdown"}
    assert len(short(PAYLOADS, 60)) >= 100, "too few payloads fit a display name"


# --- The renderers, parsed the way a browser parses (html5lib), payload by payload -------------------------------


def audit_html(html):
    """What a successful injection would leave in `html`, as parsed by an HTML5 parser."""
    problems = []
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = element.tag.split("}")[-1].lower()
        if tag in DANGEROUS_ELEMENTS:
            problems.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.split("}")[-1].lower() if isinstance(name, str) else str(name[-1]).lower()
            squashed = "".join(ch for ch in value if ord(ch) > 0x20).lower()
            if name.startswith("on") or name in {"srcdoc", "style"}:
                problems.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and squashed.split(":", 1)[0] in {"javascript", "vbscript", "data", "livescript"}:
                problems.append(f"{name}={value!r} on <{tag}>")
    return problems


RENDERERS = {
    "story": render_story_markdown,
    "article body": lambda text: render_article(text)[0],
    "faq answer": render_article_markdown,
}


@pytest.mark.parametrize("renderer", RENDERERS)
def test_renderers_neutralise_every_payload(renderer):
    render = RENDERERS[renderer]
    failures = []
    for payload in PAYLOADS:
        html = render(payload.text)
        if problems := audit_html(html):
            failures.append(f"{payload}\n    -> {html!r}\n    problems: {problems}")
        if "__xss" in html and "<" in html.split("__xss")[0][-1:]:
            failures.append(f"{payload}: sentinel right after a tag opener in {html!r}")
    assert not failures, f"{len(failures)} payload(s) survive the {renderer} renderer:\n" + "\n".join(failures[:20])


def test_whole_corpus_as_one_article_body():
    html, toc = render_article("\n\n".join(p.text for p in PAYLOADS))
    assert not audit_html(html)
    for item in toc:
        assert "<" not in item["id"] and '"' not in item["id"]


# --- In the browser ------------------------------------------------------------------------------------------


def audit_page(page, rec, label):
    problems = page.evaluate(DOM_AUDIT_JS)
    assert not problems, f"{label}: {len(problems)} injection trace(s):\n  " + "\n  ".join(problems[:25])
    rec.assert_clean(label)


@pytest.mark.browser
def test_audit_catches_an_unsanitised_page(chromium_browser):
    """The checks are not vacuous: raw payloads in a page without CSP do fire and are all reported."""
    context = chromium_browser.new_context()
    from tests.browser_helpers import INIT_SCRIPT, PageRecorder

    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    rec = PageRecorder(page)
    raw = "".join(p.text for p in PAYLOADS[:5])  # <img src=x onerror=__xss(1)>, <svg onload=...> ...
    page.set_content(f"<!doctype html><body>{raw}<a href='javascript:void(0)'>x</a></body>")
    page.wait_for_function("window.__xssHits.length > 0")
    problems = page.evaluate(DOM_AUDIT_JS)
    assert any("event attribute onerror" in p for p in problems)
    assert any("dangerous URL in href" in p for p in problems)
    assert 1 in rec.xss_hits()
    with pytest.raises(AssertionError, match="XSS sentinel called"):
        rec.assert_clean()
    context.close()


@pytest.fixture
def hostile_site(live_site, settings):
    """Every payload as a published story body, a display name (those that fit) and a reply; and a hostile article.

    The stories are stored published, as moderation.approve leaves them (decided by the moderator), without
    going through approve() one by one: 1,600 decisions would dominate the run and are tested elsewhere."""
    settings.STORIES_PER_PAGE = 10_000  # the whole corpus on one article page: one page load
    moderator = make_moderator("xss-moderator", staff=True)
    published = {"status": Comment.Status.APPROVED, "decided_by": moderator, "decided_at": timezone.now()}
    article = live_site.articles[0]
    # Closed to new stories: no reply form per story, so the page with 800+ stories renders quickly.
    Article.objects.filter(pk=article.pk).update(stories_open=False)
    article.refresh_from_db()
    names = {p.number: p.text for p in short(PAYLOADS, 60)}
    tops = []
    for payload in PAYLOADS:
        name = names.get(payload.number, f"Name {payload.number}")
        tops.append(make_story(article, name=name, body=payload.text, submitted_event=False, **published))
    for payload, parent in zip(PAYLOADS, tops, strict=True):
        name = names.get(payload.number, f"Reply {payload.number}")
        make_story(article, name=name, body=payload.text, parent=parent, submitted_event=False, **published)
    # One pending story holding the whole corpus: its status page and the moderation review tab.
    everything = "\n\n".join(p.text for p in PAYLOADS)
    token = make_story(article, name=names[1], body=everything, warnings=["abuse"]).token

    # The staff-authored article: hostile Markdown everywhere an editor can type.
    hostile = Article.objects.create(
        title=f"Hostile {PAYLOADS[0].text}",
        slug="hostile-markdown",
        summary=f"Summary {PAYLOADS[1].text}",
        body=everything,
        story_prompt="\n\n".join(p.text for p in PAYLOADS[:50]),
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
        stories_open=False,
    )
    FAQ.objects.bulk_create(
        [
            FAQ(article=hostile, order=p.number, question=p.text[:300], answer=p.text,
                answer_html=render_article_markdown(p.text), anchor=f"q-{p.number}")
            for p in PAYLOADS
        ]
    )  # fmt: skip
    assert FAQ.objects.filter(article=hostile).count() == len(PAYLOADS)
    return {"article": article, "hostile": hostile, "token": token, "moderator": moderator}


QUEUE_PAGE_JS = """() => [
  document.querySelectorAll(".mod-item").length,
  [...document.querySelectorAll("nav[aria-label=Pages] a.page-link")]
    .find((a) => a.textContent.includes("Next"))?.getAttribute("href") ?? null,
  document.querySelectorAll("details.cw").length > 0,
]"""


@pytest.mark.browser
def test_corpus_is_inert_in_the_browser(hostile_site, live_site, browser_page, monkeypatch):
    page, rec = browser_page
    # The queue 200 a page (the live server runs in this process): still paginated, 5 page loads instead of 17,
    # each with its fixed cost, and no one page near the ~830 stories that timed out.
    monkeypatch.setattr(queue_views, "PER_PAGE", 200)
    article, hostile = hostile_site["article"], hostile_site["hostile"]

    page.goto(article.get_absolute_url())
    count = page.locator("article.story").count()
    assert count == 2 * len(PAYLOADS), f"expected every story and reply on one page, found {count}"
    audit_page(page, rec, "stories on the article page")

    for url in (hostile.get_absolute_url(), hostile.get_faq_url(), reverse("articles:faq_index"), "/"):
        page.goto(url)
        audit_page(page, rec, url)
    assert page.locator(".article-card").count() == 3

    page.goto(Comment.status_url(hostile_site["token"]))
    audit_page(page, rec, "status page with the whole corpus")

    # Moderators are the most valuable target: the queue shows the raw names and rendered text.
    page.goto(reverse("login"))
    page.locator("#id_username").fill(hostile_site["moderator"].username)
    page.locator("#id_password").fill(live_site.password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    # Page by page, through the queue's own pagination: every story seen.
    seen, pages = {}, {}
    for tab in ("published", "review"):
        seen[tab] = pages[tab] = 0
        page.goto(reverse("moderation:queue") + f"?tab={tab}")
        while True:
            # One round trip per page: its stories, the link to the next page, whether a warned text is hidden.
            items, next_href, warned = page.evaluate(QUEUE_PAGE_JS)
            if warned:
                page.locator("details.cw summary").first.click()  # the content-warned text, revealed
            audit_page(page, rec, page.url)
            seen[tab] += items
            pages[tab] += 1
            if not next_href:
                break
            page.goto(urljoin(page.url, next_href))
    assert seen == {"published": 2 * len(PAYLOADS), "review": 1}
    assert pages["published"] > 1, "the walk followed the queue's pagination"


# --- No CSP violation on any page of the site ----------------------------------------------------------------


@pytest.mark.browser
def test_no_csp_violation_on_any_page(live_site, browser_page):
    page, rec = browser_page
    first, second = live_site.articles
    approved = make_story(first, name="Robin", body="A story that was approved and is now published.")
    reply = make_story(first, name="Kim", body="A reply to the story, also published by now.", parent=approved)
    pending = make_story(first, name="Sam", body="A story that is still waiting to be read.", warnings=["abuse"])
    token = pending.token
    moderator = make_moderator("moderator", staff=True)
    moderation.approve(approved, moderator)
    moderation.approve(reply, moderator)

    public = [
        "/", first.get_absolute_url(), second.get_absolute_url(), first.get_faq_url(), second.get_faq_url(),
        reverse("articles:faq_index"), "/no/such/page/", Comment.status_url(token),
        reverse("comments:edit", args=[token]), reverse("comments:withdraw", args=[token]),
        reverse("comments:report", args=[approved.pk]), reverse("login"),
        first.get_absolute_url() + "?stories_page=9",
    ]  # fmt: skip
    for url in public:
        page.goto(url)
        rec.assert_clean(url)
    # The reply page, and the story form with errors.
    page.goto(first.get_absolute_url())
    page.locator(f"#story-{approved.pk} .story-reply-link a").click()
    page.wait_for_load_state()
    assert page.locator("blockquote.story-quoted").count() == 1
    rec.assert_clean("reply page")
    page.goto(reverse("comments:post", args=[first.slug]))
    page.locator("#leave-a-comment button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    rec.assert_clean("story form with errors")

    page.goto(reverse("login"))
    page.locator("#id_username").fill(moderator.username)
    page.locator("#id_password").fill(live_site.password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    moderation_pages = [reverse("moderation:queue") + f"?tab={tab}" for tab in
                        ("review", "published", "rejected", "spam", "withdrawn")]  # fmt: skip
    moderation_pages += [
        reverse("moderation:moderate_story", args=[pending.pk]),
        reverse("moderation:moderate_edit", args=[pending.pk]),
        reverse("moderation:decide", args=[pending.pk, "reject"]),
        reverse("moderation:decide", args=[pending.pk, "approve"]),
        reverse("admin:index"),
    ]
    for url in moderation_pages:
        page.goto(url)
        rec.assert_clean(url)
