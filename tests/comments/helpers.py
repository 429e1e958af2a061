"""Helpers for the comments tests: a comment factory and a form poster."""

from itertools import count

from comments.forms import form_token
from comments.models import Comment
from moderation.models import Status

_seq = count(1)


def make_comment(post, **fields) -> Comment:
    n = next(_seq)
    fields.setdefault("author_name", f"Reader {n}")
    fields.setdefault("author_email", f"reader{n}@example.com")
    fields.setdefault("text", f"Comment number {n}.")
    fields.setdefault("status", Status.APPROVED)
    fields.setdefault("ip_address", "192.0.2.10")
    return Comment.objects.create(post=post, **fields)


def form_data(post, **fields) -> dict:
    data = {
        "name": "Hanako",
        "email": "hanako@example.com",
        "url": "",
        "text": "とても良い記事でした。",
        "form_token": form_token(post.pk),
        "homepage": "",
    }
    data.update(fields)
    return data


def send(client, post, **fields):
    return client.post(f"/comments/post/{post.pk}/", form_data(post, **fields))
