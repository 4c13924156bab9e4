from django.conf import settings


class PermissionsPolicyMiddleware:
    """Adds a Permissions-Policy header: the site needs no camera, microphone or location."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def add_static_security_headers(headers, path, url):
    """WHITENOISE_ADD_HEADERS_FUNCTION: the headers pages get from the middleware that static files skip.

    WhiteNoise answers before the CSP, Permissions-Policy and X-Frame-Options middleware run (SecurityMiddleware,
    outside it, still adds nosniff, Referrer-Policy and Cross-Origin-Opener-Policy). An SVG opened directly is a
    document, so it needs the page's policy too. The values come from the same settings the middleware read."""
    from csp.constants import HEADER, HEADER_REPORT_ONLY
    from csp.utils import build_policy

    for name, value in [
        (HEADER, build_policy()),
        (HEADER_REPORT_ONLY, build_policy(report_only=True)),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
        ("Permissions-Policy", settings.PERMISSIONS_POLICY),
    ]:
        if value:
            headers.setdefault(name, value)
