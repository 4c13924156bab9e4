"""Forms for readers and authors: writing, editing and reporting a story.

No form has a status field: a new story is always pending, whatever the client sends.
"""

import re
import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.conf import settings

from . import spam
from .models import Comment, Report

MIN_BODY_LENGTH = 20
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional formatting characters: in a name they reorder the rest of the byline (U+202E reversed it).
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Letters that draw nothing (Hangul fillers, the blank Braille pattern), used to fake an empty name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
# Format characters (zero-width spaces and joiners, bidi controls, soft hyphens), controls, separators,
# and combining marks, which are only seen on a letter.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"})

MARKDOWN_HELP = (
    "Plain text. You may use a little Markdown: a blank line starts a new paragraph, *emphasis*, "
    "lists (start lines with - ), > quotes and links. No HTML."
)
CONSENT_LABEL = "I understand my story will be public after review; I have not named or identified other people"
NOTIFY_LABEL = "Email me when my story has been reviewed"
NOTIFY_REPLIES_LABEL = "Email me when someone replies to my story"
# Stories about self-harm or suicide take no replies (Comment.needs_care): strangers' words can harm.
NO_REPLIES_MESSAGE = (
    "This story is about self-harm or suicide, so it is not open to replies. "
    "You are welcome to share a story of your own."
)


def _check_plain_text(value, what):
    if _CONTROL.search(value):
        raise forms.ValidationError(f"Your {what} contains characters we cannot store. Please retype it.")
    if _TAG.search(value):
        raise forms.ValidationError(
            f"Please write your {what} as plain text: HTML tags such as <script> or <b> are not allowed."
        )


def _is_visible(char):
    return char not in _BLANK_LETTERS and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


class _BodyMixin:
    def clean_body(self):
        body = (self.cleaned_data.get("body") or "").strip()
        _check_plain_text(body, "story")
        if not any(_is_visible(char) for char in body):
            raise forms.ValidationError("Your story seems to be empty: please write it in words people can see.")
        if sum(unicodedata.category(char) != "Cf" for char in body) < MIN_BODY_LENGTH:
            raise forms.ValidationError(
                f"Please write at least {MIN_BODY_LENGTH} characters, so the moderators and readers can follow."
            )
        return body


def _body_field():
    return forms.CharField(
        label="Your story",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=settings.STORY_MAX_LENGTH,
        help_text=MARKDOWN_HELP + f" Up to {settings.STORY_MAX_LENGTH:,} characters.",
        error_messages={
            "required": "Please write your story.",
            "max_length": "Your story is too long: please keep it under %(limit_value)s characters "
            "(it has %(show_value)s).",
        },
    )


def _warnings_field():
    return forms.MultipleChoiceField(
        label="Content warnings",
        choices=Comment.ContentWarning.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick any that apply: readers will see a warning and can choose to open your story.",
        error_messages={"invalid_choice": "Please choose content warnings from the list."},
    )


