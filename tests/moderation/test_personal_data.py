"""IP retention and a commenter's requests: export, anonymise, delete."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, fingerprint
from moderation import privacy
from moderation.models import Status
from tests.comments.helpers import make_comment, send
from tests.factories import make_post

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


def aged(comment, days: int):
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=days))
    return comment


def test_ips_older_than_the_retention_are_erased_and_newer_kept(post, settings):
    settings.KIJI_IP_RETENTION_DAYS = 90
    old = aged(make_comment(post, ip_address="198.51.100.1"), 91)
    recent = aged(make_comment(post, ip_address="198.51.100.2"), 89)
    AccessAttempt.objects.create(
        username="x", ip_address="198.51.100.3", failures_since_start=1, user_agent="", get_data="",
        post_data="", http_accept="", path_info="/admin/login/",
    )  # fmt: skip
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=91))

    out = StringIO()
    call_command("erase_old_ips", stdout=out)

    assert Comment.objects.get(pk=old.pk).ip_address is None
    assert Comment.objects.get(pk=recent.pk).ip_address == "198.51.100.2"
    assert Comment.objects.get(pk=old.pk).text == old.text  # only the address goes
    assert AccessAttempt.objects.count() == 0
    assert "comments: 1 IP addresses older than 90 days erased." in out.getvalue()


def test_erasing_covers_every_moderated_model(post):
    from moderation import registry

    erased = privacy.erase_old_ips(days=1, dry_run=True)

    assert set(erased.ips) == {
        str(e.model._meta.verbose_name_plural) for e in registry.registered()
    }
    assert len(erased.ips) >= 1


def test_dry_run_counts_without_erasing(post):
    old = aged(make_comment(post, ip_address="198.51.100.1"), 200)

    out = StringIO()
    call_command("erase_old_ips", "--dry-run", "--days", "30", stdout=out)

    assert "1 IP addresses older than 30 days would be erased" in out.getvalue()
    assert Comment.objects.get(pk=old.pk).ip_address == "198.51.100.1"


def test_retention_of_zero_keeps_addresses(post, settings):
    settings.KIJI_IP_RETENTION_DAYS = 0
    old = aged(make_comment(post, ip_address="198.51.100.1"), 5000)

    out = StringIO()
    call_command("erase_old_ips", stdout=out)

    assert "kept" in out.getvalue()
    assert Comment.objects.get(pk=old.pk).ip_address == "198.51.100.1"


@pytest.fixture
def hanako(post):
    other_post = make_post("Another post")
    mine = [
        make_comment(post, author_email="Hanako@Example.com", author_name="花子",
                     author_url="https://hanako.example/", text="First words",
                     ip_address="198.51.100.7", status=Status.APPROVED),
        make_comment(other_post, author_email="hanako@example.com", author_name="花子",
                     text="Second words", status=Status.PENDING,
                     status_reason="Blocklisted email hanako@example.com"),
    ]  # fmt: skip
    reply = make_comment(post, author_email="taro@example.com", text="@花子 I agree")
    return mine, reply


def test_export_holds_everything_stored_for_the_address_in_any_case(hanako):
    data = privacy.export("HANAKO@example.com")

    json.dumps(data)  # JSON-ready
    assert [c["text"] for c in data["comments"]] == ["First words", "Second words"]
    first = data["comments"][0]
    assert first["author_name"] == "花子"
    assert first["author_url"] == "https://hanako.example/"
    assert first["ip_address"] == "198.51.100.7"
    assert first["post"] == "Commented post"
    assert first["url_on_site"].endswith(hanako[0][0].get_absolute_url())
    assert "taro@example.com" not in json.dumps(data)


def test_export_command_writes_json(hanako, tmp_path):
    target = tmp_path / "hanako.json"

    call_command("personal_data", "export", "hanako@example.com", "--output", str(target))

    assert len(json.loads(target.read_text())["comments"]) == 2


def test_anonymising_keeps_the_conversation_readable(hanako, client):
    mine, reply = hanako
    old_fingerprint = Comment.objects.get(pk=mine[0].pk).fingerprint

    call_command("personal_data", "anonymise", "hanako@example.com", "--yes", stdout=StringIO())

    for comment in Comment.objects.filter(pk__in=[c.pk for c in mine]):
        assert comment.author_name == "Anonymous"
        assert comment.author_email == privacy.erased_address(comment.pk)
        assert (comment.author_url, comment.ip_address) == ("", None)
        assert "hanako" not in comment.status_reason
        assert comment.text in ("First words", "Second words")
    first = Comment.objects.get(pk=mine[0].pk)
    # The old fingerprint would let anyone confirm who wrote the text.
    assert first.fingerprint != old_fingerprint
    assert first.fingerprint == fingerprint(
        post_id=first.post_id, email=first.author_email, text=first.text
    )
    assert Comment.objects.get(pk=reply.pk).author_email == "taro@example.com"
    assert privacy.export("hanako@example.com")["comments"] == []
    page = client.get(first.post.get_absolute_url()).content.decode()
    assert "First words" in page and "Anonymous" in page and "花子" not in page.split("@花子")[0]


def test_after_anonymising_the_same_words_can_be_sent_again(hanako, client, settings):
    mine, _ = hanako
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    privacy.anonymise("hanako@example.com")

    response = send(client, mine[0].post, email="hanako@example.com", text="First words")

    assert response.status_code == 302
    assert Comment.objects.filter(text="First words").count() == 2


def test_delete_removes_the_items(hanako):
    call_command("personal_data", "delete", "hanako@example.com", "--yes", stdout=StringIO())

    assert list(Comment.objects.values_list("author_email", flat=True)) == ["taro@example.com"]


def test_commands_refuse_a_non_address_and_say_when_nothing_is_stored(db):
    with pytest.raises(CommandError):
        call_command("personal_data", "export", "not an address")
    out = StringIO()
    call_command("personal_data", "delete", "nobody@example.com", "--yes", stdout=out)
    assert "Nothing is stored" in out.getvalue()


def test_admin_action_exports_json_for_the_selected_commenters(client, author, hanako):
    client.force_login(author)
    mine, _ = hanako

    response = client.post(
        CHANGELIST + "?status=all",
        {"action": "export_personal_data", "_selected_action": [mine[0].pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    [data] = json.loads(response.content)
    assert len(data["comments"]) == 2  # every comment of that address, not only the row


def test_admin_anonymise_asks_first_then_anonymises(client, author, hanako):
    client.force_login(author)
    mine, reply = hanako
    selected = {"action": "anonymise_personal_data", "_selected_action": [mine[1].pk]}

    confirm = client.post(CHANGELIST, selected)
    assert confirm.status_code == 200
    assert "hanako@example.com" in confirm.content.decode()
    assert Comment.objects.filter(author_name="Anonymous").count() == 0

    done = client.post(CHANGELIST, {**selected, "confirmed": "yes"}, follow=True)
    assert "2 items anonymised." in done.content.decode()
    assert Comment.objects.filter(author_name="Anonymous").count() == 2
    assert Comment.objects.get(pk=reply.pk).author_name != "Anonymous"


def test_staff_without_the_change_permission_cannot_export(client, hanako):
    from django.contrib.auth.models import Permission

    from tests.factories import make_user

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_comment"))
    client.force_login(viewer)

    response = client.post(
        CHANGELIST, {"action": "export_personal_data", "_selected_action": [hanako[0][0].pk]}
    )

    assert not response.get("Content-Type", "").startswith("application/json")


def test_anonymising_shows_at_once_on_cached_pages(hanako, settings):
    from django.test import Client

    settings.KIJI_PAGE_CACHE_SECONDS = 3600
    post = hanako[0][0].post
    reader = Client()
    assert "花子" in reader.get(post.get_absolute_url()).content.decode()

    privacy.anonymise("hanako@example.com")

    page = reader.get(post.get_absolute_url()).content.decode()
    assert "First words" in page
    assert "花子</" not in page and "Anonymous" in page


def test_anonymising_without_a_terminal_asks_for_yes_and_changes_nothing(monkeypatch):
    import io

    from django.core.management import CommandError

    post = make_post("Asked")
    make_comment(post, author_email="hanako@example.com")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    with pytest.raises(CommandError, match="--yes"):
        call_command("personal_data", "anonymise", "hanako@example.com", stdout=StringIO())

    assert Comment.objects.get().author_email == "hanako@example.com"
