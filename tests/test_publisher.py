"""The publisher: who runs the site, from the environment, on About, Contact and the privacy notice; a production
site without them fails `manage.py check --deploy`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from pages.checks import check_publisher
from tests.helpers import soup

pytestmark = pytest.mark.django_db


@pytest.fixture
def publisher(settings):
    settings.SITE_OPERATOR = "Rewire Trust"
    settings.SITE_CONTACT_EMAIL = "team@rewire.example"
    settings.SITE_POSTAL_ADDRESS = "1 High Street, Leeds LS1 1AA"
    settings.SITE_REGISTRATION = "Registered charity no. 1234567"
    call_command("load_articles", stdout=io.StringIO())
    return settings


def box(client, url):
    return " ".join(soup(client.get(url)).select_one(".publisher, .contact-address").get_text().split())


# --- The deploy check ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["SITE_OPERATOR", "SITE_CONTACT_EMAIL"])
def test_deploy_check_errors_without_the_publisher_in_production(settings, missing):
    settings.DEBUG = False
    settings.SITE_OPERATOR = "Rewire Trust"
    settings.SITE_CONTACT_EMAIL = "team@rewire.example"
    setattr(settings, missing, "")
    errors = check_publisher()
    assert [error.msg for error in errors] == [f"{missing} is not set."]
    assert errors[0].is_serious()
    with pytest.raises(SystemCheckError, match=f"{missing} is not set"):
        call_command("check", "--deploy", stdout=io.StringIO(), stderr=io.StringIO())


def test_deploy_check_passes_with_the_publisher_and_ignores_development(settings):
    settings.DEBUG = False
    settings.SITE_OPERATOR = "Rewire Trust"
    settings.SITE_CONTACT_EMAIL = "team@rewire.example"
    assert check_publisher() == []
    settings.DEBUG = True
    settings.SITE_OPERATOR = settings.SITE_CONTACT_EMAIL = ""
    assert check_publisher() == []


def test_the_plain_check_does_not_ask_for_the_publisher(settings):
    """Only --deploy: tests and development run without a publisher."""
    settings.DEBUG = False
    settings.SITE_OPERATOR = ""
    call_command("check", stdout=io.StringIO())


# --- The pages -------------------------------------------------------------------------------------------------


def test_about_names_who_runs_the_site(client, publisher):
    assert box(client, "/about/") == (
        "Who runs Rewire Rewire is run by Rewire Trust (Registered charity no. 1234567). You can write to "
        "team@rewire.example. Postal address: 1 High Street, Leeds LS1 1AA"
    )


def test_contact_gives_a_mailto_link_and_what_to_write_for_erasure_or_export(client, publisher):
    page = soup(client.get("/contact/"))
    link = page.select_one(".contact-address a[href^='mailto:']")
    assert link["href"] == "mailto:team@rewire.example"
    text = box(client, "/contact/")
    assert "Rewire is run by Rewire Trust (Registered charity no. 1234567)." in text
    assert "Postal address: 1 High Street, Leeds LS1 1AA" in text
    assert '"Erase my data" or "A copy of my data" as the subject' in text
    assert "never send your private story link" in text


def test_the_privacy_notice_names_the_data_controller(client, publisher):
    text = box(client, "/privacy/")
    assert text.startswith("Who is responsible for your data The data controller is Rewire Trust")
    assert "1 High Street, Leeds LS1 1AA" in text
    assert soup(client.get("/privacy/")).select_one(".publisher a[href^='mailto:']")["href"] == (
        "mailto:team@rewire.example"
    )


def test_without_a_publisher_the_pages_say_so_plainly(client, settings):
    settings.SITE_OPERATOR = settings.SITE_CONTACT_EMAIL = ""
    call_command("load_articles", stdout=io.StringIO())
    assert box(client, "/about/") == "Who runs Rewire This copy of Rewire has not said who runs it."
    assert "names no data controller" in box(client, "/privacy/")
    assert "mailto:" not in client.get("/contact/").content.decode()


def test_a_changed_setting_shows_on_the_cached_page(client, publisher):
    assert "Rewire Trust" in box(client, "/about/")
    publisher.SITE_OPERATOR = "Rewire CIC"
    assert "Rewire CIC" in box(client, "/about/")
