from operator import attrgetter

from django import template
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.safestring import mark_safe

from blog.fragments import render_each
from trackbacks import protocol
from trackbacks.models import Trackback

register = template.Library()

# Everything trackbacks/_ping.html shows of a ping.
_shows = attrgetter("pk", "status", "created_at", "kind", "url", "title", "excerpt", "blog_name")


def _urls(request, post) -> dict:
    return {
        "permalink": request.build_absolute_uri(iri_to_uri(post.get_absolute_url())),
        "ping_url": request.build_absolute_uri(reverse("trackbacks:ping", args=[post.pk])),
    }


@register.inclusion_tag("trackbacks/_head.html", takes_context=True)
def trackback_head(context, post) -> dict:
    """Autodiscovery for a post that accepts pings: TrackBack RDF, Pingback and Webmention links."""
    request = context["request"]
    if not post.pings_open:
        return {"open": False}
    urls = _urls(request, post)
    rdf = protocol.autodiscovery_rdf(title=post.title, **urls)
    return {
        "open": True,
        # Every value in the block is escaped by protocol.autodiscovery_rdf.
        "rdf": mark_safe(rdf),
        "pingback_url": request.build_absolute_uri(reverse("trackbacks:xmlrpc")),
        "webmention_url": request.build_absolute_uri(reverse("trackbacks:webmention")),
    }


@register.inclusion_tag("trackbacks/_section.html", takes_context=True)
def trackback_section(context, post) -> dict:
    """The post's TrackBack URL and its approved pings (one query whatever their number)."""
    request = context["request"]
    pings = list(Trackback.objects.public().filter(post=post).for_display())
    return {
        "post": post,
        "pings": pings,
        "ping_markup": render_each("trackbacks/_ping.html", "ping", pings, _shows),
        "open": post.pings_open,
        **_urls(request, post),
    }
