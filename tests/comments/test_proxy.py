"""Behind a reverse proxy: the commenter's address, and odd headers never break a submission."""

import pytest

from comments.models import Comment
from tests.comments.helpers import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _proxy(settings):
    settings.KIJI_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "stored"),
    [
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "203.0.113.1, 198.51.100.7, 10.0.0.3", "198.51.100.7"),
        ("198.51.100.9", "203.0.113.66", "198.51.100.9"),  # not through the proxy: ignored
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", " , ,", "127.0.0.1"),
        ("127.0.0.1", "unknown", "127.0.0.1"),
        ("127.0.0.1", "<script>, 999.1.1.1", "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7" + ", x" * 500, "127.0.0.1"),
        ("", "198.51.100.7", None),
        ("not an address", "", None),
    ],
)
def test_a_submission_is_stored_with_the_clients_address_whatever_the_headers(
    client, post, remote, forwarded, stored
):
    response = client.post(
        f"/comments/post/{post.pk}/",
        form_data(post, text=f"From {remote!r} via {forwarded[:20]!r}"),
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )

    assert response.status_code == 302
    assert Comment.objects.get().ip_address == stored


def test_flood_control_counts_each_client_behind_the_proxy_apart(client, post, settings):
    settings.KIJI_COMMENTS_PER_MINUTE = 2

    def send_as(ip: str, n: int):
        return client.post(
            f"/comments/post/{post.pk}/",
            form_data(post, text=f"{ip} number {n}"),
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=ip,
        )

    assert [send_as("198.51.100.1", n).status_code for n in range(3)] == [302, 302, 429]
    assert send_as("198.51.100.2", 0).status_code == 302
