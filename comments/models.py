import secrets

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from core.hashing import hash_email, hash_token

from .markdown import render_story_markdown


def earlier_by_same_author(email, ip_hash, created_at=None, pk=None, link="any"):
    """The stories sent before one story by the same author, as a filter: `link` "email" (the same address:
    strong), "network" (the same network-address hash but not the same address: weak, since a shelter's or a
    library's Wi-Fi links different people) or "any". Values may be OuterRef()s (the queue's annotations and
    filters) or plain values (Comment.is_returning_author when a story is saved): one definition for both, so
    "First story from this author", the returning/first-time filters and the history counts always agree.
    A blank address or hash links nobody; without created_at (a new story) every stored story is earlier."""
    same_email = Q(email=email) & ~Q(email="")
    same_network = Q(ip_hash=ip_hash) & ~Q(ip_hash="")
    q = {"email": same_email, "network": same_network & ~same_email, "any": same_email | same_network}[link]
    if created_at is not None:
        q &= Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
    return q


class CommentQuerySet(models.QuerySet):
    """Who sees what. Views, counts, feeds and sitemaps select stories only through these."""

    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def public(self):
        """Approved stories under articles the public may see."""
        return self.approved().filter(article__in=Article.objects.published())

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def needs_review(self):
        """Pending stories, and published ones that readers have reported: those the approve and keep
        transitions apply to (comments.moderation.awaiting_decision_q; a test checks the two agree)."""
        return self.filter(Q(status=Comment.Status.PENDING) | Q(status=Comment.Status.APPROVED, open_reports__gt=0))

    def rejected(self):
        return self.filter(status=Comment.Status.REJECTED)

    def spam(self):
        return self.filter(status=Comment.Status.SPAM)

    def withdrawn(self):
        return self.filter(status=Comment.Status.WITHDRAWN)

    def by_token(self, token):
        """The story one of its private links (PrivateLink) opens; DoesNotExist for any other token."""
        return self.get(private_links__token_hash=hash_token(token or ""))

    def latest_change(self):
        """When any story last changed (every submission, edit, decision and report saves it): the
        moderation queue's cache key. Asked on every queue request, so it is one short SQL statement
        on the updated_at index instead of an ORM query compiled each time."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT MAX(updated_at) FROM comments_comment")
            return cursor.fetchone()[0]


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Published"
        REJECTED = "rejected", "Not published"
        SPAM = "spam", "Spam"
        WITHDRAWN = "withdrawn", "Withdrawn by the author"

    class ContentWarning(models.TextChoices):
        ABUSE = "abuse", "Abuse"
        SELF_HARM = "self-harm", "Self-harm or suicide"
        SUBSTANCE_USE = "substance-use", "Substance use"
        VIOLENCE = "violence", "Violence"
        SEXUAL_VIOLENCE = "sexual-violence", "Sexual violence"

    class RejectReason(models.TextChoices):
        IDENTIFIES_PEOPLE = "identifies-people", "It names or could identify another person"
        PERSONAL_DATA = "personal-data", "It contains contact details or other personal data"
        OFF_TOPIC = "off-topic", "It is not about the article's subject"
        HARMFUL = "harmful", "It could harm readers (for example, detailed methods of self-harm)"
        ABUSIVE = "abusive", "It attacks or harasses someone"
        MEDICAL_ADVICE = "medical-advice", "It gives medical advice we cannot publish"
        OTHER = "other", "Another reason (see the note)"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    name = models.CharField("display name", max_length=60)
    email = models.EmailField(blank=True, help_text="Never shown publicly.")
    notify_outcome = models.BooleanField(default=False)
    # "Tell me when someone replies": one mail per reply a moderator publishes (only with an email).
    notify_replies = models.BooleanField(default=False)
    # The story this one rewrites: its author sent a new version after it was not published.
    previous_version = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="new_versions"
    )
    body = models.TextField(max_length=settings.STORY_MAX_LENGTH)
    body_html = models.TextField(editable=False, default="")
    content_warnings = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_reason = models.CharField(max_length=30, choices=RejectReason.choices, blank=True)
    decision_note = models.TextField(blank=True, help_text="Shown to the author on their status page.")
    # Risk flags, set when the story is submitted or edited; they order and filter the queue.
    flag_self_harm = models.BooleanField(default=False)
    flag_identifying = models.BooleanField(default=False)
    # The writer was shown the words that may identify someone before sending, and chose to send it as it is.
    identifying_confirmed = models.BooleanField(default=False, editable=False)
    flag_links = models.BooleanField(default=False)
    is_returning_author = models.BooleanField(default=False)
    # A moderator's watched word or phrase is in the name or text (comments.watched); the queue marks it.
    flag_watched_words = models.BooleanField(default=False)
    # Sent while its author was blocked (comments.models.Block): held as spam at once, without telling them.
    flag_blocked_author = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    open_reports = models.PositiveIntegerField(default=0, help_text="Reports since the last moderation decision.")
    # When the author opened the confirmation link of her first mail: until then decisions and reply notices
    # are not mailed (anyone can type an address into the form).
    email_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    # Chosen by a moderator in the care step (a story that may be about self-harm or suicide): a short
    # support note with the help link is shown under the published story.
    support_note = models.BooleanField(
        default=False, help_text="Show a support note with the help link under the published story."
    )
    # When a moderator last sent the author a kind message from the care step (the queue shows it).
    author_contacted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a moderator notice (ordinary or urgent) first covered this story: every new story is mailed once.
    moderators_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "story"
        verbose_name_plural = "stories"
        permissions = [("moderate", "Can moderate stories")]
        indexes = [
            # The published thread: approved top-level stories of one article, oldest first.
            models.Index(fields=["article", "status", "parent", "created_at", "id"], name="story_thread_idx"),
            # The same for top-level stories only: PostgreSQL reads a page of them in index order from
            # here (`parent_id IS NULL` is not an equality, so it cannot from the index above: it walked
            # every approved comment of the site in date order instead).
            models.Index(
                fields=["article", "status", "created_at", "id"],
                condition=Q(parent__isnull=True),
                name="story_top_level_idx",
            ),
            # The queue: by status, oldest first.
            models.Index(fields=["status", "created_at", "id"], name="story_queue_idx"),
            models.Index(fields=["email"], name="story_email_idx"),
            # The queue's tab counts (grouped by status, with reported ones) without reading table rows.
            models.Index(fields=["status", "open_reports"], name="story_status_reports_idx"),
            # The latest change to any story: the moderation queue's cache key.
            models.Index(fields=["updated_at"], name="story_updated_idx"),
            # Needs review, self-harm first then oldest: ids chosen from the index alone.
            models.Index(fields=["status", "flag_self_harm", "created_at", "id"], name="story_review_idx"),
            # Stories no moderator notice has covered yet: a handful of rows, found without a table scan.
            models.Index(fields=["id"], condition=Q(moderators_notified_at__isnull=True), name="story_unnotified_idx"),
        ]

    def __str__(self):
        return f"{self.name} on {self.article}: {self.body[:40]}"

    def save(self, *args, **kwargs):
        self.body_html = render_story_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#story-{self.pk}"

    def issue_token(self):
        """One more private link to this (saved) story; returns its secret (only the hash is stored)."""
        token = secrets.token_urlsafe(32)
        PrivateLink.objects.create(story=self, token_hash=hash_token(token))
        return token

    @staticmethod
    def status_url(token):
        return reverse("comments:status", kwargs={"token": token})

    @property
    def needs_care(self):
        """May be about self-harm or suicide: flagged when written (or after a reader's at-risk report), or
        warned so by its author. Never published by one key or click, only through the moderators' care step
        (comments.moderation.approve refuses it without a care choice); public pages put a support note under
        it and offer no replies."""
        return self.flag_self_harm or self.ContentWarning.SELF_HARM in self.content_warnings

    @property
    def held_automatically(self):
        """Sent to spam on arrival (a blocked author, a watched word to hold), before any moderator decided:
        its author is shown it as waiting for review, as any other new story."""
        return self.status == self.Status.SPAM and self.decided_at is None

    @property
    def status_for_author(self):
        return self.Status.PENDING if self.held_automatically else self.status

    @property
    def content_warning_labels(self):
        return self._labels(self.content_warnings)

    @property
    def shown_warnings(self):
        """The warnings readers (and moderators) see this story behind: for a reply, its parent's first (it
        answers, often quotes, what it replies to), then its own. Whoever loads replies in bulk sets
        `parent_warnings` on them (the thread, the queue's annotation): no query per reply. Otherwise the
        parent is read."""
        inherited = getattr(self, "parent_warnings", None)
        if inherited is None:
            inherited = self.parent.content_warnings if self.parent_id else []
        return list(dict.fromkeys([*inherited, *self.content_warnings]))

    @property
    def shown_warning_labels(self):
        return self._labels(self.shown_warnings)

    def _labels(self, codes):
        labels = dict(self.ContentWarning.choices)
        return [labels.get(code, code) for code in codes]


class PrivateLink(models.Model):
    """A secret link to a story's status page (its hash). A story may have several: asking for a link again
    ("Lost your private link?") adds one and never stops the others, so nobody who merely knows the address can
    lock the author out; she stops the other links herself from her status page."""

    story = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="private_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"Private link to story {self.story_id} ({self.created_at:%Y-%m-%d %H:%M})"


class ModerationEvent(models.Model):
    """The history of a story: every change of status or text, with who, when and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        EDITED_BY_AUTHOR = "author-edit", "Edited by the author"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Marked as spam"
        RESTORED = "restored", "Restored to the queue"
        EDITED = "edited", "Edited by a moderator"
        REDACTED = "redacted", "Redacted by a moderator"
        WITHDRAWN = "withdrawn", "Withdrawn by the author"
        REPORTED = "reported", "Reported by a reader"
        HIDDEN = "hidden", "Hidden after reports"
        ERASED = "erased", "Personal data erased"
        WARNINGS_CHANGED = "warnings", "Content warnings changed"
        CONTACTED = "contacted", "Contacted the author"
        NEW_VERSION = "new-version", "New version sent by the author"
        HELD_AS_SPAM = "held-spam", "Held as spam automatically"
        NOT_HELD = "not-held", "Not held as spam: may be about self-harm"
        REPORTS_DISMISSED = "dismissed", "Reports dismissed"
        BLOCKED = "blocked", "Author blocked"
        UNBLOCKED = "unblocked", "Author unblocked"

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=10, choices=Comment.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Comment.Status.choices, blank=True)
    reason = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)
    previous_body = models.TextField(blank=True, help_text="The text before an edit or redaction (moderators only).")
    # The decision this row takes back (comments.moderation.undo): an undone decision is not counted as one.
    undoes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        # The queue statistics: the decisions of the last days, without reading the whole history.
        indexes = [models.Index(fields=["action", "created_at"], name="event_action_time_idx")]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class Report(models.Model):
    class Reason(models.TextChoices):
        # Not a complaint about the story: a worry about its writer. It never counts towards hiding the story;
        # it brings every moderator to it at once (comments.moderation.report).
        AT_RISK = "at-risk", "The writer may be at risk of harming themselves"
        IDENTIFIES_PEOPLE = "identifies-people", "It names or identifies someone"
        HARMFUL = "harmful", "It could harm someone"
        ABUSIVE = "abusive", "It is abusive or hateful"
        SPAM = "spam", "It is spam or advertising"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="reports")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One report per reader (network-address hash) per story, whatever the number of concurrent requests:
            # comments.moderation.report treats the second as already reported.
            models.UniqueConstraint(
                fields=["comment", "ip_hash"], condition=~Q(ip_hash=""), name="one_report_per_reporter"
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} on story {self.comment_id}"


