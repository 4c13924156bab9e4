"""Privacy against someone close: each attack written as the person she writes about would try it (he knows her
address, can read her inbox, shares her phone), against what the site does about it. Each failed on the code
before: a recovery request replaced her links, variants of her address were fresh allowances, reply notices went
to any typed address with the replier's chosen name, five wrong passwords from anywhere locked a moderator out,
and erased text stayed in SQLite's files."""

import json
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from post_office.models import Email

from comments import moderation, spam
from comments.models import Comment, LinkRecoveryRequest
from comments.notifications import send_status_link
from core.hashing import canonical_email, hash_email
from tests.factories import PASSWORD, STORY_BODY, make_article, make_moderator, make_story, make_user
from tests.helpers import copy_of, production_env, shell, soup

pytestmark = pytest.mark.django_db

HER = "robin.author@gmail.com"
HER_ADDRESS, HIS_ADDRESS = "10.0.0.1", "10.9.9.9"


@pytest.fixture
def site(settings):
    settings.EMAIL_BACKEND = "mail.outbox.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://stories.rewire.example"
    settings.STORY_FLOOD_LIMIT = 100
    settings.MAIL_PER_RECIPIENT_PER_DAY = 5
    settings.LINK_RECOVERY_LIMIT = 3
    settings.LINK_RECOVERY_INTERVAL = 3600
    return settings


def post_story(client, capture, article, email, body=STORY_BODY, address=HER_ADDRESS, **extra):
    data = {"name": "Robin", "email": email, "body": body, "consent": "on", "website": "", **extra}
    data["ts"] = spam.sign_timestamp()
    with capture(execute=True):
        response = client.post(reverse("comments:post", kwargs={"slug": article.slug}), data, REMOTE_ADDR=address)
    assert response.status_code == 303, response.content.decode()[:500]
    return response["Location"].split("?")[0]


def ask_for_links(client, capture, email, address):
    with capture(execute=True):
        return client.post(reverse("comments:lost_link"), {"email": email}, REMOTE_ADDR=address)


def links_in(message):
    return re.findall(r"https://stories\.rewire\.example(/stories/status/[^/\s]+/)", message.body)


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


# --- The private link --------------------------------------------------------------------------


def test_a_stranger_who_knows_her_address_cannot_lock_her_out_of_her_story(
    client, site, django_capture_on_commit_callbacks
):
    capture, article = django_capture_on_commit_callbacks, make_article()
    her_link = post_story(client, capture, article, HER)  # the link she kept
    # He sends four stories with her address (her mail cap for the day is full), then asks for her links.
    for number in range(4):
        post_story(client, capture, article, HER, body=f"{STORY_BODY} Not hers {number}.", address=HIS_ADDRESS)
    assert ask_for_links(client, capture, HER, HIS_ADDRESS).status_code == 200
    call_command("send_outbox")

    assert client.get(her_link).status_code == 200  # her saved link still works
    # The mail his request caused went to her inbox, and its links work too.
    (his_request,) = [message for message in to(HER) if message.body.count("/stories/status/") > 1]
    assert all(client.get(link).status_code == 200 for link in links_in(his_request))

    # Her own request, from her own connection: answered with working links although her cap is full.
    assert ask_for_links(client, capture, HER, HER_ADDRESS).status_code == 200
    before = len(to(HER))
    moderation.send_requested_links(now=timezone.now() + timedelta(hours=1, seconds=1))
    call_command("send_outbox")
    (answer,) = to(HER)[before:]
    assert answer.subject == "Your link"
    assert len(links_in(answer)) == 5 and all(client.get(link).status_code == 200 for link in links_in(answer))
    assert client.get(her_link).status_code == 200


