"""Flood control and the client's address, for every endpoint readers post to.

* `client_ip(request)`: the client's IP address, or None when it cannot be
  known. `X-Forwarded-For` is believed only when `REMOTE_ADDR` is one of
  `KIJI_TRUSTED_PROXIES` (none by default); then the right-most address in
  the header that is not itself a trusted proxy is the client. Empty or
  malformed values never raise.
* `flood_check(scope=..., ip=..., limit=..., window=60)`: counts one attempt
  for `ip` in `scope` (e.g. "comment", "trackback") in Django's cache and
  returns a `Refusal` once more than `limit` attempts were made within the
  window, else None. Comments answer a refusal with HTTP 429; trackbacks
  with their protocol's error response.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _


def _parse_ip(value: str) -> str | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[::1]:1234"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:1234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _trusted(ip: str) -> bool:
    for entry in settings.KIJI_TRUSTED_PROXIES:
        try:
            if ipaddress.ip_address(ip) in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address (see module doc), or None if it is missing or malformed."""
    remote = _parse_ip(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not _trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for part in reversed(forwarded.split(",")):
        candidate = _parse_ip(part)
        if candidate is None:
            break
        if not _trusted(candidate):
            return candidate
        remote = candidate
    return remote


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int


def flood_check(*, scope: str, ip: str | None, limit: int, window: int = 60) -> Refusal | None:
    """Count an attempt; refuse when `ip` made more than `limit` in the last `window` seconds.

    A limit of 0 turns flood control off for the scope.
    """
    if limit <= 0:
        return None
    key = f"kiji:flood:{scope}:{ip or 'unknown'}"
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window)
            count = 1
    if count > limit:
        return Refusal(
            _("Too many submissions from your address. Please wait a minute and try again."),
            retry_after=window,
        )
    return None