class ModeratorMailMarker(models.Model):
    """One row per kind of batched moderator mail: when it was last sent. Locked (select_for_update, and
    SQLite's immediate transactions) while a notice is decided, so that across all server processes at most
    one ordinary notice goes out per MODERATOR_MAIL_INTERVAL."""

    class Kind(models.TextChoices):
        NEW_STORIES = "new-stories", "New stories"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.get_kind_display()} (last sent {self.last_sent_at or 'never'})"


class ModeratorPreference(models.Model):
    """A moderator's choice about mail. Urgent notices (a story about self-harm, a writer at risk) are
    always sent; addresses in settings.MODERATOR_EMAILS always get the ordinary ones too."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_preference")
    ordinary_notices = models.BooleanField(
        "Email me about new stories",
        default=True,
        help_text="At most one mail per interval, saying how many new stories are waiting.",
    )

    def __str__(self):
        return f"Mail preferences of {self.user}"


class StoryViewing(models.Model):
    """A moderator has a story's moderation page open (last_seen moves each time they load it): the queue
    tells the others, so that two tired volunteers do not decide the same story at once."""

    story = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="viewings")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_seen = models.DateTimeField(
        null=True, editable=False
    )  # when they first opened it: the statistics' first look
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["story", "moderator"], name="one_viewing_per_moderator")]

    def __str__(self):
        return f"{self.moderator} on story {self.story_id} ({self.last_seen:%Y-%m-%d %H:%M})"


class LinkRecoveryRequest(models.Model):
    """One "Lost your private link?" request, whether or not the address is known. The page only records it
    (the same work for any address); comments.moderation.send_requested_links, run by the mail sender, looks
    the address up, adds links and queues the mail, then blanks `email`. The per-connection limit is counted
    from these rows (hashes; deleted by purge_personal_data)."""

    email_hash = models.CharField(max_length=64, editable=False)
    # The address as typed, kept only until the request is handled (a minute or so).
    email = models.EmailField(blank=True, editable=False)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    handled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["email_hash", "created_at"], name="recovery_email_idx"),
            models.Index(fields=["ip_hash", "created_at"], name="recovery_ip_idx"),
            models.Index(fields=["id"], condition=Q(handled_at__isnull=True), name="recovery_waiting_idx"),
        ]

    def __str__(self):
        return f"Link recovery request at {self.created_at:%Y-%m-%d %H:%M}"


class BlockQuerySet(models.QuerySet):
    def active(self, now):
        """Blocks in force at `now` (the caller's clock): not lifted, and permanent or not yet ended."""
        return self.filter(lifted_at__isnull=True).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))

    def matching(self, email="", ip_hash=""):
        """Blocks on this author's email (hashed here) or network-address hash. Blank values match nothing."""
        who = Q(pk__in=[])
        if email:
            who |= Q(email_hash=hash_email(email))
        if ip_hash:
            who |= Q(ip_hash=ip_hash)
        return self.filter(who)


