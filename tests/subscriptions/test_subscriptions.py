"""Mail on replies and new comments: double opt-in, one notice per comment, unsubscribing."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from comments.models import Comment
from comments.services import reply_as_author
from comments.signals import comment_submitted
from moderation import privacy
from moderation.models import Status
from moderation.services import moderate
from subscriptions import links, mails
from subscriptions.models import Notice, Subscription
from tests.comments.helpers import make_comment, send
from tests.factories import make_post, make_user

# Mail is queued on commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

SITE = "http://127.0.0.1:8000"


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def path(url: str) -> str:
    assert url.startswith(SITE), url
    return url.removeprefix(SITE)


def link_in(message, label: str) -> str:
    found = re.search(rf"^{re.escape(label)}.*?(http\S+)$", message.body, re.M)
    assert found, message.body
    return found.group(1)


def confirm_link(message) -> str:
    found = re.search(r"^(http\S+/subscriptions/confirm/\S+)$", message.body, re.M)
    assert found, message.body
    return path(found.group(1))


def subscribed(post, email: str, *, comment=None, confirmed: bool = True) -> Subscription:
    return Subscription.objects.create(
        kind=Subscription.Kind.REPLIES if comment else Subscription.Kind.POST,
        email=email,
        post=post,
        comment=comment,
        confirmed_at=timezone.now() if confirmed else None,
    )


def reply_to(comment, **fields) -> Comment:
    """A pending reply to `comment`, then approved as the author would."""
    reply = make_comment(comment.post, status=Status.PENDING, **fields)
    reply.attach_to(comment)
    reply.save()
    moderate(reply, status=Status.APPROVED)
    return reply


@pytest.fixture
def hanakos_comment(client, post):
    """Hanako comments through the form and ticks both boxes."""
    send(client, post, notify_replies="on", notify_post="on")
    return Comment.objects.get(author_email="hanako@example.com")


# Double opt-in


def test_ticking_the_boxes_sends_one_confirmation_mail_and_nothing_else(hanakos_comment):
    assert Subscription.objects.filter(confirmed_at__isnull=False).count() == 0
    assert set(Subscription.objects.values_list("kind", flat=True)) == {"replies", "post"}
    [message] = mail.outbox
    assert message.to == ["hanako@example.com"]
    assert "confirm" in message.subject.lower()
    assert "replies to your comment on “Commented post”" in message.body
    assert "new comments on “Commented post”" in message.body


def test_nothing_is_mailed_before_the_address_confirms(hanakos_comment):
    moderate(hanakos_comment, status=Status.APPROVED)
    mail.outbox.clear()

    reply_to(hanakos_comment, author_email="taro@example.com")
    make_comment(hanakos_comment.post, status=Status.PENDING, author_email="jiro@example.com")

    assert mail.outbox == []


def test_the_confirmation_link_confirms_on_post_not_on_get_and_only_once(hanakos_comment):
    url = confirm_link(mail.outbox[0])

    page = Client().get(url)
    assert page.status_code == 200
    assert "Confirm your subscription?" in page.text
    assert not Subscription.objects.filter(confirmed_at__isnull=False).exists()

    ids = [str(pk) for pk in Subscription.objects.values_list("pk", flat=True)]
    done = Client().post(url, {"subscription": ids})
    assert done.status_code == 200
    assert "Subscription confirmed" in done.text
    assert Subscription.objects.filter(confirmed_at__isnull=True).count() == 0

    again = Client().post(url, {"subscription": ids})
    assert again.status_code == 400
    assert "Nothing waits for confirmation" in again.text


def test_an_unsubscribed_subscription_cannot_be_confirmed_back(hanakos_comment):
    url = confirm_link(mail.outbox[0])
    ids = [str(pk) for pk in Subscription.objects.values_list("pk", flat=True)]
    Subscription.objects.all().delete()

    response = Client().post(url, {"subscription": ids})

    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_confirming_confirms_only_what_the_page_listed(hanakos_comment, client):
    url = confirm_link(mail.outbox[0])
    listed = [str(pk) for pk in Subscription.objects.values_list("pk", flat=True)]
    send(client, make_post("Later post"), text="Later", notify_post="on")

    Client().post(url, {"subscription": listed})

    later = Subscription.objects.get(post__title="Later post")
    assert later.confirmed_at is None
    assert Subscription.objects.filter(confirmed_at__isnull=False).count() == 2


def test_an_expired_confirmation_link_is_refused_with_a_clear_page(
    hanakos_comment, settings, time_machine
):
    url = confirm_link(mail.outbox[0])
    ids = [str(pk) for pk in Subscription.objects.values_list("pk", flat=True)]
    time_machine.move_to(
        timezone.now() + timedelta(seconds=settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE + 60)
    )

    for response in (Client().get(url), Client().post(url, {"subscription": ids})):
        assert response.status_code == 400
        assert "This link has expired" in response.text
    assert not Subscription.objects.filter(confirmed_at__isnull=False).exists()


def test_a_strangers_address_gets_one_confirmation_mail_per_link_lifetime(client, post):
    other = make_post("Another post")
    for target, text in ((post, "First"), (post, "Second"), (other, "Third")):
        send(client, target, email="victim@example.com", text=text, notify_post="on")

    assert len(mails_to("victim@example.com")) == 1
    # The one link lists all of it.
    page = Client().get(confirm_link(mail.outbox[0]))
    assert "Commented post" in page.text
    assert "Another post" in page.text


def test_subscribing_again_after_the_link_expired_sends_a_new_one(
    client, post, settings, time_machine
):
    send(client, post, text="First", notify_post="on")
    time_machine.move_to(
        timezone.now() + timedelta(seconds=settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE + 60)
    )
    send(client, post, text="Second", notify_post="on")

    assert len(mails_to("hanako@example.com")) == 2
    assert Subscription.objects.count() == 1
    # It waits on the new link, not purged as the old link's.
    call_command("purge_subscriptions")
    assert Subscription.objects.count() == 1


def test_spam_and_unticked_comments_subscribe_no_one(client, post, settings):
    send(client, post, text="No boxes")
    settings.KIJI_SPAM_BLOCKLIST_WORDS = ["casino"]
    send(client, post, text="casino", notify_replies="on", notify_post="on")

    assert not Subscription.objects.exists()
    assert mail.outbox == []


def test_the_signal_alone_subscribes_too(post):
    comment = make_comment(post, status=Status.PENDING, author_email="ume@example.com")

    comment_submitted.send(sender=Comment, comment=comment, wants_replies=True, wants_post=False)

    assert Subscription.objects.get().comment == comment
    assert len(mails_to("ume@example.com")) == 1


def test_switched_off_nothing_is_stored(post, settings):
    settings.KIJI_COMMENTS_SUBSCRIPTIONS = False
    comment = make_comment(post, status=Status.PENDING)

    comment_submitted.send(sender=Comment, comment=comment, wants_replies=True, wants_post=True)

    assert not Subscription.objects.exists()
    assert mail.outbox == []


# Notices


def test_an_approved_reply_mails_the_subscriber_once_with_one_click_headers(post):
    comment = make_comment(post, author_email="hanako@example.com")
    subscription = subscribed(post, "hanako@example.com", comment=comment)

    reply = reply_to(comment, author_name="Taro", author_email="taro@example.com", text="Agreed!")

    [message] = mails_to("hanako@example.com")
    assert message.subject == "[Kiji] New reply to your comment on “Commented post”"
    assert "Taro replied to your comment:" in message.body
    assert "Agreed!" in message.body
    assert f"{SITE}{reply.get_absolute_url()}" in message.body
    unsubscribe = link_in(message, "No more emails about replies to this comment")
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message.message().as_string()
    token = path(unsubscribe).split("/")[-2]
    assert links.read_unsubscribe_token(token) == subscription
    # Links end up in server logs: they carry no address.
    assert "hanako" not in str(signing.loads(token, salt=links.UNSUBSCRIBE_SALT))


def test_a_post_subscriber_hears_of_each_new_comment(post):
    subscribed(post, "hanako@example.com")

    make_comment(post, status=Status.PENDING, author_name="Taro")
    moderate(Comment.objects.get(author_name="Taro"), status=Status.APPROVED)

    [message] = mails_to("hanako@example.com")
    assert message.subject == "[Kiji] New comment on “Commented post”"
    assert "No more emails about comments on this post" in message.body


def test_pending_and_spam_replies_mail_no_one(post):
    comment = make_comment(post, author_email="hanako@example.com")
    subscribed(post, "hanako@example.com", comment=comment)
    subscribed(post, "hanako@example.com")

    reply = make_comment(post, status=Status.PENDING, author_email="taro@example.com")
    reply.attach_to(comment)
    reply.save()
    comment_submitted.send(sender=Comment, comment=reply, wants_replies=False, wants_post=False)
    moderate(reply, status=Status.SPAM)
    assert mail.outbox == []

    # The same reply approved is news, once.
    moderate(reply, status=Status.APPROVED)
    assert len(mails_to("hanako@example.com")) == 1


def test_the_subscribers_own_comments_mail_them_nothing(post):
    comment = make_comment(post, author_email="hanako@example.com")
    subscribed(post, "hanako@example.com", comment=comment)
    subscribed(post, "hanako@example.com")

    reply_to(comment, author_email="Hanako@Example.com")
    make_comment(post, status=Status.PENDING, author_email="hanako@example.com", text="More")
    moderate(Comment.objects.get(text="More"), status=Status.APPROVED)
    assert mail.outbox == []

    reply_to(comment, author_email="taro@example.com")
    assert len(mails_to("hanako@example.com")) == 1


def test_a_reply_subscriber_who_follows_the_post_too_is_mailed_once(post):
    comment = make_comment(post, author_email="hanako@example.com")
    subscribed(post, "hanako@example.com")
    subscribed(post, "hanako@example.com", comment=comment)

    reply_to(comment, author_email="taro@example.com")

    [message] = mails_to("hanako@example.com")
    assert "New reply to your comment" in message.subject
    assert Notice.objects.count() == 1


def test_approving_a_reply_twice_mails_once(post):
    comment = make_comment(post, author_email="hanako@example.com")
    subscribed(post, "hanako@example.com", comment=comment)

    reply = reply_to(comment, author_email="taro@example.com")
    moderate(reply, status=Status.PENDING)
    moderate(reply, status=Status.APPROVED)

    assert len(mails_to("hanako@example.com")) == 1


def test_the_authors_reply_mails_the_commenter_but_not_the_author(post):
    author = make_user("replier", email="author@example.com", is_staff=True)
    comment = make_comment(post, author_email="hanako@example.com")
    subscribed(post, "hanako@example.com", comment=comment)
    subscribed(post, "author@example.com")

    reply_as_author(post=post, user=author, text="Thank you!", parent_id=comment.pk)

    [message] = mail.outbox
    assert message.to == ["hanako@example.com"]
    assert "the author, replied to your comment" in message.body


def test_a_reply_to_someone_elses_comment_does_not_mail_the_reply_subscriber(post):
    mine = make_comment(post, author_email="hanako@example.com")
    other = make_comment(post, author_email="jiro@example.com")
    subscribed(post, "hanako@example.com", comment=mine)

    reply_to(other, author_email="taro@example.com")
    assert mail.outbox == []

    reply_to(mine, author_email="taro@example.com")
    assert len(mails_to("hanako@example.com")) == 1


def test_a_reply_at_the_deepest_level_mails_whom_it_answers_not_the_comment_above(post, settings):
    settings.KIJI_COMMENTS_THREAD_DEPTH = 2
    top = make_comment(post, author_email="jiro@example.com")
    deepest = reply_to(top, author_email="hanako@example.com")
    subscribed(post, "jiro@example.com", comment=top)
    subscribed(post, "hanako@example.com", comment=deepest)
    mail.outbox.clear()

    answer = reply_to(deepest, author_email="taro@example.com")

    assert answer.parent == top  # shown beside Hanako's comment, the thread being full
    assert len(mails_to("hanako@example.com")) == 1
    assert mails_to("jiro@example.com") == []


# Unsubscribing


@pytest.fixture
def notice(post):
    comment = make_comment(post, author_email="hanako@example.com")
    subscribed(post, "hanako@example.com", comment=comment)
    reply_to(comment, author_email="taro@example.com")
    [message] = mail.outbox
    return message


def unsubscribe_path(message) -> str:
    return path(message.extra_headers["List-Unsubscribe"].strip("<>"))


def test_get_shows_a_button_and_changes_nothing_then_post_unsubscribes(notice):
    browser = Client(enforce_csrf_checks=True)
    url = unsubscribe_path(notice)

    page = browser.get(url)
    assert page.status_code == 200
    assert "Unsubscribe?" in page.text
    assert Subscription.objects.count() == 1

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = browser.post(url, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    assert "Unsubscribed" in done.text
    assert not Subscription.objects.exists()
    # The link keeps working: it says the subscription has ended.
    assert "already ended" in browser.get(url).text


def test_a_form_post_without_its_csrf_token_changes_nothing(notice):
    response = Client(enforce_csrf_checks=True).post(unsubscribe_path(notice), {})

    assert response.status_code == 403
    assert Subscription.objects.count() == 1


def test_one_click_post_unsubscribes_without_a_csrf_token(notice):
    client = Client(enforce_csrf_checks=True)

    response = client.post(unsubscribe_path(notice), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not Subscription.objects.exists()
    # Sent twice (mail clients retry), it still answers 200.
    again = client.post(unsubscribe_path(notice), {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200


def test_no_more_mail_after_unsubscribing(notice, post):
    Client().post(unsubscribe_path(notice), {"List-Unsubscribe": "One-Click"})
    mail.outbox.clear()
    comment = Comment.objects.get(author_email="hanako@example.com")

    reply_to(comment, author_email="jiro@example.com")

    assert mail.outbox == []
    assert not Notice.objects.filter(comment__author_email="jiro@example.com").exists()


def test_the_unsubscribe_link_never_expires(notice, time_machine):
    time_machine.move_to(timezone.now() + timedelta(days=3650))

    Client().post(unsubscribe_path(notice), {"List-Unsubscribe": "One-Click"})

    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/subscriptions/unsubscribe/forged/",
        "/subscriptions/confirm/forged/",
        "/subscriptions/unsubscribe/eyJzIjoxLCJlIjoiYUBiLmMifQ:1abc:xyz/",
    ],
)
def test_forged_tokens_are_refused_with_a_400_page(notice, url):
    client = Client(raise_request_exception=False)
    for response in (
        client.get(url),
        client.post(url, {"List-Unsubscribe": "One-Click", "subscription": "1"}),
    ):
        assert response.status_code == 400
        assert "This link is not valid" in response.text
    assert Subscription.objects.count() == 1


def test_a_confirmation_token_does_not_unsubscribe(notice, post):
    token = links.confirm_url(Subscription.objects.get()).split("/")[-2]

    response = Client().post(
        f"/subscriptions/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 400
    assert Subscription.objects.count() == 1


# Personal data and retention


def test_personal_data_export_includes_subscriptions_and_delete_removes_them(notice, post):
    subscribed(post, "hanako@example.com")

    data = privacy.export("HANAKO@example.com")

    assert sorted(s["kind"] for s in data["subscriptions"]) == ["post", "replies"]
    assert all(s["email"] == "hanako@example.com" for s in data["subscriptions"])
    assert len(data["subscription_notices"]) == 1

    call_command("personal_data", "delete", "hanako@example.com", "--yes")

    assert not Subscription.objects.exists()
    assert not Notice.objects.exists()


def test_anonymising_ends_the_subscriptions_and_the_purge_deletes_them(notice, post):
    privacy.anonymise("hanako@example.com")

    assert privacy.export("hanako@example.com")["subscriptions"] == []
    left = Subscription.objects.get()
    assert left.email.endswith("@erased.invalid")
    assert left.confirmed_at is None
    # The old mail's link names an address no longer there.
    assert "already ended" in Client().get(unsubscribe_path(notice)).text

    call_command("purge_subscriptions")

    assert not Subscription.objects.exists()


def test_purge_deletes_unconfirmed_subscriptions_once_their_link_expired(post, settings):
    old = timezone.now() - timedelta(seconds=settings.KIJI_SUBSCRIPTION_CONFIRM_MAX_AGE + 1)
    stale = subscribed(post, "old@example.com", confirmed=False)
    Subscription.objects.filter(pk=stale.pk).update(created_at=old)
    fresh = subscribed(post, "new@example.com", confirmed=False)
    kept = subscribed(post, "kept@example.com")
    Subscription.objects.filter(pk=kept.pk).update(created_at=old)

    call_command("purge_subscriptions", "--dry-run")
    assert Subscription.objects.count() == 3
    call_command("purge_subscriptions")

    assert set(Subscription.objects.values_list("pk", flat=True)) == {fresh.pk, kept.pk}


# Admin


def test_the_admin_lists_and_searches_subscriptions_but_adds_none(admin_client, post):
    subscribed(post, "hanako@example.com")
    subscribed(post, "taro@example.com", confirmed=False)

    listing = admin_client.get("/admin/subscriptions/subscription/", {"q": "hanako"})

    assert listing.status_code == 200
    assert "hanako@example.com" in listing.text
    assert "taro@example.com" not in listing.text
    assert admin_client.get("/admin/subscriptions/subscription/add/").status_code == 403


def test_mail_and_pages_speak_japanese(post, settings):
    comment = make_comment(post, author_email="hanako@example.com", author_name="花子")
    subscription = subscribed(post, "hanako@example.com", comment=comment)
    reply = make_comment(post, author_name="太郎")

    with translation.override("ja"):
        text = mails.notice_email(subscription, reply, "https://blog.example/u/")
    settings.LANGUAGE_CODE = "ja"
    page = Client().get(path(links.unsubscribe_url(subscription)))

    assert text.startswith("[Kiji] 「Commented post」のあなたのコメントに返信がありました")
    assert "太郎 さんがあなたのコメントに返信しました:" in text
    assert "購読をやめますか?" in page.text
