"""Plain factory functions for tests: `make_post(title=..., ...)`."""

from datetime import timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.utils import timezone

from blog.models import Category, Post
from trackbacks.models import Trackback

_seq = count(1)


def make_user(username: str | None = None, **fields):
    username = username or f"user{next(_seq)}"
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password("password")
        user.save()
    return user


def make_category(name: str | None = None, **fields) -> Category:
    name = name or f"Category {next(_seq)}"
    return Category.objects.create(name=name, **fields)


def make_post(title: str | None = None, **fields) -> Post:
    n = next(_seq)
    fields.setdefault("author", make_user("writer"))
    fields.setdefault("body", f"Body of post {n}.")
    fields.setdefault("status", Post.Status.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - timedelta(days=1, minutes=n))
    tags = fields.pop("tags", [])
    post = Post.objects.create(title=title or f"Post {n}", **fields)
    if tags:
        post.tags.set(tags)
    return post


def make_ping(post: Post, **fields) -> Trackback:
    fields.setdefault("kind", "trackback")
    fields.setdefault("url", f"http://a.example/{Trackback.objects.count()}")
    fields.setdefault("title", "A ping")
    return Trackback.objects.create(post=post, **fields)
