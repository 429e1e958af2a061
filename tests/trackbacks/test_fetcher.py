import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from trackbacks import fetcher
from trackbacks.fetcher import FetchError, UnsafeURLError, fetch, is_public_address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "192.0.2.1",
        "198.18.0.1",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::1",
        "2002:a00:1::1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "2001:db8::1",
        "2001::1",
        "::127.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700::6810:85e5", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://example.com/",
        "http:///path-only",
        "http://user:secret@example.com/",
        "http://user@example.com/",
        "http://exa mple.com/",
        "",
        "http://example.com:99999/",
    ],
)
def test_malformed_or_unsupported_urls_are_refused(url):
    with pytest.raises(UnsafeURLError):
        fetch(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.0.0.1/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://0/",
        "https://192.168.0.1/",
    ],
)
def test_loopback_private_and_odd_spellings_are_refused(url):
    with pytest.raises(UnsafeURLError):
        fetch(url)


def fake_dns(monkeypatch, table):
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host not in table:
            raise socket.gaierror("unknown")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    monkeypatch.setattr(fetcher.socket, "getaddrinfo", getaddrinfo)
    return calls


def test_names_resolving_to_private_addresses_are_refused(monkeypatch):
    fake_dns(monkeypatch, {"intranet.example": ["10.0.0.5"], "v6.example": ["fd00::5"]})
    with pytest.raises(UnsafeURLError):
        fetch("http://intranet.example/")
    with pytest.raises(UnsafeURLError):
        fetch("http://v6.example/")


def test_a_name_with_any_private_address_is_refused(monkeypatch):
    fake_dns(monkeypatch, {"mixed.example": ["93.184.215.14", "127.0.0.1"]})
    with pytest.raises(UnsafeURLError):
        fetch("http://mixed.example/")


def test_unresolvable_names_fail_cleanly(monkeypatch):
    fake_dns(monkeypatch, {})
    with pytest.raises(FetchError):
        fetch("http://nowhere.example/")


def test_only_ports_80_and_443_by_default(monkeypatch):
    fake_dns(monkeypatch, {"public.example": ["93.184.215.14"]})
    with pytest.raises(UnsafeURLError, match="port"):
        fetch("http://public.example:8080/")
    with pytest.raises(UnsafeURLError, match="port"):
        fetch("http://public.example:22/")


def test_loopback_is_refused_without_the_setting_even_for_a_running_server(web, settings):
    url = web.add("/page", "hello")
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(UnsafeURLError):
        fetch(url)
    assert web.received == []


def test_allowed_loopback_fetch_sends_a_clear_user_agent(web, settings):
    settings.KIJI_SITE_URL = "https://blog.example"
    url = web.add("/page", "hello")
    response = fetch(url)
    assert response.status == 200
    assert response.body == b"hello"
    assert web.received[0].headers["User-Agent"] == "Kiji-linkbacks/1.0 (+https://blog.example)"


def test_connects_to_the_checked_address_with_the_original_host(web, monkeypatch):
    """One lookup per request; a second answer (DNS rebinding) is never used."""
    web.add("/page", "ok")
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

    monkeypatch.setattr(fetcher.socket, "getaddrinfo", getaddrinfo)
    response = fetch(f"http://rebind.example:{web.port}/page")
    assert response.body == b"ok"
    assert calls == ["rebind.example"]
    assert web.received[0].headers["Host"] == f"rebind.example:{web.port}"


def test_every_redirect_is_checked_again(web):
    url = web.add("/jump", status=302, headers=[("Location", "http://10.0.0.1/admin")])
    with pytest.raises(UnsafeURLError):
        fetch(url)
    web.add("/meta", status=301, headers=[("Location", "http://169.254.169.254/")])
    with pytest.raises(UnsafeURLError):
        fetch(web.url("/meta"))


def test_redirects_are_followed_up_to_the_limit(web):
    web.add("/a", status=302, headers=[("Location", "/b")])
    web.add("/b", status=301, headers=[("Location", "{base}/c")])
    web.add("/c", "arrived")
    response = fetch(web.url("/a"))
    assert response.body == b"arrived"
    assert response.url == web.url("/c")
    with pytest.raises(FetchError, match="redirects"):
        fetch(web.url("/a"), max_redirects=1)


def test_post_redirected_by_303_continues_as_get(web):
    web.add("/post", status=303, headers=[("Location", "/done")])
    web.add("/done", "done")
    response = fetch(web.url("/post"), method="POST", data=b"a=1")
    assert response.body == b"done"
    assert [r.method for r in web.received] == ["POST", "GET"]


def test_body_is_capped(web):
    web.add("/big", b"x" * 5000)
    response = fetch(web.url("/big"), max_bytes=1000)
    assert len(response.body) == 1000
    assert response.truncated


def test_http_errors_are_returned_not_raised(web):
    response = fetch(web.url("/missing"))
    assert response.status == 404
    assert not response.ok


def test_a_silent_server_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        from django.test import override_settings

        with (
            override_settings(KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK=True),
            pytest.raises(FetchError, match="too long"),
        ):
            fetch(f"http://127.0.0.1:{port}/", timeout=0.3)
    finally:
        listener.close()


def test_a_closed_port_fails_cleanly(settings):
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError):
        fetch(f"http://127.0.0.1:{port}/")


def test_a_slow_drip_is_cut_at_the_deadline(settings):
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    stop = threading.Event()

    class Drip(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            while not stop.wait(0.05):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(FetchError, match="too long"):
            fetch(f"http://127.0.0.1:{server.server_address[1]}/", timeout=0.5)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
