"""The blog and its posts as ActivityPub documents (JSON-LD, compacted, no remote contexts).

Every id is absolute, under KIJI_SITE_URL: the actor is `<site>/fediverse/actor`,
its key `<actor>#main-key`, and a post's object id is its permalink, the same URL
that answers browsers with HTML and ActivityPub clients with the Article
(fediverse/middleware.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.html import escape, linebreaks

from blog import featured
from blog.templatetags.blog_tags import absolute_links
from fediverse.models import ActorKey

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Mastodon's own context terms for what Articles carry (no context is fetched from anywhere).
ARTICLE_CONTEXT = [AS_CONTEXT, {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}]


def site_url() -> str:
    return settings.KIJI_SITE_URL.rstrip("/")


def absolute(path: str) -> str:
    return site_url() + iri_to_uri(path)


def host() -> str:
    """The host of the blog's handle (`@blog@host`), with the port if the site URL has one."""
    return urlsplit(settings.KIJI_SITE_URL).netloc.lower()


def handle() -> str:
    return f"{settings.KIJI_FEDIVERSE_USERNAME}@{host()}"


def actor_id() -> str:
    return absolute(reverse("fediverse:actor"))


def key_id() -> str:
    return actor_id() + "#main-key"


def followers_id() -> str:
    return absolute(reverse("fediverse:followers"))


def object_id(post) -> str:
    """A post's id in the fediverse: its permalink."""
    return absolute(post.get_absolute_url())


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_document() -> dict:
    """The blog as a Service actor. Only the public half of the key is in it."""
    key = ActorKey.current()
    actor = actor_id()
    document = {
        "@context": [
            AS_CONTEXT,
            SECURITY_CONTEXT,
            {
                "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
                "discoverable": "toot:discoverable",
                "toot": "http://joinmastodon.org/ns#",
            },
        ],
        "id": actor,
        "type": "Service",
        "preferredUsername": settings.KIJI_FEDIVERSE_USERNAME,
        "name": settings.KIJI_SITE_TITLE,
        "summary": linebreaks(escape(settings.KIJI_SITE_DESCRIPTION)),
        "url": site_url() + "/",
        "inbox": absolute(reverse("fediverse:inbox")),
        "outbox": absolute(reverse("fediverse:outbox")),
        "followers": followers_id(),
        "manuallyApprovesFollowers": settings.KIJI_FEDIVERSE_APPROVE_FOLLOWERS,
        "discoverable": True,
        "endpoints": {"sharedInbox": absolute(reverse("fediverse:shared-inbox"))},
        "publicKey": {"id": key_id(), "owner": actor, "publicKeyPem": key.public_key_pem},
    }
    icon = settings.KIJI_FEDIVERSE_ICON_URL
    if icon:
        document["icon"] = {"type": "Image", "url": icon}
    return document


class _Site:
    """What `absolute_links` needs of a request: URLs made absolute under KIJI_SITE_URL."""

    @staticmethod
    def build_absolute_uri(path: str) -> str:
        return site_url() + path


_NOT_LOOKED_UP = object()


def article(post, *, with_context: bool = True, image=_NOT_LOOKED_UP) -> dict:
    """A published post as an Article, as Mastodon and other servers show it.

    `image` is the post's featured image when the caller looked it up for a
    list of posts (`blog.featured.featured_images`), None for none.
    """
    url = object_id(post)
    document = {
        "id": url,
        "type": "Article",
        "name": post.title,
        "summary": post.summary,
        "content": str(absolute_links(post.body_html, _Site())),
        "mediaType": "text/html",
        "url": url,
        "published": timestamp(post.published_at),
        "attributedTo": actor_id(),
        "to": [PUBLIC],
        "cc": [followers_id()],
        "tag": [
            {
                "type": "Hashtag",
                "href": absolute(tag.get_absolute_url()),
                "name": "#" + "".join(tag.name.split()),
            }
            for tag in post.tags.all()
        ],
        "replies": absolute(reverse("fediverse:replies", kwargs={"post_id": post.pk})),
    }
    if post.updated_at and post.updated_at > post.published_at:
        document["updated"] = timestamp(post.updated_at)
    if image is _NOT_LOOKED_UP:
        image = featured.featured_image(post)
    if image is not None:
        attachment = {"type": "Image", "mediaType": image.mime_type, "url": image.url}
        if image.alt:
            attachment["name"] = image.alt
        if image.width and image.height:
            attachment["width"], attachment["height"] = image.width, image.height
        document["attachment"] = [attachment]
        document["image"] = {"type": "Image", "url": image.url}
    if with_context:
        document = {"@context": ARTICLE_CONTEXT, **document}
    return document


