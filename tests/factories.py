"""The one place tests build rows. Plain functions with keyword defaults; each returns the model instance.

make_story() stores a story the way the form does (Comment.save renders body_html) and keeps the raw
private-link token on the instance as `story.token` (only its hash is stored).
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from articles import review
from articles.models import FAQ, Article, Person, Reference
from comments.models import Comment, ModerationEvent

PASSWORD = "a-long-test-passphrase-42"
STORY_BODY = "When I finally named what had happened, the fog began to lift a little every day."


def make_article(slug="healing", title=None, *, status=Article.Status.PUBLISHED, days_ago=1, faqs=0, **fields):
    """A published article (published `days_ago` days ago). `faqs=N` adds N FAQs and one reference;
    `faqs=[(question, answer), ...]` adds those FAQs (in that order) and one reference."""
    defaults = {
        "title": title or slug.replace("-", " ").title(),
        "summary": f"Summary of {slug}.",
        "body": "## Where it starts\n\nA first paragraph.\n\n## Where it goes\n\n- one\n- two\n",
        "story_prompt": "What helped you notice the pattern?",
        "status": status,
        "published_at": timezone.now() - timedelta(days=days_ago),
        "last_reviewed": date(2026, 11, 20),
    }
    defaults.update(fields)
    article = Article.objects.create(slug=slug, **defaults)
    pairs = (
        faqs if isinstance(faqs, list | tuple) else [(f"Question {n}?", f"Answer *{n}*.") for n in range(1, faqs + 1)]
    )
    for order, (question, answer) in enumerate(pairs, start=1):
        FAQ.objects.create(article=article, order=order, question=question, answer=answer)
    if faqs:
        Reference.objects.create(article=article, order=1, source="example.org", title="A study")
    return article


def make_person(name="Alex Doe", *, slug=None, role="", credentials="", bio="", **fields):
    """A person an editor added (tests only: the site never invents people)."""
    return Person.objects.create(
        name=name, slug=slug or name.lower().replace(" ", "-"), role=role, credentials=credentials, bio=bio, **fields
    )


def make_story(
    article=None,
    *,
    name="Sam",
    body=STORY_BODY,
    status=Comment.Status.PENDING,
    parent=None,
    warnings=(),
    created_ago=None,
    submitted_event=True,
    **fields,
):
    """A story as the form stores it, with its 'submitted' history row. `created_ago` (a timedelta)
    backdates it. The raw private-link token is `story.token`."""
    article = article or Article.objects.first() or make_article()
    fields.setdefault("content_warnings", list(warnings))  # either spelling: warnings=[...] or content_warnings=[...]
    story = Comment(article=article, parent=parent, name=name, body=body, status=status, **fields)
    story.save()
    token = story.issue_token()
    if submitted_event:
        ModerationEvent.objects.create(comment=story, action=ModerationEvent.Action.SUBMITTED, to_status=status)
    if created_ago is not None:
        Comment.objects.filter(pk=story.pk).update(created_at=timezone.now() - created_ago)
        story.refresh_from_db()
    story.token = token
    return story


def bulk_stories(article, count, **fields):
    """Many stories at once (without private links). bulk_create skips save(): body_html is set here."""
    now = timezone.now()
    return Comment.objects.bulk_create(
        [
            Comment(
                **{
                    "article": article,
                    "name": f"Reader {i}",
                    "body": f"Story number {i}",
                    "body_html": f"<p>Story number {i}</p>",
                    "ip_hash": f"ip{i % 7}",
                    "email": f"reader{i % 5}@example.com",
                    "created_at": now - timedelta(minutes=count - i),
                    **fields,
                }
            )
            for i in range(count)
        ],
        batch_size=1000,  # PostgreSQL binds at most 65,535 parameters in one statement
    )


def bulk_published(article, count, *, replies_every=3):
    """`count` published top-level stories, every `replies_every`-th with one published reply; returns the
    top-level stories in id order. Like bulk_stories, skips save()."""
    bulk_stories(article, count, status=Comment.Status.APPROVED)
    tops = list(Comment.objects.filter(article=article, parent=None).order_by("id"))
    Comment.objects.bulk_create(
        [
            Comment(
                article=article,
                parent=top,
                name=f"Replier {top.pk}",
                body="A reply",
                body_html="<p>A reply</p>",
                status=Comment.Status.APPROVED,
            )
            for top in tops[::replies_every]
        ]
    )
    return tops


def make_user(
    username="reader",
    *,
    staff=False,
    moderator=False,
    superuser=False,
    email=None,
    password=PASSWORD,
    active=True,
    groups=(),
):
    """A user; `moderator=True` grants comments.moderate directly, `groups=["Moderators"]` through a group.
    `password=None` gives an unusable password. Returned fresh (no cached permissions)."""
    User = get_user_model()
    user = User.objects.create_user(username, email if email is not None else f"{username}@example.com", password)
    user.is_staff = staff or superuser
    user.is_superuser = superuser
    user.is_active = active
    user.save()
    if moderator:
        user.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="comments"))
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    return User.objects.get(pk=user.pk)


def make_moderator(username="mod", **kwargs):
    return make_user(username, moderator=True, **kwargs)


def make_reviewer(name="Cara Lee", *, username=None, **person_fields):
    """A person with a reviewer's account (staff, may see and sign off articles) linked to them. The permissions
    are granted directly: transactional tests empty the groups the data migrations made."""
    user = make_user(username or name.split()[0].lower(), staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["review_article", "view_article"]))
    return make_person(name, user=get_user_model().objects.get(pk=user.pk), **person_fields)


def signed_off(article, reviewer, on=None):
    """The article with `reviewer` (from make_reviewer) as its reviewer, signed off `on` (a datetime; now)."""
    article.reviewer = reviewer
    article.save()
    review.sign_off(article, reviewer.user, now=on)
    return Article.objects.with_people().get(pk=article.pk)
