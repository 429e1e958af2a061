"""One attempt at one delivery: the signed POST, what its outcome means for retries and for
the receiving server's standing (see fediverse/delivery.py)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from fediverse import activities, signing
from fediverse.models import ActorKey, Delivery, Instance
from trackbacks import fetcher

logger = logging.getLogger(__name__)

PROBE_EVERY = timedelta(days=1)
# A claimed delivery is not picked again by `send_fediverse_due` before this.
CLAIM_FOR = timedelta(minutes=5)
# What we read of an inbox's answer.
MAX_ANSWER_BYTES = 16 * 1024
# Answers that say "try later"; other 4xx answers are final.
RETRY_STATUSES = frozenset({408, 425, 429})


def instance_host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def instance_answered(host: str) -> None:
    """The server at `host` answered (a delivery, or an activity it sent): it is not gone."""
    now = timezone.now()
    updated = Instance.objects.filter(host=host).update(last_ok_at=now, failing_since=None)
    if not updated:
        Instance.objects.get_or_create(host=host, defaults={"last_ok_at": now})


def _is_gone(instance: Instance | None, now) -> bool:
    if instance is None or instance.failing_since is None:
        return False
    gone_after = timedelta(seconds=settings.KIJI_FEDIVERSE_SKIP_GONE_AFTER_SECONDS)
    if now - instance.failing_since <= gone_after:
        return False
    # One probe a day tells when it is back.
    return instance.last_attempt_at is not None and now - instance.last_attempt_at < PROBE_EVERY


def _claim(pk: int, now) -> Delivery | None:
    """Take the delivery if it is queued and due (no other worker has it)."""
    claimed = (
        Delivery.objects.filter(pk=pk, status=Delivery.Status.QUEUED)
        .exclude(next_attempt_at__gt=now)
        .update(next_attempt_at=now + CLAIM_FOR)
    )
    return Delivery.objects.filter(pk=pk).first() if claimed else None


def _post(delivery: Delivery) -> fetcher.FetchResponse:
    body = json.dumps(delivery.activity, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/activity+json",
        "Accept": "application/activity+json",
        "User-Agent": f"Kiji/1.0 (+{activities.site_url()}/)",
    }
    key = ActorKey.current()
    headers.update(
        signing.sign(
            "POST",
            delivery.inbox,
            headers,
            body,
            key_id=activities.key_id(),
            private_key_pem=key.private_key_pem,
        )
    )
    return fetcher.fetch(
        delivery.inbox,
        method="POST",
        data=body,
        headers=headers,
        max_redirects=0,
        max_bytes=MAX_ANSWER_BYTES,
    )


def attempt(pk: int) -> tuple[str, datetime | None]:
    """Try delivery `pk` once; return its status and, for a retry, when it is due."""
    now = timezone.now()
    delivery = _claim(pk, now)
    if delivery is None:
        return "not due", None
    host = instance_host(delivery.inbox)
    instance = Instance.objects.filter(host=host).first()
    if _is_gone(instance, now):
        delivery.status = Delivery.Status.SKIPPED
        delivery.last_error = (
            f"{host} has been failing since {instance.failing_since:%Y-%m-%d %H:%M}"
        )
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
        return delivery.status, None
    instance, _ = Instance.objects.get_or_create(host=host)
    delivery.attempts += 1
    error, final, alive = "", False, False
    try:
        response = _post(delivery)
    except fetcher.UnsafeURLError as exc:
        error, final = str(exc), True
    except fetcher.FetchError as exc:
        error = str(exc)
    else:
        # Any answer but a server error shows the server is there.
        alive = response.status < 500
        if response.ok:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
        else:
            error = f"HTTP {response.status}"
            final = alive and response.status not in RETRY_STATUSES
    if alive:
        state = {"last_ok_at": now, "failing_since": None}
    else:
        state = {"failing_since": instance.failing_since or now}
    Instance.objects.filter(pk=instance.pk).update(last_attempt_at=now, **state)
    retry_at = None
    if delivery.status != Delivery.Status.SENT:
        delivery.last_error = error[:500]
        if final or delivery.attempts >= settings.KIJI_FEDIVERSE_DELIVERY_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
            logger.warning(
                "Delivery %s to %s failed for good after %d attempts: %s",
                delivery.pk,
                delivery.inbox,
                delivery.attempts,
                error,
            )
        else:
            delay = settings.KIJI_FEDIVERSE_DELIVERY_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
            retry_at = timezone.now() + timedelta(seconds=delay)
    delivery.next_attempt_at = retry_at
    delivery.save()
    return delivery.status, retry_at
