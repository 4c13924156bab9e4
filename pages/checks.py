"""A production site says who runs it: `manage.py check --deploy` reports an error without the publisher."""

from django.conf import settings
from django.core.checks import Error, Tags, register

REQUIRED = {
    "SITE_OPERATOR": "the organisation or person who runs the site, named on About, Contact and the privacy notice",
    "SITE_CONTACT_EMAIL": "the address readers write to, for corrections and for erasure or export of their data",
}


@register(Tags.security, deploy=True)
def check_publisher(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{name} is not set.",
            hint=f"Set the {name} environment variable: {purpose}. The privacy notice names the operator as data "
            "controller; without them readers cannot tell who holds their data or how to ask for its erasure.",
            id=f"pages.E00{number}",
        )
        for number, (name, purpose) in enumerate(REQUIRED.items(), start=1)
        if not getattr(settings, name, "")
    ]
