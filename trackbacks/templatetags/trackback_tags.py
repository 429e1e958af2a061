from operator import attrgetter

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeString, mark_safe

from pagecache.fragments import cached_fragment, render_each
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


@register.simple_tag(takes_context=True)
def trackback_section(context, post) -> SafeString:
    """The post's TrackBack URL and its approved pings (one query whatever their number).

    The section is kept under the post's `pings_revision` and reused
    (pagecache/fragments.py), with no query and no rendering, until a change to
    the pings raises it.
    """
    request = context["request"]
    urls = _urls(request, post)
    version = (
        post.pk,
        post.title,
        post.get_absolute_url(),
        post.pings_open,
        post.pings_revision,
        *urls.values(),
    )
    return cached_fragment(request, "trackbacks", version, lambda: _render_section(post, urls))


def _render_section(post, urls: dict) -> SafeString:
    pings = list(Trackback.objects.public_on(post).for_display())
    section = {
        "post": post,
        "pings": pings,
        "ping_markup": render_each("trackbacks/_ping.html", "ping", pings, _shows),
        "open": post.pings_open,
        **urls,
    }
    return mark_safe(get_template("trackbacks/_section.html").render(section))
