import xmlrpc.client
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post
from trackbacks import sending
from trackbacks.models import OutgoingPing

pytestmark = pytest.mark.django_db

TB_OK = '<?xml version="1.0" encoding="utf-8"?><response><error>0</error></response>'
TB_ERROR = "<response><error>1</error><message>Sorry, trackbacks are closed.</message></response>"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.KIJI_SITE_URL = "http://blog.example"
    settings.KIJI_SITE_TITLE = "Kiji Test"


def quiet_post(**fields) -> Post:
    """A published post created without the post_save task firing."""
    with sending.pings_suppressed():
        return make_post(**fields)


def test_schedule_records_listed_urls_and_body_links_once(web):
    post = quiet_post(
        body=f"[one]({web.url('/a/1')}) [two]({web.url('/a/2')}) [self](http://blog.example/x/y)",
        ping_urls=f"{web.url('/tb/9')}\nnot a url\n\n{web.url('/tb/9')}\n",
    )
    assert sending.post_pings_schedule(post=post) == 3
    assert sending.post_pings_schedule(post=post) == 0
    rows = {(p.target_url, p.origin) for p in post.outgoing_pings.all()}
    assert rows == {
        (web.url("/tb/9"), "listed"),
        (web.url("/a/1"), "link"),
        (web.url("/a/2"), "link"),
    }


def test_listed_trackback_is_sent_in_utf8_and_never_twice(web):
    web.add("/tb/1", TB_OK, content_type="text/xml")
    post = quiet_post(title="秋の京都旅行", body="週末に京都へ。", ping_urls=web.url("/tb/1"))
    [ping] = sending.post_pings_send(post=post)
    assert ping.status == OutgoingPing.Status.SENT
    assert ping.kind == "trackback"
    assert ping.sent_at is not None
    request = web.received[0]
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
    fields = parse_qs(request.body.decode("ascii"))
    assert fields["title"] == ["秋の京都旅行"]
    assert fields["url"] == [sending.permalink(post)]
    assert sending.permalink(post).isascii()
    assert fields["blog_name"] == ["Kiji Test"]
    assert fields["excerpt"] == ["週末に京都へ。"]
    assert sending.post_pings_send(post=post) == []
    assert len(web.received) == 1


def test_failed_ping_is_retried_with_backoff_then_given_up(web, settings):
    settings.KIJI_TRACKBACKS_SEND_MAX_ATTEMPTS = 3
    settings.KIJI_TRACKBACKS_SEND_RETRY_DELAY = 600
    web.add("/tb/2", TB_ERROR, content_type="text/xml")
    post = quiet_post(ping_urls=web.url("/tb/2"))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        [ping] = sending.post_pings_send(post=post)
        assert ping.status == OutgoingPing.Status.RETRY
        assert ping.message == "Sorry, trackbacks are closed."
        assert ping.next_attempt_at == start + timedelta(seconds=600)
        assert sending.post_pings_send(post=post) == []
    with time_machine.travel(start + timedelta(seconds=601), tick=False):
        [ping] = sending.post_pings_send(post=post)
        assert ping.attempts == 2
        assert ping.next_attempt_at == start + timedelta(seconds=601 + 2400)
    with time_machine.travel(start + timedelta(seconds=601 + 2401), tick=False):
        [ping] = sending.post_pings_send(post=post)
        assert ping.status == OutgoingPing.Status.FAILED
        assert ping.next_attempt_at is None
    with time_machine.travel(start + timedelta(days=30), tick=False):
        assert sending.post_pings_send(post=post) == []
    assert len(web.received) == 3


