"""HTTP Signatures for the fediverse: signing what the blog sends, verifying what it receives.

Two formats arrive at an inbox:

* draft-cavage HTTP Signatures, as Mastodon sends them: a `Signature` header
  with `keyId`, `algorithm` (rsa-sha256 or hs2019), `headers` and
  `signature`. The signing string is built here as the draft says; the RSA
  PKCS#1 v1.5 / SHA-256 operation is pyca's `cryptography`.
* RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`), verified
  by the `http-message-signatures` package (rsa-v1_5-sha256).

Either way the request must cover its method and target, host and date (or the
signature's `created`) and, with a body, a digest of it (`Digest` for cavage,
`Content-Digest` for RFC 9421), which is checked against the body; the date
must be within `KIJI_FEDIVERSE_DATE_WINDOW_SECONDS` of now. The key comes
from `fediverse.keys` (fetched through the SSRF-safe fetcher, cached,
fetched again once when a signature fails, for rotated keys).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import http_message_signatures as hms
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.http import HttpRequest

from fediverse import keys
from fediverse.signing import body_digest, signing_string

CAVAGE_HEADERS = ("(request-target)", "host", "date", "digest")
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureRefused(Exception):
    """The request is not signed, or not signed well enough to be believed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Verified:
    key_id: str
    owner_actor_uri: str
    actor: keys.ActorKey


# Signing


# Verifying


def _window() -> timedelta:
    return timedelta(seconds=settings.KIJI_FEDIVERSE_DATE_WINDOW_SECONDS)


def _check_date(value: str | None) -> None:
    try:
        when = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        raise SignatureRefused("no valid Date header") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if abs(datetime.now(UTC) - when) > _window():
        raise SignatureRefused("the Date is outside the allowed window")


def _check_digest(request: HttpRequest, *, required: bool) -> None:
    """`Digest` (SHA-256) and `Content-Digest` (sha-256/sha-512), when sent, must match the body."""
    body = request.body
    digest = request.headers.get("Digest")
    if digest is None and required and body:
        raise SignatureRefused("no Digest header for the body")
    if digest is not None:
        values = dict(
            part.strip().split("=", 1) for part in digest.split(",") if "=" in part.strip()
        )
        sent = {name.upper(): value for name, value in values.items()}.get("SHA-256")
        if sent != body_digest(body).split("=", 1)[1]:
            raise SignatureRefused("the Digest does not match the body")
    content_digest = request.headers.get("Content-Digest")
    if content_digest is not None:
        try:
            hms.ContentDigest.verify(content_digest, body)
        except Exception:
            raise SignatureRefused("the Content-Digest does not match the body") from None


def _public_key(actor: keys.ActorKey) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(actor.public_key_pem.encode())
    except ValueError:
        raise SignatureRefused("the actor's key cannot be read") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureRefused("only RSA keys are accepted")
    return key


def _with_key(key_id: str, check) -> keys.ActorKey:
    """Run `check(actor_key)`; when it fails with a cached key, fetch the key once more."""
    for refresh in (False, True):
        try:
            actor = keys.actor_key(key_id, refresh=refresh)
        except keys.DocumentError as exc:
            raise SignatureRefused(f"the key cannot be fetched: {exc}") from None
        if check(actor):
            return actor
    raise SignatureRefused("the signature does not verify")


def _verify_cavage(request: HttpRequest, header: str) -> Verified:
    params = dict(_PARAM.findall(header))
    key_id, signature = params.get("keyId", ""), params.get("signature", "")
    if not key_id or not signature:
        raise SignatureRefused("the Signature header lacks keyId or signature")
    if params.get("algorithm", "hs2019").lower() not in ("rsa-sha256", "hs2019"):
        raise SignatureRefused("unsupported signature algorithm")
    names = params.get("headers", "date").lower().split()
    required = CAVAGE_HEADERS if request.body else CAVAGE_HEADERS[:3]
    if any(name not in names for name in required):
        raise SignatureRefused("the signature does not cover " + " ".join(required))
    values = {}
    for name in names:
        if name == "(request-target)":
            continue
        if name.startswith("(") or request.headers.get(name) is None:
            raise SignatureRefused(f"cannot build the signed header {name}")
        values[name] = request.headers[name]
    _check_date(request.headers.get("Date"))
    _check_digest(request, required=True)
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        raise SignatureRefused("the signature is not base64") from None
    url = request.get_full_path()
    text = signing_string(names, request.method, url, values).encode()

    def check(actor: keys.ActorKey) -> bool:
        try:
            _public_key(actor).verify(raw, text, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    actor = _with_key(key_id, check)
    return Verified(key_id=key_id, owner_actor_uri=actor.owner, actor=actor)


@dataclass
class _Message:
    method: str
    url: str
    headers: object


class _Resolver(hms.HTTPSignatureKeyResolver):
    def __init__(self, actor: keys.ActorKey) -> None:
        self.actor = actor

    def resolve_public_key(self, key_id: str):
        return _public_key(self.actor) if key_id == self.actor.key_id else None


def _rfc9421_key_id(request: HttpRequest) -> str:
    match = re.search(r'keyid="([^"]+)"', request.headers.get("Signature-Input", ""))
    if not match:
        raise SignatureRefused("the Signature-Input has no keyid")
    return match.group(1)


def _verify_rfc9421(request: HttpRequest) -> Verified:
    key_id = _rfc9421_key_id(request)
    if request.headers.get("Date") is not None:
        _check_date(request.headers.get("Date"))
    _check_digest(request, required=False)
    message = _Message(request.method, request.build_absolute_uri(), request.headers)
    required = ("@method", "@target-uri") + (("content-digest",) if request.body else ())

    def check(actor: keys.ActorKey) -> bool:
        verifier = hms.HTTPMessageVerifier(
            signature_algorithm=hms.algorithms.RSA_V1_5_SHA256, key_resolver=_Resolver(actor)
        )
        verifier.max_clock_skew = _window()
        try:
            verifier.verify(
                message,
                max_age=_window(),
                require_components=required,
                body=request.body or None,
            )
        except hms.HTTPMessageSignaturesException:
            return False
        return True

    actor = _with_key(key_id, check)
    return Verified(key_id=key_id, owner_actor_uri=actor.owner, actor=actor)


def verify(request: HttpRequest) -> Verified:
    """Verify the request's signature; return its key and owner, or raise SignatureRefused."""
    if request.headers.get("Signature-Input"):
        return _verify_rfc9421(request)
    header = request.headers.get("Signature")
    if not header:
        raise SignatureRefused("the request is not signed")
    return _verify_cavage(request, header)
