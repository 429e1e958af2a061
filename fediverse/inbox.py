"""The blog's inbox (and shared inbox): signed activities from the fediverse.

Order of work for each POST, cheapest refusal first:

1. a body over `KIJI_FEDIVERSE_MAX_BODY_BYTES` -> 413; not a JSON object, or
   nested too deeply -> 400 (plain JSON: no JSON-LD context is fetched);
2. a blocked actor or instance (the activity's actor or the signature's key)
   -> 403, before any key is fetched or anything is stored;
3. the HTTP signature (`fediverse.signatures.verify`) -> 401 when missing or
   bad, and 401 when the key's owner is not the activity's actor;
4. the activity's id must be on the actor's origin; an object on another
   origin is fetched from its own origin before it is believed;
5. dispatch: Follow, Undo, Create/Update/Delete of a Note, Delete of the
   actor itself (fediverse/actors.py, which also takes one whose key is gone
   when the actor's origin answers 410), Like, Announce.
   Anything else is accepted and ignored (202).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fediverse import activities, actors, delivery, keys, reactions, replies
from fediverse.models import Block, Follower, Reaction
from fediverse.signatures import SignatureRefused, verify
from moderation.flood import flood_check

PUBLIC_CONTEXT = "https://www.w3.org/ns/activitystreams"
_KEY_ID = re.compile(r'(?:keyId|keyid)="([^"]+)"')


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _error(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


def _id(value) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _read(request: HttpRequest) -> dict:
    limit = settings.KIJI_FEDIVERSE_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit or len(request.body) > limit:
        raise Refused(413, "body too large")
    try:
        return keys.load_json(request.body)
    except keys.DocumentError as exc:
        raise Refused(400, str(exc)) from None


def _blocked(request: HttpRequest, activity: dict) -> bool:
    signature = request.headers.get("Signature-Input") or request.headers.get("Signature") or ""
    key = _KEY_ID.search(signature)
    candidates = [_id(activity.get("actor")), key.group(1) if key else ""]
    return any(Block.objects.blocks(uri) for uri in candidates if keys.origin(uri))


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    """Receive one activity (see the module doc); 202 when it was taken."""
    if not settings.KIJI_FEDIVERSE_ENABLED:
        return _error(404, "not found")
    try:
        activity = _read(request)
        if _blocked(request, activity):
            return _error(403, "blocked")
        if actors.nothing_to_forget(activity):
            return HttpResponse(status=202)  # a deleted account Kiji never knew: no fetch
        try:
            verified = verify(request)
        except SignatureRefused as exc:
            # An account deleted with its key: believed only on its origin's 410 (actors.py).
            if actors.gone_actor_deleted(activity):
                return HttpResponse(status=202)
            raise Refused(401, exc.reason) from None
        if _id(activity.get("actor")) != verified.owner_actor_uri:
            raise Refused(401, "the key's owner is not the activity's actor")
        if keys.origin(_id(activity)) != keys.origin(verified.owner_actor_uri):
            raise Refused(400, "the activity's id is not on the actor's origin")
        delivery.instance_answered(delivery.instance_host(verified.owner_actor_uri))
        _dispatch(activity, verified.actor)
    except Refused as exc:
        response = _error(exc.status, exc.reason)
        if exc.status == 429:
            response["Retry-After"] = "60"
        return response
    return HttpResponse(status=202)


def _dispatch(activity: dict, actor: keys.ActorKey) -> None:
    handler = {
        "Follow": _follow,
        "Undo": _undo,
        "Create": _create,
        "Update": _update,
        "Delete": _delete,
        "Like": _react,
        "Announce": _react,
    }.get(activity.get("type"))
    if handler is not None:
        handler(activity, actor)


def _believed_object(activity: dict, actor: keys.ActorKey) -> dict:
    """The activity's object, fetched from its own origin when it is not on the actor's."""
    obj = activity.get("object")
    object_id = _id(obj)
    if not keys.origin(object_id):
        raise Refused(400, "the object has no id")
    if not isinstance(obj, dict) or keys.origin(object_id) != keys.origin(actor.owner):
        try:
            obj = keys.fetch_document(object_id)
        except keys.DocumentError:
            raise Refused(400, "the object cannot be fetched from its origin") from None
    if _id(obj.get("attributedTo")) != actor.owner:
        raise Refused(400, "the object is not the actor's")
    return obj


# Follows


def accept_activity(follower: Follower, follow: dict) -> dict:
    """The Accept that answers `follow` (the Follow activity as received)."""
    stamp = hashlib.sha256(follower.actor_uri.encode()).hexdigest()[:16]
    follow = {k: v for k, v in follow.items() if k != "@context"}
    return {
        "@context": PUBLIC_CONTEXT,
        "id": f"{activities.actor_id()}#accepts/{stamp}-{follower.pk}",
        "type": "Accept",
        "actor": activities.actor_id(),
        "object": follow,
    }


def _follow(activity: dict, actor: keys.ActorKey) -> None:
    if _id(activity.get("object")) != activities.actor_id():
        return
    if not actor.inbox:
        raise Refused(400, "the actor has no inbox")
    pending = settings.KIJI_FEDIVERSE_APPROVE_FOLLOWERS
    # `host[:port]` as in a WebFinger handle: the port only when it is not the default.
    host = keys.origin(actor.owner).partition("://")[2]
    follower, _ = Follower.objects.update_or_create(
        actor_uri=actor.owner,
        defaults={
            "inbox": actor.inbox,
            "shared_inbox": actor.shared_inbox,
            "name": actor.name[:200],
            "handle": f"@{actor.username}@{host}"[:300] if actor.username else "",
            "follow_activity_id": _id(activity)[:2000],
        },
        create_defaults={
            "inbox": actor.inbox,
            "shared_inbox": actor.shared_inbox,
            "name": actor.name[:200],
            "handle": f"@{actor.username}@{host}"[:300] if actor.username else "",
            "follow_activity_id": _id(activity)[:2000],
            "status": Follower.Status.PENDING if pending else Follower.Status.ACCEPTED,
        },
    )
    if follower.status == Follower.Status.ACCEPTED:
        send_accept(follower, activity)


def send_accept(follower: Follower, follow: dict) -> None:
    """Tell the follower they follow the blog (queued; sent after the transaction commits)."""
    delivery.deliver(accept_activity(follower, follow), [follower.inbox])


def _undo(activity: dict, actor: keys.ActorKey) -> None:
    obj = activity.get("object")
    object_id = _id(obj)
    kind = obj.get("type") if isinstance(obj, dict) else None
    followers = Follower.objects.filter(actor_uri=actor.owner)
    if kind == "Follow":
        followers.delete()
    elif kind is None:
        followers.filter(follow_activity_id=object_id).delete()
    if kind in (None, "Like", "Announce"):
        reactions.remove(activity_id=object_id, actor_uri=actor.owner)


# Replies


def _flood(actor: keys.ActorKey) -> None:
    actor_key = hashlib.sha256(actor.owner.encode()).hexdigest()[:32]
    host = (urlsplit(actor.owner).hostname or "").lower()
    refusal = flood_check(
        scope=f"fediverse-actor:{actor_key}",
        ip=None,
        limit=getattr(settings, "KIJI_FEDIVERSE_REPLIES_PER_ACTOR_PER_MINUTE", 5),
    ) or flood_check(
        scope=f"fediverse-instance:{host}",
        ip=None,
        limit=getattr(settings, "KIJI_FEDIVERSE_REPLIES_PER_INSTANCE_PER_MINUTE", 30),
    )
    if refusal is not None:
        raise Refused(429, "too many replies")


def _create(activity: dict, actor: keys.ActorKey) -> None:
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") != "Note":
        return
    note = _believed_object(activity, actor)
    if note.get("type") != "Note" or not isinstance(note.get("inReplyTo"), str):
        return
    target = replies.find_target(note["inReplyTo"])
    if target is None or not target[0].comments_open:
        return
    _flood(actor)
    replies.receive_note(note=note, actor=actor, post=target[0], parent=target[1])


def _update(activity: dict, actor: keys.ActorKey) -> None:
    obj = activity.get("object")
    if not isinstance(obj, dict) or obj.get("type") != "Note":
        return
    replies.update_note(note=_believed_object(activity, actor), actor_uri=actor.owner)


def _delete(activity: dict, actor: keys.ActorKey) -> None:
    object_id = _id(activity.get("object"))
    if object_id == actor.owner:
        actors.forget(actor.owner)  # the account itself was deleted
        return
    if keys.origin(object_id) != keys.origin(actor.owner):
        raise Refused(400, "the object is not on the actor's origin")
    replies.delete_note(object_id=object_id, actor_uri=actor.owner)


# Likes and boosts


def _react(activity: dict, actor: keys.ActorKey) -> None:
    target = replies.find_target(_id(activity.get("object")))
    if target is None or target[1] is not None:
        return
    kind = Reaction.Kind.LIKE if activity["type"] == "Like" else Reaction.Kind.ANNOUNCE
    reactions.add(post=target[0], kind=kind, actor_uri=actor.owner, activity_id=_id(activity))
