"""Template tags through which article templates get stories (as django-contrib-comments does).

Temporary scaffold: the stories issue replaces these with the real queries.
"""

from django import template

register = template.Library()


@register.simple_tag
def approved_story_counts(articles):
    return {}


@register.filter
def get_count(counts, key):
    return counts.get(key, 0)


@register.simple_tag
def story_section(article):
    return ""
