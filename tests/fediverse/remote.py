"""A remote fediverse server for inbox tests: actors with keys, served on 127.0.0.1.

`RemoteServer.actor("alice")` publishes an actor document with a fresh RSA
key; `actor.post(client, path, activity)` sends it to our inbox signed with
our own `fediverse.signing.sign()`, as Mastodon would.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fediverse import activities
from fediverse.signing import sign
from tests.trackbacks.conftest import WebServer

ACTIVITIES = Path(__file__).parent / "activities"
AP = "application/activity+json"


@cache
def _keypair(n: int) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class RemoteActor:
    def __init__(self, server: RemoteServer, username: str, n: int) -> None:
        self.server = server
        self.username = username
        self.private_pem, self.public_pem = _keypair(n)
        self.publish()

    @property
    def id(self) -> str:
        return self.server.url(f"/users/{self.username}")

    @property
    def key_id(self) -> str:
        return self.id + "#main-key"

    @property
    def inbox(self) -> str:
        return self.id + "/inbox"

    def document(self) -> dict:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.id,
            "type": "Person",
            "preferredUsername": self.username,
            "name": self.username.title() + " Remote",
            "url": self.server.url(f"/@{self.username}"),
            "icon": {"type": "Image", "url": self.server.url(f"/avatars/{self.username}.png")},
            "inbox": self.inbox,
            "endpoints": {"sharedInbox": self.server.url("/inbox")},
            "publicKey": {"id": self.key_id, "owner": self.id, "publicKeyPem": self.public_pem},
        }

    def publish(self, document: dict | None = None) -> None:
        self.server.add(
            f"/users/{self.username}",
            json.dumps(document or self.document()),
            content_type=AP,
        )

    def rotate_key(self, n: int) -> None:
        self.private_pem, self.public_pem = _keypair(n)
        self.publish()

    def activity(self, name: str, **replace) -> dict:
        """A fixture from activities/, with {actor} and {base} filled in and fields replaced."""
        text = (ACTIVITIES / f"{name}.json").read_text()
        text = text.replace("{actor}", self.id).replace("{base}", self.server.url(""))
        text = text.replace("{blog}", activities.actor_id())
        for key, value in replace.items():
            text = text.replace("{" + key + "}", value)
        return json.loads(text)

    def signed_headers(self, path: str, body: bytes, *, key_id=None, private_pem=None, **extra):
        headers = sign(
            "POST",
            "http://testserver" + path,
            extra,
            body,
            key_id=key_id or self.key_id,
            private_key_pem=private_pem or self.private_pem,
        )
        return headers

    def post(self, client, path: str, activity: dict | bytes, *, headers=None, **sign_args):
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        if headers is None:
            headers = self.signed_headers(path, body, **sign_args)
        return client.post(path, body, content_type=AP, headers=headers)


class RemoteServer(WebServer):
    def __init__(self) -> None:
        super().__init__()
        self._n = 0

    def actor(self, username: str) -> RemoteActor:
        self._n += 1
        return RemoteActor(self, username, self._n)

    def add_json(self, path: str, document: dict) -> str:
        return self.add(path, json.dumps(document), content_type=AP)


def serve(settings):
    """Run a RemoteServer for one test (a fixture's body), with loopback fetches allowed."""
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    server = RemoteServer()
    yield server
    server.stop()
