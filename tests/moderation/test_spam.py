"""Each built-in spam rule, the pipeline's precedence, and a pluggable check."""

import pytest

from comments.models import Comment
from moderation import spam
from moderation.models import Status
from moderation.spam import Kind, Submission, Verdict, check_submission
from tests.comments.helpers import form_data, make_comment, send

pytestmark = pytest.mark.django_db


def submission(post, **fields) -> Submission:
    fields.setdefault("kind", Kind.COMMENT)
    fields.setdefault("author_name", "Hanako")
    fields.setdefault("author_email", "hanako@example.com")
    fields.setdefault("text", "A thoughtful reply.")
    fields.setdefault("ip", "198.51.100.7")
    fields.setdefault("form_age", 30.0)
    return Submission(post=post, **fields)


def test_a_clean_submission_waits_for_the_author(post):
    assert check_submission(submission(post)) == Verdict(Status.PENDING, "Awaiting review")


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "Buy CHEAP pills now"},
        {"author_name": "cheap pills"},
        {"author_url": "https://cheap-pills.example/"},
    ],
)
def test_blocked_word_in_any_field_is_spam(post, settings, fields):
    settings.KIJI_SPAM_BLOCKLIST_WORDS = ["cheap pills", "cheap-pills"]

    verdict = check_submission(submission(post, **fields))

    assert verdict.status == Status.SPAM
    assert verdict.reason.startswith("Blocked word")


@pytest.mark.parametrize(
    ("blocked", "ip", "is_spam"),
    [
        (["203.0.113.5"], "203.0.113.5", True),
        (["203.0.113.0/24"], "203.0.113.77", True),
        (["2001:db8::/32"], "2001:db8::1", True),
        (["203.0.113.0/24", "not an ip"], "198.51.100.1", False),
        (["203.0.113.0/24"], None, False),
    ],
)
def test_blocked_ip_or_network_is_spam(post, settings, blocked, ip, is_spam):
    settings.KIJI_SPAM_BLOCKLIST_IPS = blocked

    verdict = check_submission(submission(post, ip=ip))

    assert (verdict.status == Status.SPAM) is is_spam


@pytest.mark.parametrize(
    ("email", "is_spam"),
    [
        ("bad@spam.example", True),
        ("BAD@Spam.Example", True),
        ("x@junk.example", True),
        ("good@example.com", False),
        ("x@notjunk.example", False),
    ],
)
def test_blocked_email_or_domain_is_spam(post, settings, email, is_spam):
    settings.KIJI_SPAM_BLOCKLIST_EMAILS = ["bad@spam.example", "@junk.example"]

    verdict = check_submission(submission(post, author_email=email))

    assert (verdict.status == Status.SPAM) is is_spam


def test_more_links_than_allowed_is_held_not_spam(post, settings):
    settings.KIJI_SPAM_MAX_LINKS = 2
    two = "https://a.example/ and http://b.example/"
    three = two + " and www.c.example"

    assert check_submission(submission(post, text=two)).reason == "Awaiting review"
    verdict = check_submission(submission(post, text=three))
    assert verdict == Verdict(Status.PENDING, "Held for review: 3 links (more than 2)")


def test_honeypot_filled_is_spam_for_comments_only(post):
    assert check_submission(submission(post, honeypot="http://bot")).status == Status.SPAM
    trackback = submission(post, kind=Kind.TRACKBACK, honeypot="x", form_age=None)
    assert check_submission(trackback).status == Status.PENDING


def test_form_sent_too_fast_or_without_token_is_spam_for_comments_only(post, settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 5

    fast = check_submission(submission(post, form_age=1.2))
    missing = check_submission(submission(post, form_age=None))
    slow = check_submission(submission(post, form_age=6))
    pingback = check_submission(submission(post, kind=Kind.PINGBACK, form_age=None))

    assert fast.status == Status.SPAM and "1.2 s" in fast.reason
    assert missing == Verdict(Status.SPAM, "Sent without a valid form token")
    assert slow.status == Status.PENDING
    assert pingback.status == Status.PENDING


def test_known_commenter_is_approved_only_when_enabled(post, settings):
    make_comment(post, author_email="regular@example.com", status=Status.APPROVED)
    make_comment(post, author_email="once-spam@example.com", status=Status.SPAM)
    known = submission(post, author_email="Regular@Example.com")

    assert check_submission(known).status == Status.PENDING
    settings.KIJI_COMMENTS_AUTO_APPROVE_KNOWN = True
    assert check_submission(known).status == Status.APPROVED
    assert check_submission(submission(post, author_email="once-spam@example.com")).status == (
        Status.PENDING
    )
    as_trackback = submission(post, kind=Kind.TRACKBACK, author_email="regular@example.com")
    assert check_submission(as_trackback).status == Status.PENDING


def test_spam_beats_hold_beats_approval(post, settings):
    settings.KIJI_COMMENTS_AUTO_APPROVE_KNOWN = True
    settings.KIJI_SPAM_MAX_LINKS = 0
    make_comment(post, author_email="regular@example.com")
    known_with_link = submission(post, author_email="regular@example.com", text="http://x.example")

    assert check_submission(known_with_link).status == Status.PENDING
    settings.KIJI_SPAM_BLOCKLIST_WORDS = ["x.example"]
    assert check_submission(known_with_link).status == Status.SPAM


class AlwaysSpam(spam.SpamCheck):
    def check(self, submission):
        return Verdict(Status.SPAM, "Said the external service")


def test_checks_are_pluggable_through_the_setting(post, settings):
    settings.KIJI_SPAM_CHECKS = ["tests.moderation.test_spam.AlwaysSpam"]

    assert check_submission(submission(post)) == Verdict(Status.SPAM, "Said the external service")


def test_no_checks_configured_means_pending(post, settings):
    settings.KIJI_SPAM_CHECKS = []

    assert check_submission(submission(post, honeypot="x")).status == Status.PENDING


def test_bot_filling_the_honeypot_is_stored_as_spam_and_told_nothing(client, post):
    response = send(client, post, homepage="http://bot.example/")

    comment = Comment.objects.get()
    assert comment.status == Status.SPAM
    assert "honeypot" in comment.status_reason
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "awaiting moderation" in page


def test_too_fast_form_through_the_view_is_spam(client, post, settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 60

    send(client, post)

    assert Comment.objects.get().status == Status.SPAM


def test_forged_or_foreign_form_token_is_spam(client, post):
    from comments.forms import form_token

    client.post(f"/comments/post/{post.pk}/", form_data(post, form_token="forged"))
    client.post(
        f"/comments/post/{post.pk}/", form_data(post, text="other", form_token=form_token(999))
    )

    assert set(Comment.objects.values_list("status", flat=True)) == {Status.SPAM}


def test_comment_from_a_blocked_address_through_the_view_is_spam(client, post, settings):
    settings.KIJI_SPAM_BLOCKLIST_IPS = ["127.0.0.0/8"]

    send(client, post)

    assert Comment.objects.get().status_reason == "Blocked IP address"


def test_a_setting_that_names_the_checks_where_they_were_before_keeps_working(post, settings):
    settings.KIJI_SPAM_CHECKS = ["comments.spam.HoneypotCheck", "comments.spam.LinkCountCheck"]

    verdict = check_submission(submission(post, honeypot="http://bot.example/"))

    assert verdict.status == Status.SPAM
    assert [type(check).__module__ for check in spam.load_checks()] == ["moderation.spam"] * 2
