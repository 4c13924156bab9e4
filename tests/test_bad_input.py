"""Bad input never gives a 500: huge page numbers and ids, forged uploads, HEAD requests,
invisible names and stories. Each test states what a person sees and what is (not) stored."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.factories import STORY_BODY, make_moderator, make_story, make_user
from tests.helpers import story_data

pytestmark = pytest.mark.django_db

Status = Comment.Status
HUGE_NUMBERS = ["9223372036854775807", str(2**63), str(10**23), "9" * 4000, "10000000000000000000"]


@pytest.fixture
def published(article):
    return [make_story(article, name=f"Reader {i}", status=Status.APPROVED) for i in range(3)]


def textarea(soup, name="body"):
    """The textarea's text as a browser reads it (the newline after the opening tag is not part of it)."""
    text = soup.find("textarea", {"name": name}).get_text()
    return text[1:] if text.startswith("\n") else text


def text_of(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def post_url(article):
    return reverse("comments:post", kwargs={"slug": article.slug})


# --- 1. Page numbers of the public story list ------------------------------------------------------------------


@pytest.mark.parametrize("number", HUGE_NUMBERS)
def test_a_huge_stories_page_is_an_empty_page(client, article, published, number):
    response = client.get(article.get_absolute_url(), {"stories_page": number})
    assert response.status_code == 200
    text = text_of(response)
    assert "There are no stories on this page." in text
    assert "Reader 0" not in text
    assert number not in text  # not echoed back (a 4,000-digit page number would swamp the page)


@pytest.mark.parametrize("number", ["-1", "-9223372036854775809", "0", "abc", "", "1e3", "٣"])
def test_a_page_number_that_is_not_a_page_shows_the_first_page(client, article, published, number):
    response = client.get(article.get_absolute_url(), {"stories_page": number})
    assert response.status_code == 200
    assert "Reader 0" in text_of(response)


def test_a_page_past_the_end_is_an_empty_page(client, article, published):
    response = client.get(article.get_absolute_url(), {"stories_page": "7"})
    assert response.status_code == 200
    assert "There are no stories on this page." in text_of(response)


# --- 2. Ids from forms and URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["10000000000000000000", str(2**63), "0", "-3", "12abc"])
def test_bulk_with_an_impossible_id_is_a_400_with_a_message(mod_client, article, bad_id):
    story = make_story(article)
    response = mod_client.post(reverse("moderation:bulk"), {"action": "approve", "ids": [story.pk, bad_id]})
    assert response.status_code == 400
    text = text_of(response)
    assert "No story has the number" in text
    assert "Back to the queue" in text
    story.refresh_from_db()
    assert story.status == Status.PENDING  # nothing done when the request is refused


def test_bulk_without_a_selection_is_a_400_with_a_message(mod_client):
    response = mod_client.post(reverse("moderation:bulk"), {"action": "approve"})
    assert response.status_code == 400
    assert "Select stories." in text_of(response)


def test_bulk_with_the_largest_id_is_fine(mod_client, article):
    story = make_story(article)
    response = mod_client.post(reverse("moderation:bulk"), {"action": "approve", "ids": [story.pk, str(2**63 - 1)]})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Status.APPROVED


@pytest.mark.parametrize("bad_id", HUGE_NUMBERS[:4] + ["-1"])
def test_reply_to_a_huge_id_is_a_404(client, article, published, bad_id):
    assert client.get(post_url(article), {"reply_to": bad_id}).status_code == 404


@pytest.mark.parametrize("bad_id", HUGE_NUMBERS[:4] + ["-1", "0"])
def test_a_huge_parent_is_a_form_error_and_keeps_the_text(client, article, published, bad_id):
    response = client.post(post_url(article), story_data(parent=bad_id, body=STORY_BODY + " kept"))
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert "You can only reply to a published story on this article." in soup.get_text()
    assert textarea(soup) == STORY_BODY + " kept"
    assert Comment.objects.count() == len(published)


@pytest.mark.parametrize("pk", ["1" * 19, "9" * 20, str(2**63), "9" * 4000])
def test_a_huge_id_in_a_url_is_a_404(mod_client, article, pk):
    for path in (
        f"/stories/{pk}/report/",
        f"/moderation/{pk}/",
        f"/moderation/{pk}/edit/",
        f"/moderation/{pk}/approve/",
    ):
        assert mod_client.get(path).status_code == 404, path
        assert mod_client.post(path, {"reason": "other", "note": "", "body": "x"}).status_code == 404, path


def test_the_id_converter_still_reaches_real_stories(mod_client, article, published):
    story = published[0]
    assert mod_client.get(reverse("comments:report", args=[story.pk])).status_code == 200
    assert mod_client.get(reverse("moderation:moderate_story", args=[story.pk])).status_code == 200


# --- 3. Markdown image uploads ---------------------------------------------------------------------------------


def _png(width, height):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@pytest.fixture
def staff_client():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("editor", staff=True))
    client.get(reverse("admin:index"))  # sets the CSRF cookie
    return client


def _upload(client, content, name="photo.png", content_type="image/png"):
    image = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(
        "/markdownx/upload/",
        {"image": image},
        headers={"x-requested-with": "XMLHttpRequest", "x-csrftoken": client.cookies["csrftoken"].value},
    )


