"""Defences against spam and floods, and the risk flags that order the moderation queue.

Everything that counts (floods, duplicates, report limits) counts rows in the DATABASE, so the
limits hold across several server processes. Nothing here stores a raw network address.
"""

import re
import time
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils import timezone

from .identifying import identifying_matches
from .models import Comment, Report, WatchedWord, earlier_by_same_author
from .self_harm import flag_self_harm  # noqa: F401  (the one entry point, comments.spam.flag_self_harm)
from .watched import watched_matches, watched_words

FORM_SALT = "comments.story-form.timestamp"
HONEYPOT_FIELD = "website"

STALE_MESSAGE = "This form is too old, please copy your story and reload the page."
FORGED_MESSAGE = "This form could not be checked, please copy your story and reload the page."
TOO_FAST_MESSAGE = "The form was sent very quickly. Please take a moment to read your story over, then send it again."


# --- Signed timestamp -------------------------------------------------------------------------


def _signer():
    return signing.TimestampSigner(salt=FORM_SALT)


def sign_timestamp():
    """The value of the hidden `ts` field, signed when the form is rendered. It carries only the
    time (whole seconds), so one signature serves every form rendered in the same second."""
    now = int(time.time())
    if _last_stamp[0] != now:
        _last_stamp[:] = [now, _signer().sign("story-form")]
    return _last_stamp[1]


_last_stamp = [None, ""]


def check_timestamp(value, now=None):
    """None when the signed timestamp is fine, otherwise the message to show."""
    signer = _signer()
    value = value or ""
    try:
        signer.unsign(value, max_age=settings.STORY_FORM_MAX_AGE)
    except signing.SignatureExpired:
        return STALE_MESSAGE
    except signing.BadSignature:
        return FORGED_MESSAGE
    # The signature is valid, so the timestamp inside it is authentic.
    _, ts, _ = value.rsplit(signer.sep, 2)
    age = (now or time.time()) - signing.b62_decode(ts)
    if age < settings.STORY_MIN_SECONDS:
        return TOO_FAST_MESSAGE
    return None


# --- Floods and duplicates (counted in the database) ------------------------------------------


def flood_exceeded(ip_hash):
    """STORY_FLOOD_LIMIT stories from one network address per STORY_FLOOD_WINDOW seconds."""
    if not ip_hash:
        return False
    since = timezone.now() - timedelta(seconds=settings.STORY_FLOOD_WINDOW)
    return Comment.objects.filter(ip_hash=ip_hash, created_at__gte=since).count() >= settings.STORY_FLOOD_LIMIT


def _free_again_at(times, limit, window, now):
    """When a flood limit lets the next one through: `times` are the counted rows' times, oldest first; the
    limit frees a place when enough of them have left the window."""
    excess = len(times) - limit
    return now if excess < 0 else max(now, times[excess] + window)


def flood_retry_at(ip_hash, now=None):
    """When a network address over the story flood limit may send a story again."""
    now = now or timezone.now()
    window = timedelta(seconds=settings.STORY_FLOOD_WINDOW)
    times = Comment.objects.filter(ip_hash=ip_hash, created_at__gte=now - window).order_by("created_at")
    return _free_again_at(list(times.values_list("created_at", flat=True)), settings.STORY_FLOOD_LIMIT, window, now)


def report_flood_retry_at(ip_hash, now=None):
    """When a network address over the report flood limit may report again."""
    now = now or timezone.now()
    window = timedelta(hours=1)
    times = Report.objects.filter(ip_hash=ip_hash, created_at__gte=now - window).order_by("created_at")
    return _free_again_at(list(times.values_list("created_at", flat=True)), settings.REPORT_FLOOD_LIMIT, window, now)


def report_flood_exceeded(ip_hash):
    """REPORT_FLOOD_LIMIT reports from one network address per hour."""
    if not ip_hash:
        return False
    since = timezone.now() - timedelta(hours=1)
    return Report.objects.filter(ip_hash=ip_hash, created_at__gte=since).count() >= settings.REPORT_FLOOD_LIMIT


def normalise_body(text):
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[^\w\s]", " ", text)  # punctuation separates words: "re-sign" is not "resign"
    return " ".join(text.split())


def is_duplicate(article, body, ip_hash="", email=""):
    """The same text from the same network address or email on the same article within a day."""
    keys = {}
    if ip_hash:
        keys["ip_hash"] = ip_hash
    if email:
        keys["email__iexact"] = email
    if not keys:
        return False
    who = Q()
    for key, value in keys.items():
        who |= Q(**{key: value})
    since = timezone.now() - timedelta(days=1)
    wanted = normalise_body(body)
    candidates = (
        Comment.objects.filter(article=article, created_at__gte=since)
        .filter(who)
        .exclude(status=Comment.Status.WITHDRAWN)
        .values_list("body", flat=True)
    )
    return any(normalise_body(other) == wanted for other in candidates)


# --- Risk flags ------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|io|co|uk|me|info|biz|app)\b(?:/\S*)?", re.I)


def flag_identifying(text):
    """Names, places, workplaces, addresses or contact details that could identify someone
    (identifying_matches says which words)."""
    return bool(identifying_matches(text))


def flag_links(text):
    return bool(_URL.search(text or ""))


def is_returning_author(comment):
    """An earlier story with the same email or network address (comments.models.earlier_by_same_author, the
    definition the moderation queue's labels and filters use)."""
    if not (comment.email or comment.ip_hash):
        return False
    stored = comment.pk is not None and comment.created_at is not None
    before = (comment.created_at, comment.pk) if stored else (None, None)
    return Comment.objects.filter(earlier_by_same_author(comment.email, comment.ip_hash, *before)).exists()


def apply_risk_flags(comment, words=None):
    """Sets the risk flags of an unsaved or edited story from its name and text. The moderators' watched
    words (`words`, else read now: one query) set flag_watched_words; those to hold as spam are left in
    `comment.watched_hold` for the caller (comments.moderation.hold_as_spam)."""
    text = f"{comment.name}\n{comment.body}"
    matches = watched_matches(text, watched_words() if words is None else words)
    comment.flag_watched_words = bool(matches)
    comment.watched_hold = list(dict.fromkeys(m.phrase for m in matches if m.action == WatchedWord.Action.HOLD))
    comment.flag_self_harm = flag_self_harm(comment.body)
    comment.flag_identifying = flag_identifying(text)
    comment.flag_links = flag_links(text)
    comment.is_returning_author = is_returning_author(comment)
    return comment
