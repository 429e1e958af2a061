"""The visitor's CSRF token for a page served from the cache, made as Django makes it, faster.

A cached page is the same for everyone but for the comment form's CSRF
token, so every hit makes one: a masked copy of the visitor's secret (and a
new secret when the visitor has no CSRF cookie yet), exactly as
`django.middleware.csrf.get_token` does. Django draws each character of the
secret and of the mask with `secrets.choice`, one system call per character:
about a third of a hit's time. Here all the characters of a string come from
one `secrets.token_bytes` call, with the same distribution: bytes are mapped
onto Django's 62 characters, and those at or above the largest multiple of 62
are dropped rather than folded in (rejection sampling), so every character is
equally likely. The masking is Django's: the token is the mask followed by
the secret with each character shifted by the mask's, and Django's own CSRF
middleware checks it (tests/pagecache/test_csrf_tokens.py proves both).
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_SIZE = len(CSRF_ALLOWED_CHARS)
_USABLE = 256 - 256 % _SIZE
# Byte b reads as the character at b % 62; bytes from _USABLE up are deleted.
_TABLE = bytes(ord(CSRF_ALLOWED_CHARS[b % _SIZE]) for b in range(256))
_UNUSABLE = bytes(range(_USABLE, 256))
_INDEX = {character: index for index, character in enumerate(CSRF_ALLOWED_CHARS)}


def random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """`length` characters drawn uniformly from Django's CSRF characters."""
    drawn = b""
    while len(drawn) < length:
        # 8 bytes more than needed: a byte is dropped with chance 8/256.
        drawn += secrets.token_bytes(length + 8).translate(_TABLE, _UNUSABLE)
    return drawn[:length].decode("ascii")


def masked(secret: str) -> str:
    """A token for `secret` with a new mask, as Django's `_mask_cipher_secret` makes it."""
    mask = random_string()
    index = _INDEX
    cipher = "".join(
        CSRF_ALLOWED_CHARS[(index[s] + index[m]) % _SIZE] for s, m in zip(secret, mask, strict=True)
    )
    return mask + cipher


def token_for(request: HttpRequest) -> str:
    """What `get_token(request)` returns, with the same effect on the request.

    The CSRF middleware's `process_request` must have run: it puts the
    visitor's secret from their cookie in `CSRF_COOKIE`, if they had a valid one.
    """
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = random_string()
    # As get_token: the middleware (re)sends the cookie, for a new secret or a new expiry.
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return masked(secret)
