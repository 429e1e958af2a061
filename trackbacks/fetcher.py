"""The one outgoing HTTP client of the linkback apps, safe against SSRF.

Every network call that Kiji makes on behalf of someone else's input (ping
discovery, sending pings, verifying a ping's source) goes through `fetch()`:

- only `http` and `https` URLs with a host and no user name or password;
- only the allowed ports (80 and 443 unless configured);
- the host is resolved once, and every address it resolves to must be a
  public unicast address: loopback, private, link-local, CGNAT, multicast,
  reserved and unspecified addresses are refused in IPv4 and IPv6, including
  IPv4-mapped, 6to4, Teredo and NAT64 forms and numeric spellings such as
  `2130706433`, `0177.0.0.1` or `0x7f.1`;
- the connection goes to the address that was checked (no second lookup, so
  no DNS rebinding), with the original Host header and TLS server name;
- every redirect is checked the same way, up to a small number;
- the body is read up to a byte cap, the whole exchange within a deadline.

Loopback is allowed only when `KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK` is set, which
the test suite does to talk to servers on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from legacy_japanese.decoding import Decoded, read_document

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """The fetch could not be done; the message is safe to store, not to show to a pinger."""


class UnsafeURLError(FetchError):
    """The URL, or an address it resolves to, is not allowed."""


@dataclass
class FetchResponse:
    url: str
    status: int
    headers: Message
    body: bytes
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type() if self.headers.get("Content-Type") else ""

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset()

    def header_values(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    def document(self) -> Decoded:
        """The body decoded by its declared charset, or a `<meta charset>`, or detection."""
        return read_document(self.body, self.charset)

    def text(self) -> str:
        return self.document().fields["body"]


def user_agent() -> str:
    return f"Kiji-linkbacks/1.0 (+{settings.KIJI_SITE_URL})"


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return True only for a global unicast address a stranger's URL may point at."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if address.teredo:
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _allowed(address, *, allow_loopback: bool) -> bool:
    if allow_loopback and address.is_loopback:
        return True
    return is_public_address(address)


def check_url(url: str) -> tuple[str, str, int]:
    """Validate the form of `url`; return (scheme, host, port) or raise UnsafeURLError."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        raise UnsafeURLError("not a URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError("not a URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURLError("only http and https URLs are fetched")
    if not parts.hostname:
        raise UnsafeURLError("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURLError("URLs with a user name or password are not fetched")
    port = port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname, port


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Resolve `host` and return its addresses, refusing the whole host if any is unsafe."""
    allow_loopback = settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK
    allowed_ports = settings.KIJI_TRACKBACKS_FETCH_ALLOWED_PORTS
    try:
        host_idna = host.encode("idna").decode("ascii") if not host.isascii() else host
        infos = socket.getaddrinfo(host_idna, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}") from exc
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not _allowed(address, allow_loopback=allow_loopback):
            raise UnsafeURLError(f"{host} resolves to a non-public address")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    loopback_only = allow_loopback and all(a.is_loopback for a in addresses)
    if port not in allowed_ports and not loopback_only:
        raise UnsafeURLError(f"port {port} is not allowed")
    return addresses


def _connection(scheme: str, host: str, port: int, address, timeout: float):
    """An http.client connection to `host` that connects to the checked `address`."""
    if scheme == "https":
        conn = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def create_connection(_address, timeout=None, source_address=None, **kwargs):
        # Connect to the numeric address itself: no second name lookup.
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((str(address), port))
        except BaseException:
            sock.close()
            raise
        return sock

    conn._create_connection = create_connection
    return conn


def _request_once(method, url, body, headers, *, deadline, max_bytes):
    scheme, host, port = check_url(url)
    addresses = resolve(host, port)
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    last_error: Exception | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        conn = _connection(scheme, host, port, address, remaining)
        try:
            conn.request(method, target, body=body, headers=headers)
            sock = conn.sock
            response = conn.getresponse()
            chunks, size, truncated = [], 0, False
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise FetchError("the server took too long")
                sock.settimeout(remaining)
                chunk = response.read1(min(65536, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    truncated = True
                    break
            data = b"".join(chunks)[:max_bytes]
            return response.status, response.msg, data, truncated
        except FetchError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            last_error = exc
        finally:
            conn.close()
    if isinstance(last_error, socket.timeout | TimeoutError) or last_error is None:
        raise FetchError("the server took too long")
    raise FetchError(f"cannot connect: {last_error.__class__.__name__}")


def fetch(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_redirects: int | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> FetchResponse:
    """Send one HTTP request under the rules of this module and return the response.

    Redirects are followed (each target checked again) up to `max_redirects`;
    a 303, or a 301/302 answering a POST, continues as a GET without body.
    A non-2xx answer is returned, not raised; unsafe URLs, network errors and
    timeouts raise `FetchError`.
    """
    if max_redirects is None:
        max_redirects = settings.KIJI_TRACKBACKS_FETCH_MAX_REDIRECTS
    if max_bytes is None:
        max_bytes = settings.KIJI_TRACKBACKS_FETCH_MAX_BYTES
    if timeout is None:
        timeout = settings.KIJI_TRACKBACKS_FETCH_TIMEOUT
    deadline = time.monotonic() + timeout
    request_headers = {
        "User-Agent": user_agent(),
        "Accept-Encoding": "identity",
        "Connection": "close",
    }
    request_headers.update(headers or {})
    redirects: list[str] = []
    while True:
        status, response_headers, body, truncated = _request_once(
            method, url, data, request_headers, deadline=deadline, max_bytes=max_bytes
        )
        location = response_headers.get("Location")
        if status not in REDIRECT_STATUSES or not location:
            return FetchResponse(url, status, response_headers, body, truncated, redirects)
        if len(redirects) >= max_redirects:
            raise FetchError("too many redirects")
        redirects.append(url)
        url = urljoin(url, location.strip())
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, data = "GET", None
            request_headers.pop("Content-Type", None)
