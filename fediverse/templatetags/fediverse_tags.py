from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fediverse import activities, reactions

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


@register.simple_tag
def fediverse_reactions(post) -> SafeString | str:
    """`3 likes · 2 boosts on the fediverse` under a post: numbers only, never who.

    Nothing when the fediverse is off or nobody liked or boosted the post. The
    counts come with the post (`fediverse.reactions`), so this runs no query on
    the post page.
    """
    if not settings.KIJI_FEDIVERSE_ENABLED:
        return ""
    likes, boosts = reactions.counts_of(post)
    parts = []
    if likes:
        parts.append(ngettext("%(count)s like", "%(count)s likes", likes) % {"count": likes})
    if boosts:
        parts.append(ngettext("%(count)s boost", "%(count)s boosts", boosts) % {"count": boosts})
    if not parts:
        return ""
    text = _("%(counts)s on the fediverse") % {"counts": " · ".join(parts)}
    return render_to_string(
        "fediverse/_reactions.html", {"text": text, "likes": likes, "boosts": boosts}
    )
