"""The blog's public ActivityPub and discovery documents.

WebFinger and NodeInfo let servers find the blog; the actor, outbox, followers
and replies documents describe it. A post's own URL answers ActivityPub
clients through fediverse/middleware.py (`post_object`). The inboxes are
fediverse/inbox.py's.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
)
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from blog import featured
from blog.models import Post
from fediverse import activities
from fediverse.models import Follower, RemoteReply, SentArticle

ACTIVITY_CONTENT_TYPE = "application/activity+json; charset=utf-8"
NODEINFO_PROFILE = "http://nodeinfo.diaspora.software/ns/schema/2.1"


def activity_response(document: dict, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(document, ensure_ascii=False),
        content_type=ACTIVITY_CONTENT_TYPE,
        status=status,
    )


def _json(document: dict, content_type: str) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False), content_type=content_type)
    # As Mastodon serves discovery documents: any web page may read them.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _enabled() -> None:
    if not settings.KIJI_FEDIVERSE_ENABLED:
        raise Http404


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    """RFC 7033: `acct:<username>@<host>` (or the actor's URL) leads to the actor."""
    _enabled()
    resource = request.GET.get("resource", "").strip()
    if not resource or len(resource) > 500:
        return HttpResponseBadRequest("resource is required", content_type="text/plain")
    actor = activities.actor_id()
    if resource.lower().startswith("acct:"):
        if resource[5:].lstrip("@").lower() != activities.handle().lower():
            raise Http404
    elif resource not in (actor, activities.site_url() + "/", activities.site_url()):
        raise Http404
    document = {
        "subject": f"acct:{activities.handle()}",
        "aliases": [actor, activities.site_url() + "/"],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": activities.site_url() + "/",
            },
        ],
    }
    return _json(document, "application/jrd+json; charset=utf-8")


@require_GET
def nodeinfo_links(request: HttpRequest) -> HttpResponse:
    _enabled()
    href = activities.absolute(reverse("fediverse:nodeinfo"))
    return _json(
        {"links": [{"rel": NODEINFO_PROFILE, "href": href}]}, "application/json; charset=utf-8"
    )


@require_GET
def nodeinfo(request: HttpRequest) -> HttpResponse:
    _enabled()
    try:
        software_version = version("kiji")
    except PackageNotFoundError:
        software_version = "0"
    document = {
        "version": "2.1",
        "software": {"name": "kiji", "version": software_version},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": False,
        "usage": {
            "users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1},
            "localPosts": Post.objects.published().count(),
        },
        "metadata": {"nodeName": settings.KIJI_SITE_TITLE},
    }
    return _json(document, f'application/json; profile="{NODEINFO_PROFILE}#"; charset=utf-8')


@require_GET
def actor(request: HttpRequest) -> HttpResponse:
    _enabled()
    return activity_response(activities.actor_document())


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The published posts as Create activities, newest first, a page at a time."""
    _enabled()
    posts = Post.objects.published().order_by("-published_at", "-id").prefetch_related("tags")
    paginator = Paginator(posts, settings.KIJI_FEDIVERSE_OUTBOX_PAGE_SIZE)
    outbox_id = activities.absolute(reverse("fediverse:outbox"))
    if "page" not in request.GET:
        document = {
            "@context": activities.AS_CONTEXT,
            "id": outbox_id,
            "type": "OrderedCollection",
            "totalItems": paginator.count,
            "first": f"{outbox_id}?page=1",
            "last": f"{outbox_id}?page={paginator.num_pages}",
        }
        return activity_response(document)
    try:
        page = paginator.page(request.GET["page"])
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404 from error
    items = list(page.object_list)
    images = featured.featured_images(items)
    document = {
        "@context": activities.ARTICLE_CONTEXT,
        "id": f"{outbox_id}?page={page.number}",
        "type": "OrderedCollectionPage",
        "partOf": outbox_id,
        "totalItems": paginator.count,
        "orderedItems": [
            activities.create(post, image=images.get(post.pk), with_context=False) for post in items
        ],
    }
    if page.has_next():
        document["next"] = f"{outbox_id}?page={page.next_page_number()}"
    if page.has_previous():
        document["prev"] = f"{outbox_id}?page={page.previous_page_number()}"
    return activity_response(document)


@require_GET
def followers(request: HttpRequest) -> HttpResponse:
    """How many follow the blog; who they are is not published."""
    _enabled()
    document = {
        "@context": activities.AS_CONTEXT,
        "id": activities.followers_id(),
        "type": "OrderedCollection",
        "totalItems": Follower.objects.filter(status=Follower.Status.ACCEPTED).count(),
    }
    return activity_response(document)


@require_GET
def replies(request: HttpRequest, post_id: int) -> HttpResponse:
    """The fediverse replies readers see under a published post."""
    _enabled()
    post = Post.objects.published().filter(pk=post_id).first()
    if post is None:
        raise Http404
    ids = list(
        RemoteReply.objects.filter(comment__post=post, comment__in=_public_comments()).values_list(
            "object_id", flat=True
        )[:200]
    )
    document = {
        "@context": activities.AS_CONTEXT,
        "id": activities.absolute(request.path),
        "type": "Collection",
        "totalItems": len(ids),
        "items": ids,
    }
    return activity_response(document)


def _public_comments():
    from comments.models import Comment

    return Comment.objects.public()


def post_object(request: HttpRequest, *, slug: str, **kwargs) -> HttpResponse:
    """A post's permalink as ActivityPub clients see it: the Article, or a Tombstone.

    Drafts and scheduled posts are not found, for staff too: nothing unpublished
    leaves the server.
    """
    post = Post.objects.published().prefetch_related("tags").filter(slug=slug).first()
    if post is None:
        withdrawn = SentArticle.objects.filter(
            Q(object_id=activities.absolute(request.path)), deleted_at__isnull=False
        ).first()
        if withdrawn is not None:
            return activity_response(
                activities.tombstone(withdrawn.object_id, deleted=withdrawn.deleted_at), status=410
            )
        return activity_response({"error": "not found"}, status=404)
    canonical = post.get_absolute_url()
    if iri_to_uri(request.path) != canonical:
        return HttpResponsePermanentRedirect(canonical)
    return activity_response(activities.article(post))


@csrf_exempt
def inbox(request: HttpRequest) -> HttpResponse:
    """The actor's inbox and the shared inbox: fediverse/inbox.py receives."""
    from fediverse.inbox import receive

    return receive(request)
