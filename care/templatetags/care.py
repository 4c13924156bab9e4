from django import template

from care import help

register = template.Library()


@register.inclusion_tag("includes/help_resources.html")
def help_resources(box_id="main", full=False):
    """The help box: `{% load care %}{% help_resources "status" %}`; `full=True` is the /help/ page's version
    (every detail shown, headings one level lower). box_id keeps ids unique when a page has two boxes."""
    return {"help": help.resources(), "box_id": box_id, "full": full}
