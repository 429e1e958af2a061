from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from comments.models import Comment
from moderation.models import Status
from tests.comments.helpers import make_comment
from tests.factories import make_ping, make_post

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def moderate_url(item) -> str:
    return reverse("admin:desk_moderate", args=[item._meta.label_lower, item.pk])


def pending(html: str) -> str:
    start = html.index('class="module desk-section desk-pending"')
    return html[start : html.index("</section>", start)]


def test_the_dashboard_lists_the_newest_pending_items(desk, post):
    now = timezone.now()
    for n in range(12):
        make_comment(
            post,
            text=f"Pending number {n}",
            status=Status.PENDING,
            created_at=now - timedelta(hours=20 - n),
        )
    make_comment(post, text="Already approved", status=Status.APPROVED)
    make_ping(
        post,
        title="A ping from afar",
        blog_name="Afar",
        status=Status.PENDING,
        status_reason="Held for review: the source does not link here",
    )

    response = desk.get(INDEX)
    html = pending(response.content.decode())

    shown = response.context["desk"].pending
    assert len(shown) == 10
    assert [p.item.created_at for p in shown] == sorted(
        (p.item.created_at for p in shown), reverse=True
    )
    assert "A ping from afar" in html
    assert "Held for review: the source does not link here" in html
    assert "Pending number 11" in html
    assert "Pending number 1<" not in html and "Pending number 2<" not in html
    assert "Already approved" not in html
    assert f'href="{post.get_absolute_url()}">Commented post</a>' in html
    assert html.count('value="approve"') == 10
    assert html.count('name="csrfmiddlewaretoken"') == 10


def test_the_dashboard_names_the_comment_a_reply_answers(desk, post, author):
    mine = make_comment(post, author_name="The author", written_by_author=True, user=author)
    other = make_comment(post, author_name="Taro")
    reply = Comment(post=post, author_name="Hanako", author_email="h@example.com", text="Thanks!")
    reply.attach_to(mine)
    reply.status = Status.PENDING
    reply.save()
    aside = Comment(post=post, author_name="Jiro", author_email="j@example.com", text="Me too")
    aside.attach_to(other)
    aside.status = Status.PENDING
    aside.save()

    response = desk.get(INDEX)
    html = response.content.decode()

    assert "in reply to The author" in pending(html)
    assert "in reply to Taro" in pending(html)
    assert [p.item for p in response.context["desk"].replies] == [reply]
    replies = html[html.index("desk-replies") :]
    assert "Thanks!" in replies[: replies.index("</section>")]


def test_the_pending_counts_stop_at_the_cap(desk, post, monkeypatch):
    monkeypatch.setattr("desk.dashboard.COUNT_CAP", 3)
    for _ in range(5):
        make_comment(post, status=Status.PENDING)
    make_ping(post, status=Status.PENDING)

    html = desk.get(INDEX).content.decode()

    assert "Awaiting moderation" in html
    changelist = reverse("admin:comments_comment_changelist")
    assert f'href="{changelist}?status=pending">Comments</a></th><td>3+</td>' in html
    pings = reverse("admin:trackbacks_trackback_changelist")
    assert f'href="{pings}?status=pending">Trackbacks</a></th><td>1</td>' in html


def test_the_dashboard_lists_scheduled_posts_and_drafts(desk):
    soon = make_post("Out tomorrow", published_at=timezone.now() + timedelta(days=1))
    draft = make_post("Half written", status=Post.Status.DRAFT)
    make_post("Already out")

    html = desk.get(INDEX).content.decode()

    scheduled = html[html.index("desk-scheduled") :]
    assert (
        f'href="{reverse("admin:blog_post_change", args=[soon.pk])}">Out tomorrow</a>'
        in (scheduled[: scheduled.index("</section>")])
    )
    drafts = html[html.index("desk-drafts") :]
    assert (
        f'href="{reverse("admin:blog_post_change", args=[draft.pk])}">Half written</a>'
        in (drafts[: drafts.index("</section>")])
    )
    assert "Already out" not in html


