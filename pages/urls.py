from django.urls import path

from . import views
from .models import Page

app_name = "pages"

# One address per page, named after its slug ({% url 'pages:privacy' %}).
urlpatterns = [path(f"{slug}/", views.page_detail, {"slug": slug}, name=slug) for slug in Page.Slug.values]