def test_linked_page_with_pingback_gets_a_pingback(web):
    endpoint = web.add(
        "/xmlrpc",
        xmlrpc.client.dumps(("Pingback registered.",), methodresponse=True),
        content_type="text/xml",
    )
    target = web.add(
        "/entry/1", f'<html><head><link rel="pingback" href="{endpoint}"></head></html>'
    )
    post = quiet_post(body=f"I liked [this]({target}).")
    [ping] = sending.post_pings_send(post=post)
    assert (ping.kind, ping.status, ping.endpoint_url) == ("pingback", "sent", endpoint)
    params, method = xmlrpc.client.loads(web.received[-1].body)
    assert method == "pingback.ping"
    assert params[1] == target
    assert params[0].startswith("http://blog.example/")


@pytest.mark.parametrize(("code", "status"), [(48, "sent"), (17, "retry"), (0, "retry")])
def test_pingback_faults(web, code, status):
    endpoint = web.add(
        "/xmlrpc",
        xmlrpc.client.dumps(xmlrpc.client.Fault(code, "no"), methodresponse=True),
        content_type="text/xml",
    )
    target = web.add("/entry/2", "", headers=[("X-Pingback", endpoint)])
    post = quiet_post(body=f"[x]({target})")
    [ping] = sending.post_pings_send(post=post)
    assert ping.status == status
    if status == "retry":
        assert ping.message == f"Fault {code}: no"


def test_linked_page_with_webmention_gets_a_webmention(web):
    web.add("/wm", "Accepted", status=202)
    target = web.add("/entry/3", "<p>hi</p>", headers=[("Link", '</wm>; rel="webmention"')])
    post = quiet_post(body=f"[x]({target})")
    [ping] = sending.post_pings_send(post=post)
    assert (ping.kind, ping.status) == ("webmention", "sent")
    fields = parse_qs(web.received[-1].body.decode())
    assert fields["target"] == [target]
    assert fields["source"][0].startswith("http://blog.example/")


def test_linked_page_with_trackback_rdf_gets_a_trackback(web):
    web.add("/tb/4", TB_OK, content_type="text/xml")
    target = web.url("/entry/4")
    web.add(
        "/entry/4",
        f'<!-- <rdf:RDF><rdf:Description dc:identifier="{target}" '
        'trackback:ping="/tb/4"/></rdf:RDF> -->',
    )
    post = quiet_post(body=f"[x]({target})")
    [ping] = sending.post_pings_send(post=post)
    assert (ping.kind, ping.status, ping.endpoint_url) == ("trackback", "sent", web.url("/tb/4"))


def test_page_without_endpoint_is_recorded_and_not_retried(web):
    target = web.add("/entry/5", "<p>plain</p>")
    post = quiet_post(body=f"[x]({target})")
    [ping] = sending.post_pings_send(post=post)
    assert ping.status == OutgoingPing.Status.NO_ENDPOINT
    assert sending.post_pings_send(post=post) == []


def test_unreachable_page_is_retried(web):
    post = quiet_post(body=f"[x]({web.url('/missing/page')})")
    [ping] = sending.post_pings_send(post=post)
    assert ping.status == OutgoingPing.Status.RETRY
    assert "404" in ping.message


def test_private_address_target_fails_without_retry(settings):
    post = quiet_post(ping_urls="http://10.0.0.1/tb/1")
    [ping] = sending.post_pings_send(post=post)
    assert ping.status == OutgoingPing.Status.FAILED
    assert ping.message.startswith("Not sent:")


def test_a_ping_taken_by_another_worker_is_not_sent_twice(web):
    web.add("/tb/6", TB_OK, content_type="text/xml")
    post = quiet_post(ping_urls=web.url("/tb/6"))
    sending.post_pings_schedule(post=post)
    ping = post.outgoing_pings.get()
    stale = OutgoingPing.objects.get(pk=ping.pk)
    sending.outgoing_ping_send(ping=ping)
    sending.outgoing_ping_send(ping=stale)
    assert len(web.received) == 1


def test_publishing_queues_the_task_after_commit(web, django_capture_on_commit_callbacks):
    web.add("/tb/7", TB_OK, content_type="text/xml")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = make_post(ping_urls=web.url("/tb/7"))
    assert web.received == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert post.outgoing_pings.get().status == OutgoingPing.Status.SENT


