"""moderate(), the author's email with one-time links, and the commenter's approval email."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from moderation import links as moderation_links
from moderation import registry
from moderation.models import Status
from moderation.services import moderate
from tests.comments.helpers import make_comment, send
from tests.factories import make_post, make_user

# Emails go out on commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailed_post(db):
    owner = make_user("owner", email="owner@example.com")
    return make_post("Mailed post", author=owner)


def links(message) -> dict[str, str]:
    found = dict(re.findall(r"^(Approve|Mark as spam): (\S+)$", message.body, re.M))
    return {"approve": found["Approve"], "spam": found["Mark as spam"]}


def path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


def test_moderate_records_who_when_and_why(post, author):
    comment = make_comment(post, status=Status.PENDING)

    moderate(comment, status=Status.APPROVED, by=author)

    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert comment.moderated_by == author
    assert timezone.now() - comment.moderated_at < timedelta(seconds=5)
    assert comment.status_reason == "Approved by author"


def test_moderate_keeps_a_given_reason_and_accepts_no_user(post):
    comment = make_comment(post, status=Status.PENDING)

    moderate(comment, status=Status.SPAM, by=None, reason="Looks automated")

    comment.refresh_from_db()
    assert (comment.status, comment.status_reason, comment.moderated_by) == (
        Status.SPAM,
        "Looks automated",
        None,
    )


def test_not_spam_puts_the_comment_back_to_pending(post, author):
    comment = make_comment(post, status=Status.SPAM)

    moderate(comment, status=Status.PENDING, by=author, reason="Marked as not spam")

    assert Comment.objects.get(pk=comment.pk).status == Status.PENDING


@pytest.mark.parametrize(
    "before, after, raised",
    [
        (Status.PENDING, Status.APPROVED, 1),
        (Status.APPROVED, Status.REJECTED, 1),
        (Status.APPROVED, Status.SPAM, 1),
        (Status.PENDING, Status.SPAM, 0),
        (Status.APPROVED, Status.APPROVED, 1),  # saved again while shown: edited, say
    ],
)
def test_moderate_raises_the_posts_revision_once_for_a_change_readers_see(
    post, before, after, raised
):
    from blog.models import Post

    comment = make_comment(post, status=before)
    revision = Post.objects.get(pk=post.pk).discussion_revision

    moderate(comment, status=after)

    assert Post.objects.get(pk=post.pk).discussion_revision == revision + raised


def test_moderate_refuses_an_unknown_status(post):
    with pytest.raises(ValueError):
        moderate(make_comment(post), status="published")


def test_comment_model_is_registered_for_links_and_the_admin_index():
    entry = registry.registration("comments.comment")

    assert entry.model is Comment
    assert entry in registry.registered()


def test_new_comment_emails_the_author_with_text_post_and_links(client, mailed_post):
    send(client, mailed_post, name="Hanako", text="Line one\nLine two")

    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert "Mailed post" in message.subject
    assert "Line one\nLine two" in message.body
    assert "Hanako <hanako@example.com>" in message.body
    assert mailed_post.get_absolute_url() in message.body
    assert set(links(message)) == {"approve", "spam"}


def test_no_email_for_a_comment_the_checks_call_spam(client, mailed_post):
    send(client, mailed_post, homepage="bot")

    assert mail.outbox == []


def test_no_email_for_a_double_submission(client, mailed_post):
    send(client, mailed_post)
    send(client, mailed_post)

    assert len(mail.outbox) == 1


def test_author_without_email_falls_back_to_the_setting(client, post, settings):
    settings.KIJI_MODERATION_EMAIL = "desk@example.com"

    send(client, post)

    assert mail.outbox[0].to == ["desk@example.com"]


def test_nobody_to_tell_sends_nothing(client, post):
    send(client, post)

    assert mail.outbox == []


def test_approve_link_shows_a_button_then_approves_once(client, mailed_post):
    send(client, mailed_post, text="Approve me")
    approve = path(links(mail.outbox[0])["approve"])
    reader = Client()

    shown = reader.get(approve)
    assert shown.status_code == 200
    assert "Approve me" in shown.content.decode()
    assert Comment.objects.get().status == Status.PENDING  # a GET changes nothing

    done = reader.post(approve)
    comment = Comment.objects.get()
    assert done.status_code == 200
    assert comment.status == Status.APPROVED
    assert comment.status_reason == "Approved from the email link"
    assert "Approve me" in reader.get(mailed_post.get_absolute_url()).content.decode()

    again = reader.post(approve)
    assert again.status_code == 400
    assert "no longer works" in again.content.decode()


def test_links_live_under_moderation_and_old_mails_links_lead_there(client, mailed_post):
    send(client, mailed_post, text="Sent before the move")
    approve = path(links(mail.outbox[0])["approve"])
    token = approve.removeprefix("/moderation/").rstrip("/")
    assert approve == f"/moderation/{token}/"

    old = Client().get(f"/comments/moderate/{token}/")

    assert old.status_code == 301
    assert old["Location"] == approve
    assert Comment.objects.get().status == Status.PENDING


def test_spam_link_marks_as_spam_and_then_the_approve_link_is_dead(client, mailed_post):
    send(client, mailed_post)
    urls = {k: path(v) for k, v in links(mail.outbox[0]).items()}

    Client().post(urls["spam"])

    assert Comment.objects.get().status == Status.SPAM
    assert Client().post(urls["approve"]).status_code == 400
    assert Comment.objects.get().status == Status.SPAM


def test_link_dies_once_the_comment_is_moderated_in_the_admin(client, mailed_post, author):
    send(client, mailed_post)
    approve = path(links(mail.outbox[0])["approve"])

    moderate(Comment.objects.get(), status=Status.REJECTED, by=author)

    assert Client().post(approve).status_code == 400
    assert Comment.objects.get().status == Status.REJECTED


def test_link_expires(client, mailed_post, settings, time_machine):
    settings.KIJI_MODERATION_LINK_MAX_AGE = 3600
    time_machine.move_to(timezone.now(), tick=False)
    send(client, mailed_post)
    approve = path(links(mail.outbox[0])["approve"])

    time_machine.shift(timedelta(seconds=3601))

    assert Client().post(approve).status_code == 400
    assert Comment.objects.get().status == Status.PENDING


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "eyJtIjoiYXV0aC51c2VyIn0:x:y"])
def test_forged_links_are_refused(client, token):
    assert client.get(f"/moderation/{token}/").status_code == 400


def test_link_for_a_model_that_is_not_registered_is_refused(client, post):
    from django.core import signing

    token = signing.dumps(
        {"m": "auth.user", "pk": 1, "a": "approve", "s": ""},
        salt=moderation_links.SALT,
        compress=True,
    )

    assert client.post(f"/moderation/{token}/").status_code == 400


def test_link_for_a_deleted_comment_is_refused(client, mailed_post):
    send(client, mailed_post)
    approve = path(links(mail.outbox[0])["approve"])
    Comment.objects.all().delete()

    assert Client().get(approve).status_code == 400


def test_commenter_who_asked_gets_exactly_one_email_on_approval(client, post, author, settings):
    settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL = True
    send(client, post, email="asker@example.com", notify="on")
    comment = Comment.objects.get()
    assert comment.notify_on_approval

    moderate(comment, status=Status.APPROVED, by=author)
    moderate(comment, status=Status.PENDING, by=author)
    moderate(comment, status=Status.APPROVED, by=author)

    sent = [m for m in mail.outbox if m.to == ["asker@example.com"]]
    assert len(sent) == 1
    assert "is approved" in sent[0].subject
    assert comment.get_absolute_url() in sent[0].body


def test_commenter_who_did_not_ask_gets_nothing(client, post, author, settings):
    settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL = True
    send(client, post, email="quiet@example.com")

    moderate(Comment.objects.get(), status=Status.APPROVED, by=author)

    assert not [m for m in mail.outbox if "quiet@example.com" in m.to]


def test_notify_field_is_ignored_when_the_setting_is_off(client, post, author):
    send(client, post, email="stranger@example.com", notify="on")

    comment = Comment.objects.get()
    moderate(comment, status=Status.APPROVED, by=author)

    assert not comment.notify_on_approval
    assert not [m for m in mail.outbox if "stranger@example.com" in m.to]


def test_rejection_or_spam_sends_the_commenter_nothing(client, post, author, settings):
    settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL = True
    send(client, post, email="asker@example.com", notify="on")

    moderate(Comment.objects.get(), status=Status.REJECTED, by=author)
    moderate(Comment.objects.get(), status=Status.SPAM, by=author)

    assert mail.outbox == []
