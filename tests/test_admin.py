"""Every page of the admin that editors and moderators use answers: each registered model's list (searched,
and filtered on its plain fields), its add form and an object's change form. On PostgreSQL this also runs the
admin's queries with the server-side parameter binding and prepared statements the settings ask for."""

from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from comments import moderation
from comments.models import Report
from tests.factories import make_article, make_story, make_user

pytestmark = pytest.mark.django_db


def filter_queries(model, model_admin):
    """One query string per plain list_filter field: its first choice, or true for a yes/no field."""
    for name in model_admin.list_filter:
        if not isinstance(name, str) or "__" in name:
            continue
        field = model._meta.get_field(name)
        if isinstance(field, models.BooleanField):
            yield {f"{name}__exact": "1"}
        elif field.choices:
            yield {f"{name}__exact": field.choices[0][0]}


def test_every_admin_list_add_and_change_page_answers(client):
    call_command("load_articles", stdout=StringIO())
    article = make_article()
    story = make_story(article, email="sam@example.org")
    make_story(article, parent=story, body="Thank you for writing this. It helped me to read it today.")
    moderation.approve(story, make_user("mod", moderator=True))
    Report.objects.create(comment=story, reason=Report.Reason.choices[0][0], ip_hash="reporter")
    editor = make_user("editor", superuser=True)
    client.force_login(editor)
    request = RequestFactory().get("/admin/")
    request.user = editor

    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"{name}_changelist")
        queries = [{}, *filter_queries(model, model_admin)] + ([{"q": "story"}] if model_admin.search_fields else [])
        for query in queries:
            assert client.get(changelist, query).status_code == 200, (changelist, query)
        if model_admin.has_add_permission(request):
            assert client.get(reverse(f"{name}_add")).status_code == 200, name
        if (obj := model._default_manager.order_by("pk").first()) is not None:
            assert client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200, name
