"""Remote ActivityPub documents: strict JSON, and the actors' public keys.

Every document comes through `trackbacks.fetcher.fetch` (the one SSRF-safe
fetcher, with its address, port, redirect, size and time caps), signed with
the blog's key. Documents are
read as plain JSON: no JSON-LD context is ever fetched or expanded. A key is
cached (Django's cache) by its id with what the inbox needs of its owner; a
signature that fails with a cached key gets one fresh fetch (key rotation).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from urllib.parse import urldefrag, urlsplit

from django.conf import settings
from django.core.cache import cache

from fediverse import activities, signing
from fediverse.models import ActorKey as BlogKey
from trackbacks.fetcher import FetchError, fetch

ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JSON_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})
MAX_DEPTH = 32
KEY_CACHE_SECONDS = 24 * 3600


class DocumentError(Exception):
    """A remote document could not be fetched or is not acceptable JSON."""


def origin(url: str) -> str:
    """`scheme://host[:port]` of `url`, lower-cased; "" when it is not an http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except (TypeError, ValueError):
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default = 443 if parts.scheme == "https" else 80
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def load_json(data: bytes, *, max_depth: int = MAX_DEPTH) -> dict:
    """Parse a JSON object, refusing anything nested deeper than `max_depth`."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise DocumentError("not JSON") from exc
    if not isinstance(value, dict):
        raise DocumentError("not a JSON object")
    if _depth(value) > max_depth:
        raise DocumentError("JSON nested too deeply")
    return value


def fetch_document(url: str) -> dict:
    """GET an ActivityStreams document; it must answer from `url`'s own origin with its id."""
    # Signed as the blog: servers in Mastodon's secure mode (authorized fetch)
    # answer nothing else, and the others ignore the signature.
    headers = {"Accept": ACCEPT}
    headers |= signing.sign(
        "GET",
        url,
        headers,
        None,
        key_id=activities.key_id(),
        private_key_pem=BlogKey.current().private_key_pem,
    )
    try:
        response = fetch(url, headers=headers, max_redirects=0)
    except FetchError as exc:
        raise DocumentError(str(exc)) from exc
    if not response.ok or response.truncated:
        raise DocumentError(f"answered {response.status}")
    if response.content_type not in JSON_TYPES:
        raise DocumentError("not an ActivityStreams document")
    document = load_json(response.body)
    if origin(str(document.get("id", ""))) != origin(url):
        raise DocumentError("the document's id is not on the origin it came from")
    return document


@dataclass(frozen=True)
class ActorKey:
    """A remote public key and what the inbox needs to know about its owner."""

    key_id: str
    public_key_pem: str
    owner: str
    inbox: str = ""
    shared_inbox: str = ""
    name: str = ""
    username: str = ""
    profile_url: str = ""
    avatar_url: str = ""


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _url(value) -> str:
    """An http(s) URL from an ActivityStreams `url`/`icon` value (string, Link or list)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("href") or value.get("url") or ""
    value = _text(value)
    return value if origin(value) else ""


def _key_from_actor(key_id: str, actor: dict) -> ActorKey:
    keys = actor.get("publicKey")
    keys = keys if isinstance(keys, list) else [keys]
    for key in keys:
        if isinstance(key, dict) and key.get("id") == key_id:
            owner = _text(key.get("owner")) or _text(actor.get("id"))
            pem = _text(key.get("publicKeyPem"))
            if owner != actor.get("id") or not pem:
                raise DocumentError("the key does not belong to the document that lists it")
            endpoints = actor.get("endpoints") if isinstance(actor.get("endpoints"), dict) else {}
            inbox = _text(actor.get("inbox"))
            shared = _text(endpoints.get("sharedInbox"))
            return ActorKey(
                key_id=key_id,
                public_key_pem=pem,
                owner=owner,
                inbox=inbox if origin(inbox) == origin(owner) else "",
                shared_inbox=shared if origin(shared) == origin(owner) else "",
                name=_text(actor.get("name"))[:100],
                username=_text(actor.get("preferredUsername"))[:100],
                profile_url=_url(actor.get("url")) or owner,
                avatar_url=_url(actor.get("icon")),
            )
    raise DocumentError("the document does not list the key")


def _cache_key(key_id: str) -> str:
    return "kiji:fediverse:key:" + hashlib.sha256(key_id.encode()).hexdigest()


def actor_key(key_id: str, *, refresh: bool = False) -> ActorKey:
    """The public key `key_id` (an actor's URL with a fragment), cached; raises DocumentError."""
    cached = None if refresh else cache.get(_cache_key(key_id))
    if cached is not None:
        return ActorKey(**cached)
    url = urldefrag(key_id).url
    if not origin(url):
        raise DocumentError("the key id is not an http(s) URL")
    found = _key_from_actor(key_id, fetch_document(url))
    if origin(found.owner) != origin(key_id):
        raise DocumentError("the key's owner is on another origin")
    seconds = getattr(settings, "KIJI_FEDIVERSE_KEY_CACHE_SECONDS", KEY_CACHE_SECONDS)
    cache.set(_cache_key(key_id), asdict(found), timeout=seconds)
    return found