def test_editing_a_published_post_pings_new_links_only(web, django_capture_on_commit_callbacks):
    web.add("/tb/8", TB_OK, content_type="text/xml")
    web.add("/tb/9", TB_OK, content_type="text/xml")
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(ping_urls=web.url("/tb/8"))
    with django_capture_on_commit_callbacks(execute=True):
        post.ping_urls += "\n" + web.url("/tb/9")
        post.save()
    assert [r.path for r in web.received] == ["/tb/8", "/tb/9"]


def test_drafts_scheduled_and_suppressed_saves_send_nothing(
    web, django_capture_on_commit_callbacks
):
    web.add("/tb/10", TB_OK, content_type="text/xml")
    with django_capture_on_commit_callbacks(execute=True):
        make_post(status=Post.Status.DRAFT, ping_urls=web.url("/tb/10"))
        make_post(published_at=timezone.now() + timedelta(days=1), ping_urls=web.url("/tb/10"))
        with sending.pings_suppressed():
            make_post(ping_urls=web.url("/tb/10"))
    assert web.received == []
    assert OutgoingPing.objects.count() == 0


def test_send_pings_command_picks_up_scheduled_posts_once_published(web):
    web.add("/tb/11", TB_OK, content_type="text/xml")
    with sending.pings_suppressed():
        post = make_post(
            published_at=timezone.now() + timedelta(hours=1), ping_urls=web.url("/tb/11")
        )
    call_command("send_pings", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert web.received == []
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        call_command("send_pings", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert post.outgoing_pings.get().status == OutgoingPing.Status.SENT


def test_post_admin_page_shows_each_outcome(client, author, web):
    web.add("/tb/12", TB_ERROR, content_type="text/xml")
    post = quiet_post(ping_urls=web.url("/tb/12"))
    sending.post_pings_send(post=post)
    client.force_login(author)
    response = client.get(reverse("admin:blog_post_change", args=[post.pk]))
    content = response.content.decode()
    assert "pings sent for this post" in content.lower()
    assert web.url("/tb/12") in content
    assert "Sorry, trackbacks are closed." in content
    assert "failed, retry scheduled" in content
    assert 'name="ping_urls"' in content


def test_admin_retry_action_queues_failed_pings(
    client, author, web, django_capture_on_commit_callbacks
):
    web.add("/tb/13", TB_ERROR, content_type="text/xml")
    post = quiet_post(ping_urls=web.url("/tb/13"))
    [ping] = sending.post_pings_send(post=post)
    web.add("/tb/13", TB_OK, content_type="text/xml")
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:trackbacks_outgoingping_changelist"),
            {"action": "retry_now", "_selected_action": [ping.pk]},
        )
    ping.refresh_from_db()
    assert ping.status == OutgoingPing.Status.SENT


def test_a_deferring_queue_gets_the_retry_scheduled(web, settings):
    """With a queue that can run work later (the database backend), the retry is queued."""
    from django_tasks import default_task_backend

    from trackbacks.tasks import send_post_pings

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    web.add("/tb/14", TB_ERROR, content_type="text/xml")
    post = quiet_post(ping_urls=web.url("/tb/14"))
    send_post_pings.call(post.pk)
    [queued] = default_task_backend.results
    ping = post.outgoing_pings.get()
    assert queued.task.run_after == ping.next_attempt_at
    assert queued.args == [post.pk]


def test_a_scheduled_post_is_queued_for_its_publish_time(
    settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    when = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(published_at=when, ping_urls="http://a.example/tb/1")
    # Other apps may queue their own work for the publish time too (fediverse).
    [queued] = [r for r in default_task_backend.results if r.task.name == "send_post_pings"]
    assert (queued.task.run_after, queued.args) == (when, [post.pk])
