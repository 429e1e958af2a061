"""HTTP Signatures: what the blog signs, and what it believes (fediverse/signatures.py)."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import http_message_signatures as hms
import pytest
from django.test import RequestFactory

from fediverse import keys
from fediverse.signatures import SignatureRefused, verify
from fediverse.signing import body_digest, sign
from tests.fediverse.remote import AP, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(settings):
    """A fediverse server on 127.0.0.1 whose actors' keys our fetcher may fetch."""
    yield from serve(settings)


PATH = "/fediverse/inbox"
BODY = json.dumps({"type": "Like"}).encode()


def _request(headers: dict, body: bytes = BODY, path: str = PATH):
    return RequestFactory().post(path, body, content_type=AP, headers=headers)


def _signed(actor, body: bytes = BODY, **kwargs):
    return _request(actor.signed_headers(PATH, body, **kwargs), body)


def test_sign_makes_mastodon_headers(remote):
    actor = remote.actor("alice")
    headers = sign(
        "POST",
        "https://remote.example/inbox",
        {},
        b"{}",
        key_id=actor.key_id,
        private_key_pem=actor.private_pem,
    )
    assert headers["Host"] == "remote.example"
    assert headers["Digest"] == body_digest(b"{}")
    assert 'algorithm="rsa-sha256"' in headers["Signature"]
    assert 'headers="(request-target) host date digest"' in headers["Signature"]
    assert f'keyId="{actor.key_id}"' in headers["Signature"]


def test_a_well_signed_request_is_believed(remote):
    actor = remote.actor("alice")
    verified = verify(_signed(actor))
    assert verified.owner_actor_uri == actor.id
    assert verified.key_id == actor.key_id
    assert verified.actor.inbox == actor.inbox
    assert verified.actor.name == "Alice Remote"


def test_unsigned_is_refused(remote):
    with pytest.raises(SignatureRefused, match="not signed"):
        verify(_request({"Host": "testserver"}))


def test_wrong_key_is_refused(remote):
    alice, mallory = remote.actor("alice"), remote.actor("mallory")
    request = _signed(alice, private_pem=mallory.private_pem)
    with pytest.raises(SignatureRefused, match="does not verify"):
        verify(request)


def test_expired_date_is_refused(remote, settings):
    actor = remote.actor("alice")
    old = format_datetime(datetime.now(UTC) - timedelta(seconds=301), usegmt=True)
    with pytest.raises(SignatureRefused, match="window"):
        verify(_signed(actor, Date=old))


def test_wrong_digest_is_refused(remote):
    actor = remote.actor("alice")
    headers = actor.signed_headers(PATH, BODY)
    with pytest.raises(SignatureRefused, match="Digest does not match"):
        verify(_request(headers, body=BODY.replace(b"Like", b"Undo")))


def test_a_body_without_a_signed_digest_is_refused(remote):
    actor = remote.actor("alice")
    headers = sign(
        "POST",
        "http://testserver" + PATH,
        {},
        None,  # signs (request-target) host date only
        key_id=actor.key_id,
        private_key_pem=actor.private_pem,
    )
    with pytest.raises(SignatureRefused):
        verify(_request(headers))


def test_key_on_a_private_address_is_refused(remote, settings):
    actor = remote.actor("alice")
    request = _signed(actor)
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(SignatureRefused, match="cannot be fetched"):
        verify(request)
    assert remote.received == []


def test_keys_are_cached(remote):
    actor = remote.actor("alice")
    verify(_signed(actor))
    verify(_signed(actor))
    assert len(remote.received) == 1


def test_a_rotated_key_is_fetched_again_once(remote):
    actor = remote.actor("alice")
    verify(_signed(actor))
    actor.rotate_key(99)
    assert verify(_signed(actor)).owner_actor_uri == actor.id
    assert len(remote.received) == 2


def test_a_key_listed_by_another_document_is_refused(remote):
    alice, bob = remote.actor("alice"), remote.actor("bob")
    document = bob.document()
    document["publicKey"] = {**document["publicKey"], "id": alice.key_id, "owner": alice.id}
    bob.publish(document)
    with pytest.raises(SignatureRefused, match="cannot be fetched"):
        verify(_signed(alice, key_id=bob.id + "#main-key", private_pem=bob.private_pem))


class _Message:
    def __init__(self, url: str, body: bytes):
        self.method, self.url, self.headers = "POST", url, {}
        self.body = body


def _rfc9421_request(actor, body: bytes = BODY, tamper: bytes | None = None):
    message = _Message("http://testserver" + PATH, body)
    signer = hms.HTTPMessageSigner(
        signature_algorithm=hms.algorithms.RSA_V1_5_SHA256,
        key_resolver=hms.MappingKeyResolver(
            public_keys={}, private_keys={actor.key_id: actor.private_pem.encode()}
        ),
    )
    signer.sign(
        message,
        key_id=actor.key_id,
        covered_component_ids=("@method", "@target-uri", "content-digest"),
        body=body,
    )
    return _request({"Host": "testserver", **message.headers}, body=tamper or body)


def test_rfc9421_signatures_are_believed(remote):
    actor = remote.actor("alice")
    assert verify(_rfc9421_request(actor)).owner_actor_uri == actor.id


def test_rfc9421_with_a_changed_body_is_refused(remote):
    actor = remote.actor("alice")
    with pytest.raises(SignatureRefused):
        verify(_rfc9421_request(actor, tamper=BODY.replace(b"Like", b"Undo")))


def test_json_nested_too_deeply_is_refused():
    with pytest.raises(keys.DocumentError, match="deeply"):
        keys.load_json(b'{"a":' * 40 + b"1" + b"}" * 40)
    with pytest.raises(keys.DocumentError):
        keys.load_json(b'{"a":' * 100000 + b"1" + b"}" * 100000)
    assert keys.load_json(b'{"a": {"b": [1]}}') == {"a": {"b": [1]}}
