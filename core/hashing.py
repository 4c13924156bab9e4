"""Keyed hashes: the site counts and matches network addresses and email addresses without storing them."""

import hashlib
import hmac

from django.conf import settings


def hash_network_address(address):
    """A keyed hash of the network address: lets us limit floods and spot returning authors
    without ever storing the address itself."""
    if not address:
        return ""
    key = hashlib.sha256(("rewire-ip:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def canonical_email(email):
    """One form for every spelling that reaches the same inbox, so that limits and blocks cannot be dodged with
    `name+1@…` or Gmail's ignored dots: lower case, `+tag` removed, and for Gmail dots removed and googlemail.com
    read as gmail.com. Only for comparing and counting: mail still goes to the address as typed."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def hash_email(email):
    """A keyed hash of an email address's canonical form: counts and matches it (the mail cap, "lost link"
    requests, blocks) without storing it. A plain lower-case address hashes as it always did."""
    key = hashlib.sha256(("rewire-email:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, canonical_email(email).encode(), hashlib.sha256).hexdigest()