def test_a_non_image_labelled_png_is_a_400(staff_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    response = _upload(staff_client, b"#!/bin/sh\necho this is not a picture\n" * 20)
    assert response.status_code == 400
    assert "not a PNG or JPEG image" in " ".join(response.json()["image"])
    assert not any(tmp_path.rglob("*.*"))


def test_a_decompression_bomb_is_a_400(staff_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    bomb = _png(20000, 20000)
    assert len(bomb) < settings.MARKDOWNX_UPLOAD_MAX_SIZE  # small on the wire, 400 million pixels once opened
    response = _upload(staff_client, bomb)
    assert response.status_code == 400
    assert "too large" in " ".join(response.json()["image"])
    assert not any(tmp_path.rglob("*.*"))


def test_a_truncated_png_is_a_400(staff_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    whole = _png(640, 480)
    response = _upload(staff_client, whole[: len(whole) // 2])  # a valid header, half the pixels
    assert response.status_code == 400
    assert "not a PNG or JPEG image (or it is damaged)" in " ".join(response.json()["image"])
    assert not any(tmp_path.rglob("*.*"))


def test_an_ordinary_png_is_still_stored(staff_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    response = _upload(staff_client, _png(640, 480))
    assert response.status_code == 200, response.content[:300]
    assert response.json()["image_code"].startswith("![](")
    assert any(tmp_path.rglob("*.png"))


def test_an_upload_without_ajax_is_a_400_too(staff_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    image = SimpleUploadedFile("photo.png", b"not an image", content_type="image/png")
    response = staff_client.post(
        "/markdownx/upload/", {"image": image}, headers={"x-csrftoken": staff_client.cookies["csrftoken"].value}
    )
    assert response.status_code == 400


# --- 4. HEAD answers like GET: tests/test_http.py walks every route of the URLconf ------------------------------


# --- 5. Names and stories without visible characters -----------------------------------------------------------


@pytest.mark.parametrize("name", ["\u200b\u200b\u200b", "\u202e", "\u2066\u200d\u2069", "\u00ad\ufeff"])
def test_an_invisible_name_is_refused_and_kept(client, article, name):
    response = client.post(post_url(article), story_data(name=name))
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert "Please give a display name with letters or numbers people can see." in soup.get_text()
    assert soup.find("input", {"name": "name"})["value"] == name
    assert textarea(soup) == STORY_BODY
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("body", ["\u200b" * 25, "\u200b \u200c\n\n\u200d\u2060" * 10, "\u202e" * 30])
def test_an_invisible_story_is_refused_and_kept(client, article, body):
    response = client.post(post_url(article), story_data(body=body))
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert "Your story seems to be empty: please write it in words people can see." in soup.get_text()
    assert textarea(soup) == body
    assert Comment.objects.count() == 0


def test_bidi_controls_are_taken_out_of_names(client, article):
    response = client.post(post_url(article), story_data(name="Sam\u202e rof \u2067yzzuf\u2069\u200f"))
    assert response.status_code == 303
    assert Comment.objects.get().name == "Sam rof yzzuf"


def test_a_name_with_joiners_keeps_them(client, article):
    # Zero-width joiners are part of some scripts and emoji: kept when there is something visible.
    name = "Ana \U0001f469\u200d\U0001f467"
    assert client.post(post_url(article), story_data(name=name)).status_code == 303
    assert Comment.objects.get().name == name


def _name_is_isolated(html, name):
    soup = BeautifulSoup(html, "html.parser")
    shown = [node for node in soup.body.find_all(string=lambda s: name in s)]
    assert shown, f"{name!r} is not shown"
    for node in shown:
        assert node.parent.name == "bdi" and node.strip() == name, node.parent


def test_every_page_isolates_the_commenters_name(client, article):
    # A name stored before bidi controls were taken out: the pages must still contain it.
    name = "Zed\u202eevil"
    story = make_story(article, name=name, status=Status.APPROVED)
    make_story(article, name=name, status=Status.APPROVED, parent=story)
    _name_is_isolated(client.get(article.get_absolute_url()).content, name)
    _name_is_isolated(client.get(post_url(article), {"reply_to": story.pk}).content, name)
    response = client.post(post_url(article), story_data(parent=story.pk, body="too short"))
    assert response.status_code == 400
    _name_is_isolated(response.content, name)
    _name_is_isolated(client.get(reverse("comments:report", args=[story.pk])).content, name)

    client.force_login(make_moderator())
    _name_is_isolated(client.get(reverse("moderation:queue") + "?tab=published").content, name)
    _name_is_isolated(client.get(reverse("moderation:moderate_story", args=[story.pk])).content, name)
    _name_is_isolated(client.get(reverse("moderation:decide", args=[story.pk, "reject"])).content, name)
    # The confirmation after a decision names the author too.
    pending = make_story(article, name=name)
    response = client.post(
        reverse("moderation:decide", args=[pending.pk, "approve"]), {"expected": "pending"}, follow=True
    )
    assert "Approved" in text_of(response)
    _name_is_isolated(response.content, name)
