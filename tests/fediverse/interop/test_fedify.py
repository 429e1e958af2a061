"""Interoperability with Fedify, an ActivityPub server framework nobody here wrote.

The peer (`peer/peer.mjs`, `@fedify/fedify` from the npm registry) runs on
127.0.0.1 with one Person, alice. Kiji is served for real over HTTPS on
127.0.0.1, because Fedify looks `acct:` handles up over https only; the test
makes a certificate for 127.0.0.1 and Node trusts it through
NODE_EXTRA_CA_CERTS. Every request either side sends is signed and verified
by the other: Kiji's inbox answers 401 to anything it cannot verify, and
Fedify calls its inbox listener only for verified requests (the peer also
records the key that signed each one). Deliveries go through Kiji's task
path (`fediverse.delivery.deliver` -> `deliver_one`), on the suite's
immediate task backend.

The author's answer on the blog to alice's reply reaches her as a Note
`inReplyTo` her Note (Create, then Update when edited, Delete when its post
is withdrawn), and its id (the comment's permalink) answers Fedify's lookup.

Without Node.js 20+ or the peer's node_modules (`make test` installs them with
`npm ci`) the test is skipped, unless KIJI_REQUIRE_FEDIFY is set, as CI does.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.db import connections, transaction
from django.test.testcases import LiveServerThread
from django.utils.encoding import iri_to_uri

from blog.models import Post, Tag
from comments.models import Comment
from comments.services import reply_as_author
from fediverse import activities, reactions
from fediverse.models import Delivery, Follower, RemoteReply
from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post, make_user

PEER = Path(__file__).parent / "peer"
HOST = "127.0.0.1"

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]


def _peer_missing() -> str:
    node = shutil.which("node")
    if node is None:
        return "Node.js is not installed"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        return f"Fedify 1.5 needs Node.js 20 or newer, this is {version.strip()}"
    if not (PEER / "node_modules" / "@fedify" / "fedify").is_dir():
        return "the Fedify peer is not installed (npm ci --prefix tests/fediverse/interop/peer)"
    return ""


@pytest.fixture(scope="module")
def _peer_installed():
    reason = _peer_missing()
    if reason and os.environ.get("KIJI_REQUIRE_FEDIFY"):
        pytest.fail(f"KIJI_REQUIRE_FEDIFY is set but {reason}")
    if reason:
        pytest.skip(f"{reason}; `make test` installs it when npm is there")


# Kiji over HTTPS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TLSLiveServerThread(LiveServerThread):
    """Django's live server thread, answering HTTPS (requests see `is_secure()`)."""

    def __init__(self, *args, context: ssl.SSLContext, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def _create_server(self, connections_override=None):
        server = super()._create_server(connections_override=connections_override)
        server.socket = self.context.wrap_socket(server.socket, server_side=True)
        server.base_environ["HTTPS"] = "on"
        return server


@pytest.fixture
def kiji(certificate, settings, _peer_installed):
    """Kiji served over HTTPS on 127.0.0.1, with that address as its site URL."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    thread = TLSLiveServerThread(
        HOST, static_handler=StaticFilesHandler, connections_override=shared, context=context
    )
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        url = f"https://{HOST}:{thread.port}"
        settings.KIJI_SITE_URL = url
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
        # The peer is on 127.0.0.1 too; every other address stays refused.
        settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
        yield url
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


def get_page(url: str, cafile: Path) -> str:
    context = ssl.create_default_context(cafile=str(cafile))
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return response.read().decode()


@dataclass
class Answer:
    status: int
    document: dict


def get_json(url: str, cafile: Path) -> Answer:
    """GET `url` as ActivityPub servers do, whatever the status."""
    context = ssl.create_default_context(cafile=str(cafile))
    request = urllib.request.Request(url, headers={"Accept": "application/activity+json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return Answer(response.status, json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, json.loads(exc.read()))


# The Fedify peer


class Peer:
    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.process = process
        self.url = url
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _call(self, request: urllib.request.Request):
        try:
            with self._opener.open(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{request.full_url}: {exc.code} {exc.read().decode()}") from None

    def command(self, name: str, **fields):
        request = urllib.request.Request(
            f"{self.url}/_control/{name}",
            data=json.dumps(fields).encode(),
            headers={"Content-Type": "application/json"},
        )
        return self._call(request)

    def received(self, kind: str | None = None) -> list[dict]:
        items = self._call(urllib.request.Request(f"{self.url}/_control/received"))
        return [item for item in items if kind is None or item["type"] == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            items = self.received(kind)
            if len(items) >= count or time.monotonic() > deadline:
                return items
            time.sleep(0.05)

    def post_unsigned(self, path: str, activity: dict) -> int:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(activity).encode(),
            headers={"Content-Type": "application/activity+json"},
        )
        try:
            with self._opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


@contextlib.contextmanager
def running_peer(cafile: Path, log_path: Path, port: int = 0):
    """Start peer.mjs on 127.0.0.1 (trusting `cafile`); stop it on leaving."""
    log = open(log_path, "a+")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        ["node", str(PEER / "peer.mjs"), "--port", str(port), "--authorized-fetch"],
        cwd=PEER,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(cafile)},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=30)
    try:
        if not first or not first[0].strip():
            log.seek(0)
            pytest.fail(f"the Fedify peer did not start:\n{log.read()}")
        yield Peer(process, json.loads(first[0])["url"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        # Fedify's own warnings, shown by pytest when the test failed.
        log.seek(0)
        print(log.read())
        log.close()


@pytest.fixture
def fedify(certificate, _peer_installed, tmp_path):
    with running_peer(certificate[0], tmp_path / "peer.log") as peer:
        yield peer


def test_fedify_follows_receives_replies_likes_and_deletes(kiji, fedify, certificate, settings):
    blog_actor = activities.actor_id()
    kiji_key = activities.key_id()

    # Fedify finds the blog by its handle (WebFinger over HTTPS) and follows it.
    followed = fedify.command("follow", handle=f"@blog@{HOST}:{kiji.rsplit(':', 1)[1]}")
    assert followed["actor"] == {
        "id": blog_actor,
        "type": "Service",
        "preferredUsername": "blog",
        "name": settings.KIJI_SITE_TITLE,
        "inbox": f"{kiji}/fediverse/inbox",
        "sharedInbox": f"{kiji}/fediverse/shared-inbox",
    }
    follower = Follower.objects.get()
    assert follower.actor_uri == f"{fedify.url}/users/alice"
    assert follower.status == Follower.Status.ACCEPTED
    assert follower.handle == f"@alice@{fedify.url.removeprefix('http://')}"
    (accept,) = fedify.wait_for("Accept")
    assert (accept["actor"], accept["signedBy"]) == (blog_actor, kiji_key)
    assert accept["objectType"] == "Follow"
    assert accept["object"]["id"] == followed["follow"]

    # A new post reaches the follower as Create(Article), with its tags as Hashtags.
    with transaction.atomic():
        post = make_post(
            "秋の京都 Fedify", body="First *paragraph*.", tags=[Tag.objects.create(name="京都")]
        )
    post_url = kiji + iri_to_uri(post.get_absolute_url())
    (create,) = fedify.wait_for("Create")
    assert (create["actor"], create["signedBy"], create["objectType"]) == (
        blog_actor,
        kiji_key,
        "Article",
    )
    assert create["object"]["id"] == post_url
    assert create["object"]["name"] == "秋の京都 Fedify"
    assert "<em>paragraph</em>" in create["object"]["content"]
    assert create["object"]["tag"]["name"] == "#京都"

    # Fedify reads the blog's NodeInfo (strictly parsed) and fetches the post from its URL
    # (content negotiation, a signed GET): the same Article.
    nodeinfo = fedify.command("nodeinfo", url=kiji)
    assert nodeinfo["software"]["name"] == "kiji"
    assert nodeinfo["protocols"] == ["activitypub"]
    looked_up = fedify.command("lookup", id=post_url)
    assert looked_up["type"] == "Article"
    assert looked_up["object"]["id"] == post_url

    # An edit is an Update of the same Article.
    post.body = "First *paragraph*, edited."
    post.save()
    (update,) = fedify.wait_for("Update")
    assert (update["signedBy"], update["objectType"]) == (kiji_key, "Article")
    assert update["object"]["id"] == post_url
    assert "edited" in update["object"]["content"]

    # Alice replies; the reply waits for the author, who approves it; it is on the page.
    reply = fedify.command("reply", inReplyTo=post_url, content="<p>Hello from <b>Fedify</b>!</p>")
    stored = RemoteReply.objects.select_related("comment").get()
    assert stored.object_id == reply["note"]
    assert stored.actor_uri == f"{fedify.url}/users/alice"
    comment = stored.comment
    assert (comment.post_id, comment.status) == (post.pk, Status.PENDING)
    assert comment.author_name == "Alice Fedify"
    assert "Hello from Fedify!" not in get_page(post_url, certificate[0])
    moderate(comment, status=Status.APPROVED)
    page = get_page(post_url, certificate[0])
    assert "Hello from Fedify!" in page
    assert "Alice Fedify" in page

    # The author answers her on the blog: she gets the answer as a reply to her Note.
    author = make_user("author", is_staff=True, is_superuser=True)
    answer = reply_as_author(post=post, user=author, text="Thank you, Alice!", parent_id=comment.pk)
    note_url = f"{kiji}/comments/{answer.pk}/"
    created = fedify.wait_for("Create", count=2)
    assert len(created) == 2
    answered = created[1]
    assert (answered["actor"], answered["signedBy"], answered["objectType"]) == (
        blog_actor,
        kiji_key,
        "Note",
    )
    assert answered["object"]["id"] == note_url
    assert answered["object"]["inReplyTo"] == reply["note"]
    assert answered["object"]["attributedTo"] == blog_actor
    assert answered["object"]["tag"]["href"] == stored.actor_uri
    assert "Thank you, Alice!" in answered["object"]["content"]
    # Its id is the comment's permalink, which answers Fedify with the same Note.
    looked_up = fedify.command("lookup", id=note_url)
    assert looked_up["type"] == "Note"
    assert looked_up["object"]["inReplyTo"] == reply["note"]
    # The author corrects it: an Update of the same Note.
    answer.text = "Thank you, Alice, truly!"
    answer.save()
    edited = fedify.wait_for("Update", count=2)
    assert len(edited) == 2
    assert (edited[1]["signedBy"], edited[1]["objectType"]) == (kiji_key, "Note")
    assert edited[1]["object"]["id"] == note_url
    assert "truly" in edited[1]["object"]["content"]

    # She edits it: the new text waits for the author again.
    fedify.command("update", object=reply["note"], content="<p>Hello again from Fedify!</p>")
    comment.refresh_from_db()
    assert (comment.text, comment.status) == ("Hello again from Fedify!", Status.PENDING)
    moderate(comment, status=Status.APPROVED)
    assert "Hello again from Fedify!" in get_page(post_url, certificate[0])

    # She answers her own reply: the answer joins its thread.
    answer = fedify.command("reply", inReplyTo=reply["note"], content="<p>And a P.S.</p>")
    threaded = RemoteReply.objects.select_related("comment").get(object_id=answer["note"])
    assert (threaded.comment.post_id, threaded.comment.parent_id) == (post.pk, comment.pk)

    # A Like and a boost are counted, and Undo takes them back.
    like = fedify.command("like", object=post_url)
    boost = fedify.command("announce", object=post_url)
    assert reactions.counts_for([post])[post.pk] == {"like": 1, "announce": 1}
    fedify.command("undo", activity=like["activity"])
    fedify.command("undo", activity=boost["activity"])
    assert reactions.counts_for([post])[post.pk] == {"like": 0, "announce": 0}

    # Alice deletes her reply: the comment is gone, from the page too.
    fedify.command("delete", object=reply["note"])
    assert not Comment.objects.filter(pk=comment.pk).exists()
    # (Her answer to it keeps its place in the thread.)
    assert list(RemoteReply.objects.values_list("object_id", flat=True)) == [answer["note"]]
    assert "Hello again from Fedify!" not in get_page(post_url, certificate[0])

    # The post goes back to draft: the follower gets Delete, its id a Tombstone.
    post.status = Post.Status.DRAFT
    post.save()
    # The author's answer under it goes too.
    deletes = fedify.wait_for("Delete", count=2)
    assert sorted(delete["object"]["id"] for delete in deletes) == sorted([post_url, note_url])
    for delete in deletes:
        assert (delete["signedBy"], delete["objectType"]) == (kiji_key, "Tombstone")
    for url in (post_url, note_url):
        gone = get_json(url, certificate[0])
        assert (gone.status, gone.document["type"]) == (410, "Tombstone")

    # Alice unfollows: she is no follower any more.
    fedify.command("undo", activity=followed["follow"])
    assert not Follower.objects.exists()

    # Every delivery went through and every activity was verified on arrival.
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert {item["signedBy"] for item in fedify.received()} == {kiji_key}


def test_both_sides_refuse_unsigned_activities(kiji, fedify, certificate):
    """The scenario above proves nothing if either side let unsigned requests in."""
    alice = f"{fedify.url}/users/alice"
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice}/forged",
        "type": "Create",
        "actor": activities.actor_id(),
        "object": {"id": f"{alice}/forged-note", "type": "Note", "content": "forged"},
    }
    assert fedify.post_unsigned("/users/alice/inbox", create) == 401
    assert fedify.received() == []

    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice}/follows/forged",
        "type": "Follow",
        "actor": alice,
        "object": activities.actor_id(),
    }
    request = urllib.request.Request(
        f"{kiji}/fediverse/inbox",
        data=json.dumps(follow).encode(),
        headers={"Content-Type": "application/activity+json"},
    )
    context = ssl.create_default_context(cafile=str(certificate[0]))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=context, timeout=10)
    assert refused.value.code == 401
    assert not Follower.objects.exists()

    # Alice's server runs in secure mode: her key only to signed fetches, such as
    # Kiji's (which the scenario above needs to verify anything she sends).
    unsigned_get = urllib.request.Request(alice, headers={"Accept": "application/activity+json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned_get, timeout=10)
    assert refused.value.code == 401


def test_a_rotated_key_is_fetched_again(kiji, certificate, tmp_path, _peer_installed):
    """Kiji keeps a key it fetched; a signature it does not verify fetches the key once more."""
    handle = f"@blog@{HOST}:{kiji.rsplit(':', 1)[1]}"
    with running_peer(certificate[0], tmp_path / "peer.log") as before:
        before.command("follow", handle=handle)
        port = int(before.url.rsplit(":", 1)[1])
    # The same server, back with new keys (Fedify makes them at start).
    with running_peer(certificate[0], tmp_path / "peer.log", port=port) as after:
        after.command("follow", handle=handle)
        (accept,) = after.wait_for("Accept")
        assert accept["signedBy"] == activities.key_id()
    assert Follower.objects.get().actor_uri == f"{after.url}/users/alice"
