import pytest
from django.test import RequestFactory

from moderation.flood import client_ip, flood_check


def request(remote="203.0.113.9", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not a trusted proxy: header ignored
        ("", None, None),
        ("garbage", "198.51.100.1", None),
        ("2001:DB8::1", None, "2001:db8::1"),
        ("10.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.1", "1.1.1.1, 198.51.100.1", "198.51.100.1"),  # right-most untrusted
        ("10.0.0.1", "198.51.100.1, 10.0.0.2", "198.51.100.1"),  # chain of trusted proxies
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", "not-an-ip", "10.0.0.1"),
        ("10.0.0.1", "198.51.100.1:4711", "198.51.100.1"),
        ("10.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        ("10.0.0.1", ",,,", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_forwarded_for_only_from_trusted_proxies(
    settings, remote, forwarded, expected
):
    settings.KIJI_TRUSTED_PROXIES = ["10.0.0.0/8", "bad entry"]

    assert client_ip(request(remote, forwarded)) == expected


def test_client_ip_without_remote_addr():
    req = RequestFactory().get("/")
    del req.META["REMOTE_ADDR"]

    assert client_ip(req) is None


def test_flood_check_counts_per_ip_and_scope():
    results = [flood_check(scope="comment", ip="192.0.2.1", limit=2) for _ in range(3)]

    assert results[:2] == [None, None]
    assert results[2] is not None and results[2].retry_after == 60
    assert flood_check(scope="comment", ip="192.0.2.2", limit=2) is None
    assert flood_check(scope="trackback", ip="192.0.2.1", limit=2) is None


def test_flood_limit_zero_turns_it_off():
    assert all(flood_check(scope="comment", ip="x", limit=0) is None for _ in range(50))


def test_flood_window_expires(time_machine):
    time_machine.move_to("2026-05-01 12:00:00", tick=False)
    for _ in range(3):
        flood_check(scope="comment", ip="192.0.2.3", limit=2)
    assert flood_check(scope="comment", ip="192.0.2.3", limit=2) is not None

    time_machine.move_to("2026-05-01 12:01:01", tick=False)

    assert flood_check(scope="comment", ip="192.0.2.3", limit=2) is None