def test_only_she_stops_the_other_links_from_her_page_and_she_can_mail_her_own_link_away(
    client, site, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    her_link = post_story(client, capture, make_article(), HER)
    ask_for_links(client, capture, HER, HIS_ADDRESS)
    call_command("send_outbox")
    (his_link,) = links_in([message for message in to(HER) if message.subject == "Your link"][-1])
    page = client.get(her_link)
    assert "There is 1 other link to this story" in page.content.decode()

    response = client.post(reverse("comments:stop_other_links", args=[her_link.split("/")[-2]]))
    assert response.status_code == 303
    assert client.get(his_link).status_code == 404 and client.get(her_link).status_code == 200
    assert "only this link works now" in client.get(response["Location"]).content.decode()

    # "Email me this link": a bad address keeps what was typed; a good one gets the link she is using.
    email_url = reverse("comments:email_link", args=[her_link.split("/")[-2]])
    bad = client.post(email_url, {"email": "not an address"})
    assert bad.status_code == 400 and 'value="not an address"' in bad.content.decode()
    with capture(execute=True):
        assert client.post(email_url, {"email": "only.me@example.org"}).status_code == 303
    (copy,) = to("only.me@example.org")
    assert copy.subject == "Your link" and her_link in copy.body


def test_the_recovery_page_does_the_same_database_work_for_known_and_unknown_addresses(client, site):
    for number in range(40):
        make_story(make_article() if number == 0 else Comment.objects.first().article, email=HER)

    def statements(email, address):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("comments:lost_link"), {"email": email}, REMOTE_ADDR=address)
        assert response.status_code == 200
        return [re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", query["sql"]) for query in queries]

    assert statements(HER, "10.1.0.1") == statements("nobody.here@example.org", "10.1.0.2")
    assert not Email.objects.exists()  # nothing looked up or mailed in the request itself


# --- Mail that does not give her away -----------------------------------------------------------


def test_variants_of_her_address_share_one_cap_and_one_block(client, site, django_capture_on_commit_callbacks):
    site.MAIL_PER_RECIPIENT_PER_DAY = 2
    article = make_article(title="Leaving a narcissist")
    variants = ["robin.author@gmail.com", "RobinAuthor+1@googlemail.com", "r.o.b.i.n.author+x@gmail.com"]
    assert len({canonical_email(variant) for variant in variants}) == 1
    assert canonical_email("Kit.Lane+news@example.org") == "kit.lane@example.org"  # dots matter elsewhere
    queued = [send_status_link(make_story(article, email=variant).pk, "a-token") for variant in variants]
    assert [row is not None for row in queued] == [True, True, False]

    # A moderator blocks the troll by email; a dotted, tagged spelling of it is held as spam all the same.
    troll = make_story(article, email="troll.account@gmail.com", status=Comment.Status.APPROVED)
    moderation.block_author(troll, make_moderator(), by_email=True, by_network=False, duration="7", reason="Abuse")
    post_story(client, django_capture_on_commit_callbacks, article, "trollaccount+2@googlemail.com", address="10.3.3.3")
    assert Comment.objects.latest("id").status == Comment.Status.SPAM
    assert Comment.objects.latest("id").flag_blocked_author


def test_reply_notices_and_decisions_reach_only_a_confirmed_address_and_carry_nothing_the_replier_chose(
    client, site, django_capture_on_commit_callbacks
):
    capture, moderator = django_capture_on_commit_callbacks, make_moderator()
    article = make_article(title="Narcissistic abuse and the body")
    post_story(client, capture, article, HER, notify_outcome="on", notify_replies="on")
    story = Comment.objects.get()
    with capture(execute=True):
        moderation.approve(story, moderator)
        moderation.approve(make_story(article, parent=story, name="Your Husband Dave", body=STORY_BODY), moderator)
    (first,) = to(HER)  # only the private link: no decision, no reply notice to an unconfirmed address
    confirm_url = re.search(r"https://stories\.rewire\.example(/stories/confirm-email/[^/\s]+/)", first.body).group(1)

    assert "Yes, this is my address" in client.get(confirm_url).content.decode()  # a scanner's GET confirms nothing
    assert Comment.objects.get(pk=story.pk).email_confirmed_at is None
    assert "your address is confirmed" in client.post(confirm_url).content.decode()
    with capture(execute=True):
        moderation.approve(make_story(article, parent=story, name="Your Husband Dave", body=STORY_BODY), moderator)
    (notice,) = to(HER)[1:]
    assert notice.subject == "An update" and "Dave" not in notice.body + notice.alternatives[0][0]
    assert client.post(confirm_url.replace("/confirm-email/", "/confirm-email/x")).status_code == 400


def test_author_mail_says_nothing_revealing_in_its_subject_sender_or_first_line(
    client, site, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    article = make_article(title="Narcissistic abuse recovery")
    status_link = post_story(client, capture, article, HER, notify_outcome="on", notify_replies="on")
    Comment.objects.update(email_confirmed_at=timezone.now())
    story, moderator = Comment.objects.get(), make_moderator()
    with capture(execute=True):
        moderation.approve(story, moderator)
        moderation.approve(make_story(article, parent=story, body=STORY_BODY), moderator)
        client.post(reverse("comments:email_link", args=[status_link.split("/")[-2]]), {"email": HER})
    ask_for_links(client, capture, HER, HER_ADDRESS)
    call_command("send_outbox")
    with capture(execute=True):
        moderation.contact_author(make_story(article, email=HER, body=STORY_BODY + " Held."), moderator)

    messages = to(HER)
    assert len(messages) == 6
    for message in messages:
        first_line = message.body.strip().splitlines()[0]
        html_first = soup_text_first_line(message.alternatives[0][0])
        for shown in (message.subject, first_line, html_first, message.from_email):
            assert not re.search(r"stor(y|ies)|abuse|narcissis|" + re.escape(article.title), shown, re.I), shown


def soup_text_first_line(html):
    return BeautifulSoup(html, "html.parser").find("main").get_text("\n").strip().splitlines()[0]


# --- The device ------------------------------------------------------------------------------


def test_her_pages_have_a_neutral_title_no_advice_to_bookmark_and_the_link_whole_with_a_copy_button(
    client, site, django_capture_on_commit_callbacks
):
    link = post_story(client, django_capture_on_commit_callbacks, make_article(), HER)
    token = link.split("/")[-2]
    page = soup(client.get(link + "?submitted=1"))
    assert page.title.get_text() == "Rewire"
    assert "bookmark" not in page.get_text().lower()
    shown = page.find(id="private-link")
    assert shown.name == "p" and shown.get_text() == "http://testserver" + link  # text: wraps, selectable
    assert "user-select-all" in shown["class"] and "text-break" in shown["class"]
    assert page.find("button", attrs={"data-copy": "private-link"}) is not None
    assert page.find("script", src=re.compile(r"js/copy\.js$")) is not None
    assert page.find("a", href=reverse("care:help") + "#staying-safe-online") is not None
    for name in ("edit", "withdraw"):
        assert soup(client.get(reverse(f"comments:{name}", args=[token]))).title.get_text() == "Rewire"

    help_page = soup(client.get(reverse("care:help")))
    section = help_page.find(id="staying-safe-online").parent
    hrefs = {a["href"] for a in section.find_all("a")}
    assert "https://refugetechsafety.org/" in hrefs
    assert "https://www.womensaid.org.uk/information-support/what-is-domestic-abuse/cover-your-tracks/" in hrefs
    for kept in ("rewire-theme", "rewire-help-region", "csrftoken", "sessionid"):
        assert kept in section.get_text()


# --- Moderators --------------------------------------------------------------------------------


@pytest.mark.parametrize("login_url", ["login", "admin:login"])
def test_five_wrong_passwords_from_five_addresses_do_not_lock_the_moderator_out(client, settings, login_url):
    settings.AXES_FAILURE_LIMIT = 5
    make_user("mod", staff=True, moderator=True)
    for number in range(5):
        client.post(reverse(login_url), {"username": "mod", "password": "guess"}, REMOTE_ADDR=f"10.6.0.{number}")
    response = client.post(reverse(login_url), {"username": "mod", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


# --- Erased means gone -------------------------------------------------------------------------

ERASE_CODE = """
import json, os
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from articles.models import Article
from comments import moderation
from comments.models import Comment
article = Article.objects.published().first()
for email, text in (("erase.me@example.org", "{erased}"), ("withdraw.me@example.org", "{withdrawn}")):
    story = Comment(article=article, name="Robin", email=email, body=text * 40)
    story.save()
call_command("erase_commenter", "erase.me@example.org")
moderation.withdraw(Comment.objects.get(email="withdraw.me@example.org"))
path = settings.DATABASES["default"]["NAME"]
files = [str(path), str(path) + "-wal"]
counts = {{}}
for text in ("{erased}", "{withdrawn}"):
    counts[text] = sum(open(f, "rb").read().count(text.encode()) for f in files if os.path.exists(f))
print(json.dumps({{"open": connection.connection is not None, "counts": counts}}))
"""


@pytest.mark.slow
def test_erased_and_withdrawn_text_is_gone_from_the_sqlite_files(sqlite_template, tmp_path):
    """In a real SQLite file in WAL mode, read while the process still holds its connection (closing the last
    one would checkpoint the log by itself)."""
    path = copy_of(sqlite_template, tmp_path / "db.sqlite3")
    erased, withdrawn = "Hawthorn-Street-Erase-7731 ", "Quince-Lane-Withdraw-4410 "
    result = shell(production_env(SQLITE_PATH=str(path)), ERASE_CODE.format(erased=erased, withdrawn=withdrawn))
    assert result["open"] is True
    assert result["counts"] == {erased: 0, withdrawn: 0}


def test_recovery_rows_keep_the_typed_address_only_until_answered(client, site, django_capture_on_commit_callbacks):
    make_story(make_article(), email=HER)
    ask_for_links(client, django_capture_on_commit_callbacks, HER, HER_ADDRESS)
    (row,) = LinkRecoveryRequest.objects.values("email", "email_hash", "handled_at")
    assert row["email"] == HER and row["email_hash"] == hash_email(HER) and row["handled_at"] is None
    call_command("send_outbox")
    (row,) = LinkRecoveryRequest.objects.values("email", "handled_at")
    assert row["email"] == "" and row["handled_at"] is not None
    assert "@" not in json.dumps(list(LinkRecoveryRequest.objects.values()), default=str)