class SummarisedForm(forms.Form):
    """A form whose template lists every error in comments/_error_summary.html above it: crispy's own block of
    non-field errors is left out for it (templates/bootstrap5/errors.html), so nothing is said twice."""

    errors_in_summary = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The page's template writes the <form> tag and the CSRF token; crispy renders the fields.
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class StoryForm(_BodyMixin, SummarisedForm):
    name = forms.CharField(
        label="Display name",
        max_length=settings.STORY_NAME_MAX_LENGTH,
        help_text="Shown with your story. Pseudonyms are welcome.",
        error_messages={
            "required": "Please give a display name (a pseudonym is fine).",
            "max_length": "Please keep your display name under %(limit_value)s characters.",
        },
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        max_length=254,
        help_text="Never shown publicly. We email you your private link, with a link to confirm the address: "
        "we send news of your story only once you have confirmed it. Use an address only you can read.",
        error_messages={"invalid": "Please enter a valid email address, or leave it empty."},
    )
    notify_outcome = forms.BooleanField(label=NOTIFY_LABEL, required=False)
    notify_replies = forms.BooleanField(
        label=NOTIFY_REPLIES_LABEL,
        required=False,
        help_text="One email for each reply a moderator publishes, with a link to stop them. "
        "We never give your address to the person who replied.",
    )
    body = _body_field()
    content_warnings = _warnings_field()
    consent = forms.BooleanField(
        label=CONSENT_LABEL,
        error_messages={"required": "Please confirm you understand, before we can take your story."},
    )
    # Honeypot: people never see or fill it. The view refuses any value before validation.
    website = forms.CharField(label="Leave this field empty", required=False)
    # Signed when the form was shown; checked in clean(): its problems are about the form, not a field.
    ts = forms.CharField(widget=forms.HiddenInput, required=False)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, article=None, reply_to=None, **kwargs):
        self.article = article
        self.parent_story = None
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("ts", spam.sign_timestamp())
            if reply_to is not None:
                self.initial["parent"] = reply_to.pk
        # Replies cannot be replied to: a reply's author has nothing to hear about.
        replying = reply_to is not None or bool(self.data.get("parent"))
        if replying:
            del self.fields["notify_replies"]
        self.helper.layout = Layout(
            "name",
            "email",
            "notify_outcome",
            *([] if replying else ["notify_replies"]),
            Field("body", css_class="story-body-input"),
            "content_warnings",
            "consent",
            Div(
                Field("website", tabindex="-1", autocomplete="off"),
                css_class="story-hp",
                aria_hidden="true",
            ),
            "ts",
            "parent",
        )

    def clean_name(self):
        name = " ".join(_BIDI_CONTROLS.sub("", self.cleaned_data.get("name") or "").split())
        if not any(_is_visible(char) for char in name):
            raise forms.ValidationError("Please give a display name with letters or numbers people can see.")
        if "<" in name or ">" in name:
            raise forms.ValidationError("Please use plain text in your display name (no < or > characters).")
        _check_plain_text(name, "display name")
        return name

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip()

    def clean_parent(self):
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        parent = (
            Comment.objects.approved()
            .filter(pk=pk, article=self.article)
            .only("id", "parent_id", "name", "content_warnings", "flag_self_harm")
            .first()
        )
        if parent is None:
            raise forms.ValidationError("You can only reply to a published story on this article.")
        if parent.parent_id is not None:
            raise forms.ValidationError("Replies cannot be replied to: please reply to the story itself.")
        if parent.needs_care:
            raise forms.ValidationError(NO_REPLIES_MESSAGE)
        self.parent_story = parent
        return pk

    def clean(self):
        cleaned = super().clean()
        if self.data.get("status") not in (None, ""):
            raise forms.ValidationError(
                "This form was changed in an unexpected way. Please copy your story and reload the page."
            )
        if cleaned.get("notify_outcome") and not cleaned.get("email"):
            self.add_error("email", "Please give an email address, or untick “" + NOTIFY_LABEL + "”.")
        elif cleaned.get("notify_replies") and not cleaned.get("email"):
            self.add_error("email", "Please give an email address, or untick “" + NOTIFY_REPLIES_LABEL + "”.")
        # Checked last: "sent very quickly" is only worth saying of a form that is otherwise ready to send (an
        # empty form sent at once hears what is missing instead).
        problem = spam.check_timestamp(cleaned.get("ts"))
        if problem and not (problem == spam.TOO_FAST_MESSAGE and self.errors):
            self.add_error(None, problem)
        return cleaned


class EditStoryForm(_BodyMixin, SummarisedForm):
    body = _body_field()
    content_warnings = _warnings_field()


class ReportForm(SummarisedForm):
    reason = forms.ChoiceField(
        label="What is wrong with this story?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        help_text="If you think the writer may be at risk, a moderator will look at it now. "
        "If someone is in immediate danger, call your emergency number.",
        error_messages={"required": "Please choose a reason.", "invalid_choice": "Please choose a reason."},
    )
    note = forms.CharField(
        label="Anything the moderators should know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Please don't include personal details.",
    )

    def clean_note(self):
        note = (self.cleaned_data.get("note") or "").strip()
        _check_plain_text(note, "note")
        return note


def _address_field(label, required_message):
    return forms.EmailField(
        label=label,
        max_length=254,
        error_messages={
            "required": required_message,
            "invalid": "Please enter a valid email address, like name@example.org.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class LostLinkForm(SummarisedForm):
    email = _address_field(
        "The email address you gave with your story", "Please enter the email address you gave with your story."
    )


class EmailLinkForm(SummarisedForm):
    """The status page's "Email me this link": the address is used for this one mail, never stored."""

    email = _address_field("Email me this link", "Please enter the email address to send the link to.")
