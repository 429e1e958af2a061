from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.models import Post
from comments.models import Comment, fingerprint
from moderation.models import Status
from tests.comments.helpers import make_comment
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_text_is_rendered_once_on_save_and_stored(post):
    comment = make_comment(post, text="One\ntwo\n\nThree https://example.com/")

    stored = Comment.objects.get(pk=comment.pk)
    assert stored.text_html == (
        "<p>One<br>\ntwo</p><p>Three "
        '<a href="https://example.com/" rel="nofollow ugc noopener">https://example.com/</a></p>'
    )


def test_editing_the_text_renders_it_again(post):
    comment = make_comment(post, text="before")
    comment.text = "after"
    comment.save(update_fields=["text"])

    assert Comment.objects.get(pk=comment.pk).text_html == "<p>after</p>"


def test_moderating_a_comment_does_not_render_its_text_again(post, monkeypatch):
    from comments import markup
    from moderation.services import moderate

    comment = make_comment(post, text="Waiting.", status=Status.PENDING)
    rendered = []
    monkeypatch.setattr(markup, "render_comment", lambda text: rendered.append(text) or "")

    moderate(comment, status=Status.APPROVED)

    assert rendered == []
    assert Comment.objects.get(pk=comment.pk).text_html == "<p>Waiting.</p>"


def test_public_is_approved_comments_on_published_posts_only(post):
    approved = make_comment(post)
    for status in (Status.PENDING, Status.REJECTED, Status.SPAM):
        make_comment(post, status=status)
    draft = make_post(status=Post.Status.DRAFT)
    make_comment(draft)
    scheduled = make_post(published_at=timezone.now() + timedelta(days=1))
    make_comment(scheduled)

    assert list(Comment.objects.public()) == [approved]
    assert approved.is_public()


def test_public_on_one_post_is_public_for_that_post(post, django_assert_num_queries):
    approved = make_comment(post)
    make_comment(post, status=Status.PENDING)
    make_comment(make_post())
    draft = make_post(status=Post.Status.DRAFT)
    make_comment(draft)
    scheduled = make_post(published_at=timezone.now() + timedelta(days=1))
    make_comment(scheduled)

    assert list(Comment.objects.public_on(post)) == [approved]
    with django_assert_num_queries(0):
        assert list(Comment.objects.public_on(draft)) == []
        assert list(Comment.objects.public_on(scheduled)) == []


def test_approved_is_every_approved_comment_even_on_drafts(post):
    approved = make_comment(post)
    make_comment(post, status=Status.PENDING)
    on_draft = make_comment(make_post(status=Post.Status.DRAFT))

    assert set(Comment.objects.approved()) == {approved, on_draft}
    assert list(Comment.objects.public()) == [approved]


def test_in_moderation_is_pending_only(post):
    pending = make_comment(post, status=Status.PENDING)
    make_comment(post, status=Status.SPAM)
    make_comment(post)

    assert list(Comment.objects.in_moderation()) == [pending]


def test_database_refuses_the_same_submission_twice(post):
    make_comment(post, author_email="A@Example.com", text="Same  words\n")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_comment(post, author_email="a@example.com ", text=" same words")


def test_same_text_from_another_person_or_on_another_post_is_not_a_duplicate(post):
    make_comment(post, author_email="a@example.com", text="Nice")
    make_comment(post, author_email="b@example.com", text="Nice")
    make_comment(make_post(), author_email="a@example.com", text="Nice")

    assert Comment.objects.count() == 3


def test_fingerprint_folds_case_width_and_spacing():
    assert fingerprint(
        post_id=1, email="X@EXAMPLE.COM", text="\uff28\uff45\uff4c\uff4c\uff4f\n world"
    ) == fingerprint(post_id=1, email="x@example.com", text="hello world")
    assert fingerprint(post_id=1, email="x@example.com", text="a") != fingerprint(
        post_id=2, email="x@example.com", text="a"
    )


def test_absolute_url_is_a_permalink_that_leads_to_the_comment_anchor(client, post):
    comment = make_comment(post)

    response = client.get(comment.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comment.pk}"


def test_index_counts_approved_comments_on_each_post(client, post):
    make_comment(post)
    make_comment(post)
    make_comment(post, status=Status.PENDING)
    make_comment(post, status=Status.SPAM)

    listed = Post.objects.for_listing().get(pk=post.pk)
    html = client.get("/").content.decode()

    assert listed.comment_count == 2
    assert "2 comments" in html
