"""The visitor's network address, read the same way wherever the app needs it (flood limits, login throttling)."""

import ipaddress

from django.conf import settings


def client_address(request):
    """The visitor's address. Behind PROXY_COUNT trusted proxies (nginx, a load balancer) it is
    the entry that many hops from the right of X-Forwarded-For; the client can forge the rest."""
    if settings.PROXY_COUNT:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= settings.PROXY_COUNT:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR", "")


def login_client_address(request):
    """client_address() for django-axes (AXES_CLIENT_IP_CALLABLE): its column is an IP address field,
    so anything that is not an address counts as "no address" (None) instead of failing to save."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
