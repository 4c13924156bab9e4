from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.utils.cache import patch_cache_control


class PermissionsPolicyMiddleware:
    """Adds a Permissions-Policy header: the site needs no camera, microphone or location."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class PrivateByDefaultMiddleware:
    """A response that says nothing about caching is marked private: a shared cache in front of the site (nginx,
    a CDN) keeps only what a public page marks as public (core/pagecache.py, PUBLIC_CACHE_SECONDS), never a
    form with a visitor's CSRF token, a status page or a moderator's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        return response


def _security_headers():
    """The headers every page gets from the security middleware (CSP, Permissions-Policy, X-Frame-Options,
    SecurityMiddleware's), from the same settings they read."""
    referrer_policy = settings.SECURE_REFERRER_POLICY
    if referrer_policy and not isinstance(referrer_policy, str):
        referrer_policy = ",".join(referrer_policy)
    return [
        (HEADER, build_policy()),
        (HEADER_REPORT_ONLY, build_policy(report_only=True)),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
        ("Permissions-Policy", settings.PERMISSIONS_POLICY),
        ("X-Content-Type-Options", "nosniff" if settings.SECURE_CONTENT_TYPE_NOSNIFF else ""),
        ("Referrer-Policy", referrer_policy),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY),
    ]


def add_static_security_headers(headers, path, url):
    """WHITENOISE_ADD_HEADERS_FUNCTION: the headers pages get from the middleware that static files skip.

    WhiteNoise answers before the CSP, Permissions-Policy and X-Frame-Options middleware run (SecurityMiddleware,
    outside it, still adds nosniff, Referrer-Policy and Cross-Origin-Opener-Policy). An SVG opened directly is a
    document, so it needs the page's policy too."""
    for name, value in _security_headers():
        if value:
            headers.setdefault(name, value)


class ErrorPageSecurityHeadersMiddleware:
    """First in MIDDLEWARE: an error page refused by a middleware (a bad Host is refused by SecurityMiddleware's
    HTTPS redirect or CommonMiddleware, before the middleware inside them ever sees the response) still gets
    every header the other pages get."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 400:
            for name, value in _security_headers():
                if value:
                    response.headers.setdefault(name, value)
        return response
