from io import StringIO

import pytest
from django.core.management import call_command

from moderation.models import Status
from trackbacks.models import OutgoingPing, Trackback

pytestmark = pytest.mark.django_db


def test_demo_has_approved_and_pending_pings_shown_only_when_approved(client):
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    statuses = set(Trackback.objects.values_list("status", flat=True))
    assert {Status.APPROVED, Status.PENDING, Status.SPAM} <= statuses
    assert set(Trackback.objects.values_list("kind", flat=True)) == {
        "trackback",
        "pingback",
        "webmention",
    }
    assert Trackback.objects.count() == 5  # loaded once
    assert not OutgoingPing.objects.exists()  # the demo pinged nobody
    approved = Trackback.objects.filter(kind="trackback", status=Status.APPROVED).first()
    html = client.get(approved.post.get_absolute_url()).content.decode()
    assert approved.title in html
    pending = Trackback.objects.filter(status=Status.PENDING).first()
    assert pending.title not in client.get(pending.post.get_absolute_url()).content.decode()
