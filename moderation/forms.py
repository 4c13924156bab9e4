"""Forms of the moderation queue (the public story forms live in comments/forms.py)."""

from django import forms
from django.db.models import Exists, OuterRef, Q

from comments import moderation
from comments.models import Block, Comment, ModeratorPreference, WatchedWord, earlier_by_same_author
from comments.moderation import awaiting_decision_q
from comments.self_harm import states_intent_or_plan
from comments.watched import normalise

# Tabs of the queue: key -> (label, the CommentQuerySet method that selects it).
TABS = {
    "review": ("Needs review", "needs_review"),
    "published": ("Published", "approved"),
    "rejected": ("Not published", "rejected"),
    "spam": ("Spam", "spam"),
    "withdrawn": ("Withdrawn", "withdrawn"),
}

# The same selections as Q objects, so that all tab counts come from one aggregate query.
# tests/test_moderation_queue.py checks that each one agrees with its queryset method.
TAB_Q = {
    "review": awaiting_decision_q(),
    "published": Q(status=Comment.Status.APPROVED),
    "rejected": Q(status=Comment.Status.REJECTED),
    "spam": Q(status=Comment.Status.SPAM),
    "withdrawn": Q(status=Comment.Status.WITHDRAWN),
}

# Whether the row's author sent anything before it, by the definition the queue's history line uses (not the
# flag stored when it was sent, which an erasure of the earlier story would leave behind).
_SENT_BEFORE = Exists(
    Comment.objects.filter(
        earlier_by_same_author(OuterRef("email"), OuterRef("ip_hash"), OuterRef("created_at"), OuterRef("pk"))
    )
)

FLAGS = {
    "self-harm": ("Self-harm or suicide", Q(flag_self_harm=True)),
    "identifying": ("May identify someone", Q(flag_identifying=True)),
    "links": ("Contains links", Q(flag_links=True)),
    "first-time": ("First story from this author", ~Q(_SENT_BEFORE)),
    "returning": ("Sent stories before", Q(_SENT_BEFORE)),
    "reported": ("Reported by readers", Q(report_count__gt=0)),
    "content-warned": ("Has a content warning", ~Q(content_warnings=[])),
    "watched-words": ("Watched words", Q(flag_watched_words=True)),
    "blocked-author": ("Blocked author", Q(flag_blocked_author=True)),
}


class QueueFilterForm(forms.Form):
    """The queue's tab and filters, from the query string. Article choices are passed in
    (one query, and no second one to validate the chosen article)."""

    tab = forms.ChoiceField(choices=[(key, label) for key, (label, _) in TABS.items()], required=False)
    article = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    flag = forms.ChoiceField(
        choices=[("", "Any flag")] + [(key, label) for key, (label, _) in FLAGS.items()], required=False
    )
    q = forms.CharField(label="Text", required=False, max_length=200)

    def __init__(self, *args, articles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].choices = [("", "All articles")] + [(a.pk, a.title) for a in articles]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Words in the story or name"})

    def cleaned_or_default(self):
        """The valid part of the filters; anything invalid is ignored rather than refused."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "tab": data.get("tab") or "review",
            "article": data.get("article"),
            "flag": data.get("flag") or "",
            "q": (data.get("q") or "").strip(),
        }


class NoteForm(forms.Form):
    """Approve, spam and restore: an optional note for the history."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the story's history.",
    )
    # The state the moderator saw: a decision is refused if the story has changed since.
    expected = forms.ChoiceField(
        choices=Comment.Status.choices,
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "The page did not say which state you saw this story in. Check it below, then decide."
        },
    )


class RejectForm(NoteForm):
    # Focused when the page opens (the queue's "r" key lands here): choose by keyboard, Tab, Tab, Enter.
    reason = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason…")] + Comment.RejectReason.choices,
        widget=forms.Select(attrs={"autofocus": True}),
    )
    note = forms.CharField(
        label="Message to the author (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to the author on their status page. Be kind and brief; no need to quote their text.",
    )

    field_order = ["reason", "note", "expected"]


class EditForm(forms.Form):
    body = forms.CharField(label="Text of the story", widget=forms.Textarea(attrs={"rows": 12}))
    redaction = forms.BooleanField(
        label="This is a redaction (I removed names, places or other identifying details)", required=False
    )
    note = forms.CharField(
        label="Note for the history (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Moderators only. The original text is kept in the history, visible to moderators only.",
    )

    def __init__(self, *args, max_length=None, **kwargs):
        super().__init__(*args, **kwargs)
        if max_length:
            self.fields["body"].max_length = max_length
            self.fields["body"].widget.attrs["maxlength"] = max_length

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("The story cannot be empty; reject it instead.")
        return body


# The largest primary key (a 64-bit signed BigAutoField): a larger number would overflow in the database.
MAX_ID = 2**63 - 1


def is_story_id(value):
    value = str(value)
    return value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)) and 0 < int(value) <= MAX_ID


class BulkForm(forms.Form):
    ACTIONS = [(name, moderation.DECISIONS[name].label) for name in moderation.BULK_DECISIONS]

    action = forms.ChoiceField(label="With the selected stories", choices=[("", "Choose an action…")] + ACTIONS)
    ids = forms.TypedMultipleChoiceField(
        coerce=int,
        required=True,
        error_messages={
            "required": "Select stories.",
            "invalid_choice": "No story has the number “%(value)s”. Go back to the queue and select the stories again.",
        },
    )
    reason = forms.ChoiceField(
        label="Reason (for reject)",
        choices=[("", "Reason for rejecting…")] + Comment.RejectReason.choices,
        required=False,
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000)

    MAX_ITEMS = 200

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id a story could have is acceptable here; the view looks the stories up.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(value, value) for value in raw if is_story_id(value)][: self.MAX_ITEMS]

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not data.get("reason"):
            self.add_error("reason", "Choose a reason to reject the selected stories.")
        return data