def make_task(status: str, path: str = "moderation.tasks.send_moderation_email"):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        task_path=path,
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now(),
        exception_class_path="smtplib.SMTPServerDisconnected",
    )


def test_the_dashboard_lists_failed_tasks_for_those_who_may_see_them(desk, client, viewer):
    failed = make_task("FAILED")
    make_task("SUCCESSFUL", path="trackbacks.tasks.send_pings")

    html = desk.get(INDEX).content.decode()

    section = html[html.index("desk-failed-tasks") :]
    section = section[: section.index("</section>")]
    change = reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed.pk])
    assert f'href="{change}">moderation.tasks.send_moderation_email</a>' in section
    assert "SMTPServerDisconnected" in section
    assert "trackbacks.tasks.send_pings" not in section
    listed = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    assert f'href="{listed}?status__exact=FAILED"' in section

    client.force_login(viewer)
    assert "desk-failed-tasks" not in client.get(INDEX).content.decode()


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", Status.APPROVED), ("spam", Status.SPAM), ("reject", Status.REJECTED)],
)
def test_the_buttons_moderate_and_come_back(desk, post, author, action, status):
    comment = make_comment(post, text="Decide me", status=Status.PENDING)

    response = desk.post(moderate_url(comment), {"action": action}, follow=True)

    comment.refresh_from_db()
    assert comment.status == status
    assert comment.moderated_by == author
    assert response.redirect_chain == [(INDEX, 302)]
    assert "Decide me" in str(next(iter(response.context["messages"])))


def test_the_buttons_moderate_pings_too(desk, post):
    ping = make_ping(post, status=Status.PENDING)

    desk.post(moderate_url(ping), {"action": "approve"})

    ping.refresh_from_db()
    assert ping.status == Status.APPROVED


def test_a_refused_approval_comes_back_as_a_message(desk, post, monkeypatch):
    comment = make_comment(post, status=Status.PENDING)
    monkeypatch.setattr(Comment, "approval_refused_because", lambda self: "unreadable text")

    response = desk.post(moderate_url(comment), {"action": "approve"}, follow=True)

    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert "unreadable text" in str(next(iter(response.context["messages"])))


def test_a_get_changes_nothing(desk, post):
    comment = make_comment(post, status=Status.PENDING)

    response = desk.get(moderate_url(comment), {"action": "approve"})

    comment.refresh_from_db()
    assert response.status_code == 405
    assert comment.status == Status.PENDING


def test_a_post_without_the_csrf_token_is_refused(author, post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    comment = make_comment(post, status=Status.PENDING)

    response = client.post(moderate_url(comment), {"action": "approve"})

    comment.refresh_from_db()
    assert response.status_code == 403
    assert comment.status == Status.PENDING


def test_a_post_with_the_csrf_token_from_the_dashboard_works(author, post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    comment = make_comment(post, status=Status.PENDING)
    client.get(INDEX)

    response = client.post(
        moderate_url(comment),
        {"action": "approve", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )

    comment.refresh_from_db()
    assert response.status_code == 302
    assert comment.status == Status.APPROVED


def test_a_user_without_the_change_permission_is_refused(client, viewer, post):
    client.force_login(viewer)
    comment = make_comment(post, text="Look, do not touch", status=Status.PENDING)

    html = client.get(INDEX).content.decode()
    response = client.post(moderate_url(comment), {"action": "approve"})

    comment.refresh_from_db()
    assert "Look, do not touch" in html
    assert 'value="approve"' not in html
    assert response.status_code == 403
    assert comment.status == Status.PENDING


def test_anonymous_and_unknown_requests_are_refused(client, desk, post):
    comment = make_comment(post, status=Status.PENDING)

    assert desk.post(moderate_url(comment), {"action": "delete"}).status_code == 400
    url = reverse("admin:desk_moderate", args=["blog.post", post.pk])
    assert desk.post(url, {"action": "approve"}).status_code == 404
    desk.logout()
    assert client.post(moderate_url(comment), {"action": "approve"}).status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.PENDING
