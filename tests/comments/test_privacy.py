"""Commenters' email and IP addresses never reach a public response."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from blog.models import Post, Tag
from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import form_data, make_comment, send
from tests.factories import make_category, make_post

pytestmark = pytest.mark.django_db

SECRETS = {
    Status.APPROVED: ("approved-secret@example.com", "198.51.100.201"),
    Status.PENDING: ("pending-secret@example.com", "198.51.100.202"),
    Status.SPAM: ("spam-secret@example.com", "198.51.100.203"),
    Status.REJECTED: ("rejected-secret@example.com", "198.51.100.204"),
}
# Routes the scan does not need: the admin (staff only) and the pages that
# receive a POST (scanned below through real submissions).
NOT_PUBLIC_PAGES = {"comments:post"}


def route_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            names |= route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


@pytest.fixture
def blog(db):
    category = make_category("Secrets", slug="secrets")
    tag = Tag.objects.create(name="private")
    post = make_post("Open post", category=category, tags=[tag])
    draft = make_post("Draft post", status=Post.Status.DRAFT, category=category)
    for status, (email, ip) in SECRETS.items():
        make_comment(
            post,
            status=status,
            author_email=email,
            ip_address=ip,
            author_name=f"Name {status}",
            text=f"Text {status}",
        )
    make_comment(draft, author_email="draft-secret@example.com", ip_address="198.51.100.205")
    return post, draft, category, tag


def public_urls(post, draft, category, tag) -> dict[str, list[str]]:
    local = timezone.localtime(post.published_at)
    return {
        "blog:index": ["/", "/?page=2", "/?page=zzz"],
        "blog:search": [
            reverse("blog:search") + f"?q={q}"
            for q in ("approved-secret", "198.51.100", "Text", "example.com")
        ],
        "blog:feed-rss": [reverse("blog:feed-rss")],
        "blog:feed-atom": [reverse("blog:feed-atom")],
        "blog:category": [category.get_absolute_url()],
        "blog:category-feed-rss": [reverse("blog:category-feed-rss", args=[category.slug])],
        "blog:category-feed-atom": [reverse("blog:category-feed-atom", args=[category.slug])],
        "blog:tag": [tag.get_absolute_url()],
        "blog:archives": [reverse("blog:archives")],
        "blog:archive-year": [f"/{local.year}/"],
        "blog:archive-month": [f"/{local.year}/{local.month:02d}/"],
        "blog:post": [post.get_absolute_url(), draft.get_absolute_url()],
        "robots": ["/robots.txt"],
        "django.contrib.sitemaps.views.sitemap": ["/sitemap.xml"],
        "comments:feed-rss": [reverse("comments:feed-rss")],
        "comments:feed-atom": [reverse("comments:feed-atom")],
        "comments:post-feed-rss": [
            reverse("comments:post-feed-rss", args=[post.pk]),
            reverse("comments:post-feed-rss", args=[draft.pk]),
        ],
        "comments:post-feed-atom": [reverse("comments:post-feed-atom", args=[post.pk])],
        "moderation:link": [reverse("moderation:link", args=["forged"])],
        "comments:moderate-link": [reverse("comments:moderate-link", args=["forged"])],
        "comments:permalink": [c.get_absolute_url() for c in Comment.objects.all()],
        "media-file": ["/media/media/2026/01/missing.jpg"],
        "subscriptions:confirm": [reverse("subscriptions:confirm", args=["forged"])],
        "subscriptions:unsubscribe": [reverse("subscriptions:unsubscribe", args=["forged"])],
        "comments:reply": [reverse("comments:reply", args=[c.pk]) for c in Comment.objects.all()],
        "trackbacks:ping": [
            reverse("trackbacks:ping", args=[post.pk]),
            reverse("trackbacks:ping", args=[post.pk]) + "?__mode=rss",
            reverse("trackbacks:ping", args=[draft.pk]) + "?__mode=rss",
        ],
        "trackbacks:xmlrpc": [reverse("trackbacks:xmlrpc")],
        "trackbacks:webmention": [reverse("trackbacks:webmention")],
        "fediverse:webfinger": [
            reverse("fediverse:webfinger") + "?resource=acct:blog@127.0.0.1:8000",
            reverse("fediverse:webfinger") + "?resource=acct:approved-secret@example.com",
        ],
        "fediverse:nodeinfo-links": [reverse("fediverse:nodeinfo-links")],
        "fediverse:nodeinfo": [reverse("fediverse:nodeinfo")],
        "fediverse:actor": [reverse("fediverse:actor")],
        "fediverse:inbox": [reverse("fediverse:inbox")],
        "fediverse:shared-inbox": [reverse("fediverse:shared-inbox")],
        "fediverse:outbox": [reverse("fediverse:outbox"), reverse("fediverse:outbox") + "?page=1"],
        "fediverse:followers": [reverse("fediverse:followers")],
        "fediverse:replies": [
            reverse("fediverse:replies", args=[post.pk]),
            reverse("fediverse:replies", args=[draft.pk]),
        ],
        "fediverse:avatar": [reverse("fediverse:avatar", args=["0" * 64])],
        "404": ["/no/such/page/", "/2026/99/99/nothing/"],
    }


def assert_no_secrets(response, where: str) -> None:
    body = response.content.decode(errors="replace")
    headers = str(response.headers)
    for email, ip in [*SECRETS.values(), ("draft-secret@example.com", "198.51.100.205")]:
        for secret in (email, ip):
            assert secret not in body, f"{secret} in {where}"
            assert secret not in headers, f"{secret} in headers of {where}"


def test_the_scan_covers_every_public_route(blog):
    covered = set(public_urls(*blog)) | NOT_PUBLIC_PAGES
    missing = route_names() - covered
    assert not missing, f"add these routes to the scan: {sorted(missing)}"


def test_no_public_response_contains_an_email_or_ip(blog):
    visitor = Client()
    for name, urls in public_urls(*blog).items():
        for url in urls:
            response = visitor.get(url)
            assert response.status_code < 500, url
            assert_no_secrets(response, f"{name} {url}")


def test_submission_responses_leak_nothing_of_other_commenters(blog, settings):
    post, draft, _category, _tag = blog
    visitor = Client()
    responses = [
        send(visitor, post, email="approved-secret@example.com", text="Text approved"),
        send(visitor, post, text="mine", preview="1"),
        send(visitor, post, email="broken"),
        send(visitor, draft),
        visitor.post("/comments/post/999999/", form_data(post)),
    ]
    settings.KIJI_COMMENTS_PER_MINUTE = 1
    responses += [send(visitor, post, text=f"flood {i}") for i in range(2)]
    responses.append(visitor.get(post.get_absolute_url()))

    for response in responses:
        assert_no_secrets(response, response.request["PATH_INFO"])


def test_a_duplicate_of_someone_elses_comment_does_not_reveal_it(blog):
    post = blog[0]
    visitor = Client()

    send(
        visitor,
        post,
        email="pending-secret@example.com",
        text="Text pending",
    )

    assert Comment.objects.count() == 5
    page = visitor.get(post.get_absolute_url()).content.decode()
    assert "Text pending" not in page
