"""The author's own voice in the thread: replies from the post page and from the desk."""

import pytest
from django.core import mail
from django.test import Client

from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import make_comment
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(db):
    return make_user(
        "blog-owner", is_staff=True, is_superuser=True, first_name="暁", last_name="鶴巻"
    )


def author_reply(client, post, **fields):
    return client.post(f"/comments/post/{post.pk}/", {"text": "ありがとうございました。", **fields})


def test_signed_in_the_author_sees_a_form_without_name_or_email(client, post, writer):
    client.force_login(writer)

    page = client.get(post.get_absolute_url()).content.decode()

    assert "author-reply-form" in page
    assert 'name="email"' not in page and 'name="name"' not in page
    assert "published at once" in page


def test_other_visitors_never_get_the_staff_form_even_from_the_cache(client, post, writer):
    client.force_login(writer)
    client.get(post.get_absolute_url())

    for _ in range(2):  # the second answer may come from the page cache
        page = Client().get(post.get_absolute_url()).content.decode()
        assert "author-reply-form" not in page and 'name="email"' in page


def test_an_author_reply_is_published_at_once_labelled_and_skips_spam_and_flood(
    client, post, writer, settings
):
    settings.KIJI_SPAM_BLOCKLIST_WORDS = ["ありがとう"]  # would be spam from a reader
    settings.KIJI_COMMENTS_PER_MINUTE = 1
    parent = make_comment(post, text="A reader's question.")
    client.force_login(writer)

    first = author_reply(client, post, parent=str(parent.pk))
    second = author_reply(client, post, parent=str(parent.pk))

    assert first.status_code == second.status_code == 302
    replies = list(Comment.objects.filter(written_by_author=True))
    assert len(replies) == 2
    reply = replies[0]
    assert (reply.status, reply.parent, reply.user, reply.depth) == (
        Status.APPROVED,
        parent,
        writer,
        1,
    )
    assert reply.author_name == "暁 鶴巻" and reply.author_url == settings.KIJI_SITE_URL
    assert mail.outbox == []  # no moderation mail about the author's own words
    page = Client().get(post.get_absolute_url()).content.decode()
    assert 'class="comment depth-1 by-author"' in page
    assert '<span class="author-label">Author</span>' in page


def test_the_author_can_start_a_thread_too(client, post, writer):
    client.force_login(writer)

    author_reply(client, post, text="A note from the author.")

    note = Comment.objects.get(text="A note from the author.")
    assert (note.status, note.parent, note.depth, note.thread_id) == (
        Status.APPROVED,
        None,
        0,
        note.pk,
    )


def test_an_author_reply_to_a_hidden_comment_is_refused(client, post, writer):
    hidden = make_comment(post, status=Status.SPAM)
    client.force_login(writer)

    response = author_reply(client, post, parent=str(hidden.pk))

    assert response.status_code == 409
    assert not Comment.objects.filter(written_by_author=True).exists()


def test_an_empty_author_reply_is_shown_again_with_an_error(client, post, writer):
    client.force_login(writer)

    response = author_reply(client, post, text="   ")

    assert response.status_code == 400
    assert "Write a comment." in response.content.decode()


def test_the_staff_page_is_never_cached_for_anyone(client, post, writer):
    client.force_login(writer)

    response = client.get(post.get_absolute_url())

    assert "no-cache" in response.get("Cache-Control", "") or "private" in response.get(
        "Cache-Control", ""
    )


def test_approve_and_reply_from_the_desk_approves_then_answers_under_it(client, post, writer):
    waiting = make_comment(post, status=Status.PENDING, text="Is this right?")
    client.force_login(writer)
    desk = client.get("/admin/comments/comment/").content.decode()
    assert f'href="/admin/comments/comment/{waiting.pk}/reply/"' in desk
    assert "Approve and reply" in desk

    form = client.get(f"/admin/comments/comment/{waiting.pk}/reply/")
    assert "Is this right?" in form.content.decode()
    response = client.post(f"/admin/comments/comment/{waiting.pk}/reply/", {"text": "Yes."})

    assert response.status_code == 302
    waiting.refresh_from_db()
    reply = Comment.objects.get(text="Yes.")
    assert waiting.status == Status.APPROVED
    assert (reply.parent, reply.written_by_author, reply.status) == (waiting, True, Status.APPROVED)
    assert "In reply to" in client.get("/admin/comments/comment/?status=all").content.decode()


def test_reply_from_the_desk_on_an_approved_comment(client, post, writer):
    approved = make_comment(post)
    client.force_login(writer)

    client.post(f"/admin/comments/comment/{approved.pk}/reply/", {"text": "Thanks!"})

    assert Comment.objects.get(text="Thanks!").parent == approved


def test_the_desk_reply_needs_the_permission_to_add_comments(client, post):
    from django.contrib.auth.models import Permission

    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_comment", "change_comment"])
    )
    comment = make_comment(post)
    client.force_login(clerk)

    response = client.post(f"/admin/comments/comment/{comment.pk}/reply/", {"text": "No."})

    assert response.status_code == 403
    assert not Comment.objects.filter(text="No.").exists()


def test_spam_cannot_be_answered_from_the_desk(client, post, writer):
    spam = make_comment(post, status=Status.SPAM)
    client.force_login(writer)

    response = client.post(f"/admin/comments/comment/{spam.pk}/reply/", {"text": "No."})

    assert response.status_code == 302
    assert not Comment.objects.filter(text="No.").exists()


def test_japanese_labels_for_replies_and_the_author(client, post, writer, settings):
    settings.LANGUAGE_CODE = "ja"
    parent = make_comment(post)
    client.force_login(writer)
    author_reply(client, post, parent=str(parent.pk))

    page = Client().get(post.get_absolute_url()).content.decode()

    assert '<span class="author-label">著者</span>' in page
    assert ">返信</a>" in page
