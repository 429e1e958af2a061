from django import template
from django.conf import settings
from django.utils.html import format_html

from fediverse import activities

register = template.Library()


@register.simple_tag
def activity_alternate(post) -> str:
    """The `<link rel="alternate">` that points fediverse software at the post's Article."""
    if not settings.KIJI_FEDIVERSE_ENABLED:
        return ""
    return format_html(
        '<link rel="alternate" type="application/activity+json" href="{}">',
        activities.object_id(post),
    )