class Block(models.Model):
    """A moderator stops a returning troll: stories sent with this email or from this network address are
    accepted as usual, then held as spam (comments.moderation.block_author; the author is not told). Only
    keyed hashes are stored, never the email or address. Ends by itself at ends_at (none: permanent)."""

    class Duration(models.TextChoices):
        DAY = "1", "1 day"
        WEEK = "7", "7 days"
        MONTH = "30", "30 days"
        PERMANENT = "permanent", "Permanent"

    email_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    reason = models.TextField()
    story = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="blocks")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: permanent.")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = BlockQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(email_hash="", ip_hash=""), name="block_has_a_hash"),
        ]

    def __str__(self):
        return f"Block #{self.pk} from {self.created_at:%Y-%m-%d %H:%M}"

    def is_active(self, now):
        return self.lifted_at is None and (self.ends_at is None or self.ends_at > now)

    @property
    def kinds(self):
        return [label for label, value in (("email", self.email_hash), ("network", self.ip_hash)) if value]


class WatchedWord(models.Model):
    """A word or phrase moderators watch for in new and edited stories (comments.watched matches it)."""

    class Action(models.TextChoices):
        FLAG = "flag", "Flag for review"
        HOLD = "hold", "Hold as spam"

    phrase = models.CharField(max_length=100, unique=True)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.FLAG)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phrase", "id"]

    def __str__(self):
        return self.phrase
