"""Threaded replies: nesting, the depth limit, pages that keep threads together, removed parents."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import Comment
from moderation.models import Status
from moderation.services import moderate
from tests.comments.helpers import make_comment, send
from tests.factories import make_category, make_post, make_user

pytestmark = pytest.mark.django_db


def reply(client, post, parent, **fields):
    return send(client, post, parent=str(parent.pk), **fields)


def order_on(page: str, comments) -> list[int]:
    """The comments of `comments` in the order the page shows them."""
    found = [(page.find(f'id="comment-{c.pk}"'), c.pk) for c in comments]
    return [pk for at, pk in sorted(found) if at >= 0]


def test_a_readers_reply_is_held_then_nested_under_its_parent(client, post):
    parent = make_comment(post, text="First question.")

    response = reply(client, post, parent, text="An answer from a reader.")

    answer = Comment.objects.get(text="An answer from a reader.")
    assert response.status_code == 302
    assert (answer.status, answer.parent, answer.depth) == (Status.PENDING, parent, 1)
    assert answer.thread_id == parent.pk
    # The visitor sees their pending reply in place, under the comment it answers.
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'class="comment depth-1 comment-pending"' in page
    assert order_on(page, [parent, answer]) == [parent.pk, answer.pk]

    moderate(answer, status=Status.APPROVED)
    other = client.__class__()
    page = other.get(post.get_absolute_url()).content.decode()
    assert order_on(page, [parent, answer]) == [parent.pk, answer.pk]
    assert f'id="comment-{answer.pk}"' in page and "depth-1" in page


def test_replies_follow_their_parent_before_later_threads(client, post):
    first = make_comment(post, text="One")
    second = make_comment(post, text="Two")
    late_reply = make_comment(post, text="Reply to one")
    late_reply.attach_to(first)
    late_reply.save()

    page = client.get(post.get_absolute_url()).content.decode()

    assert order_on(page, [first, second, late_reply]) == [first.pk, late_reply.pk, second.pk]


def test_a_reply_to_a_comment_not_approved_is_refused_and_nothing_is_lost(client, post):
    waiting = make_comment(post, status=Status.PENDING)

    response = reply(client, post, waiting, text="Kept, not lost.")

    assert response.status_code == 409
    assert "Kept, not lost." in response.content.decode()
    assert not Comment.objects.filter(text="Kept, not lost.").exists()


def test_a_reply_to_a_comment_on_another_post_is_refused(client, post):
    elsewhere = make_comment(make_post("Elsewhere"))

    response = reply(client, post, elsewhere, text="Wrong post.")

    assert response.status_code == 409
    assert not Comment.objects.filter(text="Wrong post.").exists()


def test_a_reply_deeper_than_the_limit_joins_the_deepest_level(client, post, settings):
    settings.KIJI_COMMENTS_THREAD_DEPTH = 3
    top = make_comment(post)
    chain = [top]
    for _ in range(2):
        child = make_comment(post)
        child.attach_to(chain[-1])
        child.save()
        chain.append(child)

    reply(client, post, chain[-1], text="Too deep.")

    deep = Comment.objects.get(text="Too deep.")
    assert (deep.depth, deep.parent, deep.thread_id) == (2, chain[1], top.pk)
    assert deep.replying_to == chain[-1]  # what it answers, shown beside it


def test_with_a_depth_of_one_every_reply_is_top_level_in_the_thread(client, post, settings):
    settings.KIJI_COMMENTS_THREAD_DEPTH = 1
    top = make_comment(post)

    reply(client, post, top, text="Flat.")

    flat = Comment.objects.get(text="Flat.")
    assert (flat.depth, flat.parent) == (0, None)


def test_the_database_refuses_a_comment_as_its_own_parent(post):
    comment = make_comment(post)

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(parent=comment, depth=1)


def test_the_database_refuses_a_reply_without_depth(post):
    parent = make_comment(post)

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=make_comment(post).pk).update(parent=parent, depth=0)


def build_threads(post, threads: int, depth: int = 3, replies: int = 2) -> list[Comment]:
    """`threads` threads, each a top-level comment with `replies` chains `depth - 1` deep."""
    start = timezone.now() - timedelta(days=2)
    made = []
    for t in range(threads):
        top = make_comment(post, created_at=start + timedelta(minutes=10 * t))
        made.append(top)
        for r in range(replies):
            parent = top
            for level in range(1, depth):
                child = make_comment(
                    post, created_at=top.created_at + timedelta(seconds=r * 9 + level)
                )
                child.attach_to(parent)
                child.save()
                made.append(child)
                parent = child
    return made


def test_a_page_holds_whole_threads_and_permalinks_find_replies_on_page_two(client, post, settings):
    settings.KIJI_COMMENTS_PER_PAGE = 2
    made = build_threads(post, threads=3)
    third_thread_reply = made[-1]

    first = client.get(post.get_absolute_url()).content.decode()
    second = client.get(post.get_absolute_url() + "?page=2").content.decode()

    assert first.count('<li class="comment') == 10 and second.count('<li class="comment') == 5
    assert f'id="comment-{third_thread_reply.pk}"' in second
    response = client.get(third_thread_reply.get_absolute_url())
    assert response["Location"] == (
        f"{post.get_absolute_url()}?page=2#comment-{third_thread_reply.pk}"
    )


@pytest.mark.parametrize("threads", [2, 60])
def test_a_page_of_deep_threads_takes_the_same_queries_whatever_their_number(
    client, django_assert_num_queries, settings, threads
):
    # 20 threads of 5 a page: the test cache (local memory, 300 entries) keeps them all.
    settings.KIJI_COMMENTS_PER_PAGE = 20
    post = make_post(category=make_category())
    build_threads(post, threads=threads, depth=3, replies=2)  # 5 comments a thread: 300 at 60

    # As on any post page: the blog's 8, its featured image, one page of comments, the pings.
    with django_assert_num_queries(11):
        response = client.get(post.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("removal", ["reject", "spam", "delete"])
def test_a_removed_parent_keeps_its_place_and_its_replies_stay(client, post, removal):
    parent = make_comment(post, text="The removed one.")
    child = make_comment(post, text="A reply that stays.")
    child.attach_to(parent)
    child.save()
    if removal == "delete":
        parent.delete()
    else:
        moderate(parent, status=Status.REJECTED if removal == "reject" else Status.SPAM)

    page = client.get(post.get_absolute_url()).content.decode()

    assert "The removed one." not in page
    assert "This comment was removed." in page
    assert "A reply that stays." in page
    assert page.index("This comment was removed.") < page.index("A reply that stays.")


def test_an_anonymised_parent_keeps_its_replies(client, post):
    from moderation import privacy

    parent = make_comment(post, author_email="gone@example.com", author_name="Gone")
    child = make_comment(post, text="Still here.")
    child.attach_to(parent)
    child.save()

    privacy.anonymise("gone@example.com")

    page = client.get(post.get_absolute_url()).content.decode()
    assert "Still here." in page and "Gone" not in page


def test_every_approved_comment_has_a_reply_link_that_works_without_javascript(client, post):
    comment = make_comment(post, text="Reply to me.")

    page = client.get(post.get_absolute_url()).content.decode()
    link = f'href="/comments/{comment.pk}/reply/"'
    assert link in page

    reply_page = client.get(f"/comments/{comment.pk}/reply/").content.decode()
    assert "Reply to me." in reply_page
    assert f'name="parent" value="{comment.pk}"' in reply_page


def test_the_reply_page_of_a_hidden_comment_is_a_clear_404(client, post):
    hidden = make_comment(post, status=Status.SPAM, text="Secret spam.")

    response = client.get(f"/comments/{hidden.pk}/reply/")

    assert response.status_code == 404
    assert "Secret spam." not in response.content.decode()


def test_no_reply_link_once_comments_are_closed(client):
    post = make_post(comments_enabled=False)
    make_comment(post)

    assert "comment-reply-link" not in client.get(post.get_absolute_url()).content.decode()


def test_a_staff_member_without_the_add_permission_comments_as_a_reader(client, post):
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(clerk)

    response = send(client, post, text="Like anyone else.")

    assert response.status_code == 302
    assert Comment.objects.get(text="Like anyone else.").status == Status.PENDING


def test_feeds_say_whom_a_reply_answers_but_not_a_removed_comment(client, post):
    parent = make_comment(post, author_name="Hanako")
    answer = make_comment(post, author_name="Taro", text="Agreed.")
    answer.attach_to(parent)
    answer.save()
    orphan_parent = make_comment(post, author_name="Spammer")
    orphan = make_comment(post, author_name="Jiro", text="Hm.")
    orphan.attach_to(orphan_parent)
    orphan.save()
    moderate(orphan_parent, status=Status.SPAM)

    feed = client.get(f"/comments/feeds/post/{post.pk}/atom/").content.decode()

    assert "Taro in reply to Hanako on" in feed
    assert "Spammer" not in feed and "Jiro on" in feed