class ModeratorPreferenceForm(forms.ModelForm):
    """A moderator's mail preferences (/moderation/notifications/)."""

    class Meta:
        model = ModeratorPreference
        fields = ["ordinary_notices"]


# The care step (moderation:care_decision) for a story that may be about self-harm or suicide: one choice.
CARE_CHOICES = [
    ("support-note", "Publish it with a support note"),
    ("content-warning", "Publish it behind a content warning"),
    ("edit", "Edit or redact it first"),
    ("contact", "Hold it, and send the author a kind message"),
    ("reject", "Don’t publish it, and give the author a kind reason"),
]

KIND_REJECT_NOTE = (
    "Thank you for trusting us with your story. A person read every word, and what you wrote matters. "
    "We could not publish it here as it is, but this is not a judgement of you. If things feel hard right "
    "now, please talk to someone: our “Get help now” page lists free, confidential services, day and night. "
    "You are welcome to write again."
)


class CareDecisionForm(forms.Form):
    choice = forms.ChoiceField(
        label="What would you like to do with this story?",
        choices=CARE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one of the options below.", "invalid_choice": "Choose one of the options."},
    )
    warnings = forms.MultipleChoiceField(
        label="Content warnings to show",
        choices=Comment.ContentWarning.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason…")] + Comment.RejectReason.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label="Message to the author",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
    )
    expected = NoteForm.base_fields["expected"]

    def __init__(self, *args, story, **kwargs):
        super().__init__(*args, **kwargs)
        self.story = story
        choices = list(CARE_CHOICES)
        if not self.can_contact:
            choices = [c for c in choices if c[0] != "contact"]
        elif self.contact_first:
            choices.sort(key=lambda choice: choice[0] != "contact")  # stable: the rest keep their order
        self.fields["choice"].choices = choices
        # The self-harm warning is ticked to begin with, with any the story carries already.
        self.fields["warnings"].initial = [
            code for code in Comment.ContentWarning.values
            if code == Comment.ContentWarning.SELF_HARM or code in story.content_warnings
        ]  # fmt: skip
        self.fields["note"].initial = KIND_REJECT_NOTE
        self.fields["expected"].initial = story.status

    @property
    def can_contact(self):
        """Only a story still waiting can be held, and only an author who left an email can be written to."""
        return bool(self.story.email) and self.story.status == Comment.Status.PENDING

    @property
    def contact_first(self):
        """The writer states an intent or a plan, can be written to, and nobody has yet: reaching her comes first."""
        return self.can_contact and not self.story.author_contacted_at and states_intent_or_plan(self.story.body)

    def clean(self):
        data = super().clean()
        choice = data.get("choice")
        if choice == "content-warning" and not data.get("warnings"):
            self.add_error("warnings", "Tick at least one content warning to publish the story behind.")
        if choice == "reject":
            if not data.get("reason"):
                self.add_error("reason", "Choose a reason to give the author.")
            if not (data.get("note") or "").strip():
                self.add_error("note", "Write a short, kind message to the author (the suggested one is fine).")
        return data


class WarningsForm(forms.Form):
    """A moderator adds, changes or removes a story's content warnings (on its detail page)."""

    warnings = forms.MultipleChoiceField(
        label="Content warnings",
        choices=Comment.ContentWarning.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": "“%(value)s” is not one of the content warnings."},
    )
    note = forms.CharField(
        label="Note for the history (optional)",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    expected = NoteForm.base_fields["expected"]


class BlockForm(forms.Form):
    """ "Block this author…" on a story's moderation page (comments.moderation.block_author)."""

    by_email = forms.BooleanField(label="Their email address", required=False)
    by_network = forms.BooleanField(
        label="Their network address (weak: a home, school or phone network may be shared by others)", required=False
    )
    duration = forms.ChoiceField(
        label="For how long", choices=Block.Duration.choices, initial=Block.Duration.WEEK, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Why (for the other moderators)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the author is blocked."},
    )

    def __init__(self, *args, story, **kwargs):
        super().__init__(*args, **kwargs)
        self.story = story
        if not story.email:
            self.fields["by_email"].disabled = True
            self.fields["by_email"].help_text = "This story was sent without an email address."
        if not story.ip_hash:
            self.fields["by_network"].disabled = True
            self.fields["by_network"].help_text = "No network address is known for this story."

    def clean(self):
        data = super().clean()
        if not (data.get("by_email") and self.story.email) and not (data.get("by_network") and self.story.ip_hash):
            raise forms.ValidationError("Choose the email address, the network address, or both.")
        return data


class WatchedWordForm(forms.ModelForm):
    class Meta:
        model = WatchedWord
        fields = ["phrase", "action"]
        labels = {"phrase": "Word or phrase", "action": "When a story contains it"}
        help_texts = {"phrase": "Matched as whole words, whatever the case or accents' encoding."}
        widgets = {"action": forms.RadioSelect}

    def clean_phrase(self):
        phrase = " ".join(self.cleaned_data["phrase"].split())
        if not phrase:
            raise forms.ValidationError("Type a word or phrase.")
        clash = [
            word
            for word in WatchedWord.objects.exclude(pk=self.instance.pk)
            if normalise(word.phrase) == normalise(phrase)
        ]
        if clash:
            raise forms.ValidationError(f"“{clash[0].phrase}” is already on the list.")
        return phrase
