from django import template

from care import help

register = template.Library()


@register.inclusion_tag("includes/help_resources.html")
def help_resources(box_id="main", full=False):
    """The help box: `{% load care %}{% help_resources "status" %}`; `full=True` is the /help/ page's version
    (every detail shown, headings one level lower). box_id keeps ids unique when a page has two boxes."""
    return {"help": help.resources(), "box_id": box_id, "full": full}


@register.simple_tag
def help_region_codes():
    """The regions' codes, space-separated, for static/js/help.js: it picks one before the help boxes are parsed."""
    return " ".join(region.code for region in help.resources().regions)


@register.inclusion_tag("includes/talk_now.html")
def talk_now(box_id="main"):
    """Big call buttons for the lines anyone struggling can call now, every country's, then the emergency
    numbers: `{% talk_now "status" %}`, where a page leads with help (a story that mentions suicide)."""
    return {"help": help.resources(), "box_id": box_id}
