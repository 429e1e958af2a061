"""Signing what the blog sends: draft-cavage HTTP Signatures, as Mastodon checks them.

Its own module, apart from verifying (fediverse/signatures.py), because
fetching remote keys (fediverse/keys.py), which verifying needs, signs its
requests too: servers in Mastodon's secure mode answer only signed fetches.
The RSA PKCS#1 v1.5 / SHA-256 operation is pyca's `cryptography`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def body_digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def _request_target(method: str, url: str) -> str:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return f"{method.lower()} {target}"


def signing_string(names: list[str], method: str, url: str, headers: dict[str, str]) -> str:
    lower = {name.lower(): value for name, value in headers.items()}
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {_request_target(method, url)}")
        else:
            lines.append(f"{name}: {lower[name].strip()}")
    return "\n".join(lines)


@functools.lru_cache(maxsize=4)
def _private_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    """The blog's key, read (and checked, which costs tens of ms) once per process."""
    return serialization.load_pem_private_key(private_key_pem.encode(), password=None)


def sign(
    method: str,
    url: str,
    headers: dict,
    body: bytes | None,
    *,
    key_id: str,
    private_key_pem: str,
) -> dict:
    """The headers to add to a request so that Mastodon believes it (draft-cavage rsa-sha256).

    `headers` may already hold `Date` or `Host`; those are signed as given.
    """
    given = {name.lower(): value for name, value in (headers or {}).items()}
    added = {
        "Host": given.get("host") or urlsplit(url).netloc,
        "Date": given.get("date") or format_datetime(datetime.now(UTC), usegmt=True),
    }
    names = ["(request-target)", "host", "date"]
    if body is not None:
        added["Digest"] = body_digest(body)
        names.append("digest")
    key = _private_key(private_key_pem)
    signed = key.sign(
        signing_string(names, method, url, added).encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    added["Signature"] = ",".join(
        (
            f'keyId="{key_id}"',
            'algorithm="rsa-sha256"',
            f'headers="{" ".join(names)}"',
            f'signature="{base64.b64encode(signed).decode("ascii")}"',
        )
    )
    return added
