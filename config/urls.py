from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import include, path, register_converter
from django.utils.functional import lazy
from django.views.decorators.cache import cache_page
from django.views.generic import RedirectView

from articles.sitemaps import sitemaps
from articles.views import markdown_preview, markdown_upload
from core.converters import IdConverter
from core.views import robots_txt
from pages.sitemaps import PageSitemap

# <id:pk> in the apps' URLconfs, which are imported by include() below.
register_converter(IdConverter, "id")

static_lazy = lazy(static, str)

urlpatterns = [
    # The public pages first: patterns are tried in order, so the most requested pages match soonest.
    path("", include("articles.urls")),
    path("", include("care.urls")),
    path("", include("pages.urls")),
    path("", include("search.urls")),
    path("admin/", admin.site.urls),
    # markdownx's own views are open to anyone: mount staff-only wrappers at its URLs instead.
    path("markdownx/markdownify/", markdown_preview, name="markdownx_markdownify"),
    path("markdownx/upload/", markdown_upload, name="markdownx_upload"),
    path("sitemap.xml", cache_page(60 * 15)(sitemap), {"sitemaps": {**sitemaps, "pages": PageSitemap}}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's, plain-text responses). The hashed
    # name is looked up per request (management commands run before collectstatic) and changes with each
    # release, so the redirect is not permanent.
    path("favicon.ico", RedirectView.as_view(url=static_lazy("img/favicon.svg")), name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("comments.urls")),
    path("", include("moderation.urls")),
]
handler500 = "core.views.server_error"