def tombstone(object_url: str, *, deleted: datetime | None = None) -> dict:
    document = {"@context": AS_CONTEXT, "id": object_url, "type": "Tombstone"}
    if deleted is not None:
        document["deleted"] = timestamp(deleted)
    return document


def _activity(
    kind: str, obj: dict | str, *, suffix: str, published: datetime | None = None
) -> dict:
    object_url = obj["id"] if isinstance(obj, dict) else obj
    activity = {
        "@context": ARTICLE_CONTEXT,
        "id": f"{object_url}#{suffix}",
        "type": kind,
        "actor": actor_id(),
        "to": [PUBLIC],
        "cc": [followers_id()],
        "object": obj,
    }
    if published is not None:
        activity["published"] = timestamp(published)
    return activity


def create(post, *, image=_NOT_LOOKED_UP, with_context: bool = True) -> dict:
    activity = _activity(
        "Create",
        article(post, with_context=False, image=image),
        suffix="create",
        published=post.published_at,
    )
    if not with_context:
        del activity["@context"]
    return activity


def update(post, *, at: datetime) -> dict:
    # Each edit is its own activity: servers drop an id they have seen.
    return _activity(
        "Update",
        article(post, with_context=False),
        suffix=f"update-{int(at.timestamp() * 1000)}",
        published=at,
    )


def delete(object_url: str, *, at: datetime) -> dict:
    obj = {"id": object_url, "type": "Tombstone"}
    return _activity("Delete", obj, suffix=f"delete-{int(at.timestamp() * 1000)}", published=at)


# The author's replies to fediverse replies (fediverse/answers.py): Notes whose id is the
# comment's permalink, which answers ActivityPub clients with the Note (fediverse/middleware.py).


def mention_html(*, profile_url: str, mention: str) -> str:
    """A mention link as Mastodon writes one: `@<span>user</span>` in an h-card."""
    username = mention.lstrip("@").split("@", 1)[0]
    return (
        f'<span class="h-card" translate="no"><a href="{escape(profile_url)}" '
        f'class="u-url mention">@<span>{escape(username)}</span></a></span>'
    )


def note(
    comment,
    *,
    in_reply_to: str,
    actor_uri: str,
    profile_url: str,
    mention: str,
    with_context: bool = True,
) -> dict:
    """The author's comment as a Note answering `in_reply_to`, written by `actor_uri`.

    The mention of the person answered opens the first paragraph, as Mastodon
    writes a reply; `mention` is their handle, `@user@host`.
    """
    url = absolute(comment.get_absolute_url())
    link = mention_html(profile_url=profile_url or actor_uri, mention=mention)
    html = comment.text_html
    content = f"<p>{link} {html[3:]}" if html.startswith("<p>") else f"<p>{link}</p>{html}"
    document = {
        "id": url,
        "type": "Note",
        "attributedTo": actor_id(),
        "inReplyTo": in_reply_to,
        "content": content,
        "mediaType": "text/html",
        "url": url,
        "published": timestamp(comment.created_at),
        "to": [PUBLIC],
        "cc": [actor_uri, followers_id()],
        "tag": [{"type": "Mention", "href": actor_uri, "name": mention}],
    }
    if with_context:
        document = {"@context": AS_CONTEXT, **document}
    return document


def note_activity(kind: str, document: dict, *, at: datetime) -> dict:
    """Create, Update or Delete of a Note, addressed as the Note is (Delete: a Tombstone)."""
    document = {name: value for name, value in document.items() if name != "@context"}
    suffix = "create" if kind == "Create" else f"{kind.lower()}-{int(at.timestamp() * 1000)}"
    if kind == "Delete":
        obj = {"id": document["id"], "type": "Tombstone"}
    else:
        obj = document
        if kind == "Update":
            obj = {**document, "updated": timestamp(at)}
    return {
        "@context": AS_CONTEXT,
        "id": f"{document['id']}#{suffix}",
        "type": kind,
        "actor": actor_id(),
        "published": timestamp(at),
        "to": document["to"],
        "cc": document["cc"],
        "object": obj,
    }
