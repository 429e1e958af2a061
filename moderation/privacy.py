"""Personal data: how long IP addresses are kept, and what a person may ask for.

Two duties, for every kind of item readers send (comments; pings too):

* Retention. `erase_old_ips(days=...)` blanks the IP address of every
  moderated item (every model registered with `moderation.registry`, so
  comments and pings alike) received more than `KIJI_IP_RETENTION_DAYS` days
  ago, and deletes django-axes' records of failed admin logins as old. The
  `erase_old_ips` management command runs it; schedule it daily.
* Requests by email address. `export(email)` gathers everything stored
  about an address as JSON-ready data; `anonymise(email)` keeps each item's
  text (the conversation stays readable) but removes the name, address,
  website and IP; `delete(email)` removes the items. The `personal_data`
  command and the comment admin's actions call them.

A model with an email address joins the requests by registering a
`PersonalData` source in its app's `AppConfig.ready()`::

    privacy.register(PersonalData(
        model=Comment,
        key="comments",
        email_field="author_email",
        exported=["post", "author_name", "author_email", "author_url", "text", ...],
        anonymised={"author_name": anonymous_name, "author_url": "", ...},
    ))

Values in `anonymised` are constants or callables taking the item. A source
with nothing in `anonymised` (and no `after_anonymise`) is exported and
deleted but left as it is when its person is anonymised.

A person may be named by something else than an email address (a fediverse
actor's URI, say). The app that knows such names registers a resolver in its
`AppConfig.ready()`, which gives the email addresses that person's items
carry (`privacy.register_identifier(...)`; None when the value is not a name
it reads), and a source may find its items by the name itself
(`PersonalData.identified_by`, a callable returning a `Q` or None). Every
request then takes either (`export`, `anonymise`, `delete`); `addresses()`
is None for a value that is neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import registry


@dataclass(frozen=True)
class PersonalData:
    model: type[models.Model]
    key: str
    email_field: str
    exported: list[str]
    anonymised: dict[str, Any] = field(default_factory=dict)
    # Run on each item after its fields were anonymised, before it is saved.
    after_anonymise: Callable[[models.Model], None] | None = None
    # Finds items by a name that is not an email address (see the module doc).
    identified_by: Callable[[str], Q | None] | None = None


_sources: dict[str, PersonalData] = {}
_identifiers: dict[str, Callable[[str], list[str] | None]] = {}


def register(source: PersonalData) -> None:
    _sources[source.key] = source


def register_identifier(key: str, addresses: Callable[[str], list[str] | None]) -> None:
    """Let requests name a person by something else than an email address (module doc)."""
    _identifiers[key] = addresses


def is_email(value: str) -> bool:
    try:
        validate_email(value.strip())
    except ValidationError:
        return False
    return True


def addresses(identifier: str) -> list[str] | None:
    """The email addresses the items of the person `identifier` names carry.

    `identifier` itself for an email address; what a registered resolver says
    for another kind of name; None when nothing reads it.
    """
    identifier = identifier.strip()
    if is_email(identifier):
        return [identifier]
    for resolve in _identifiers.values():
        found = resolve(identifier)
        if found is not None:
            return found
    return None


def sources() -> list[PersonalData]:
    return list(_sources.values())


def erased_address(pk: int) -> str:
    """The placeholder address an anonymised item keeps (RFC 2606 `.invalid`)."""
    return f"erased-{pk}@erased.invalid"


# Retention


@dataclass(frozen=True)
class Erased:
    ips: dict[str, int]
    login_attempts: int


def erase_old_ips(*, days: int | None = None, dry_run: bool = False) -> Erased:
    """Blank IP addresses older than `days` (default: `KIJI_IP_RETENTION_DAYS`; 0 keeps all)."""
    days = settings.KIJI_IP_RETENTION_DAYS if days is None else days
    if days <= 0:
        return Erased({}, 0)
    cutoff = timezone.now() - timedelta(days=days)
    ips = {}
    for entry in registry.registered():
        old = entry.model.objects.filter(created_at__lt=cutoff, ip_address__isnull=False)
        label = str(entry.model._meta.verbose_name_plural)
        ips[label] = old.count() if dry_run else old.update(ip_address=None)
    return Erased(ips, _erase_login_attempts(cutoff, dry_run))


def _erase_login_attempts(cutoff, dry_run: bool) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    total = 0
    for model, stamp in (
        (AccessAttempt, "attempt_time"),
        (AccessFailureLog, "attempt_time"),
        (AccessLog, "attempt_time"),
    ):
        old = model.objects.filter(**{f"{stamp}__lt": cutoff})
        total += old.count() if dry_run else old.delete()[0]
    return total


# Requests


def _matching(source: PersonalData, identifier: str) -> models.QuerySet:
    identifier = identifier.strip()
    condition = Q()
    if source.email_field:
        for address in addresses(identifier) or []:
            condition |= Q(**{f"{source.email_field}__iexact": address})
    if source.identified_by is not None:
        condition |= source.identified_by(identifier) or Q()
    manager = source.model._default_manager
    # An empty condition would match every item.
    return (manager.filter(condition) if condition else manager.none()).order_by("pk")


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def count(email: str) -> int:
    """How many items are stored for `email`."""
    return sum(_matching(source, email).count() for source in sources())


def export(email: str) -> dict:
    """Everything stored about `email` (or another name of a person), ready for `json.dumps`."""
    identifier = email.strip()
    data: dict[str, Any] = {
        ("email" if is_email(identifier) else "identifier"): identifier,
        "exported_at": timezone.now().isoformat(),
        "site": settings.KIJI_SITE_URL,
    }
    for source in sources():
        items = []
        for item in _matching(source, email):
            record = {"id": item.pk}
            for name in source.exported:
                record[name] = _plain(getattr(item, name))
            if hasattr(item, "get_absolute_url"):
                record["url_on_site"] = settings.KIJI_SITE_URL.rstrip("/") + (
                    item.get_absolute_url()
                )
            items.append(record)
        data[source.key] = items
    return data


@transaction.atomic
def anonymise(email: str) -> int:
    """Remove who wrote what for `email`, keeping the texts; return the number of items."""
    email = email.strip()
    n = 0
    for source in sources():
        if not (source.anonymised or source.after_anonymise):
            continue
        for item in _matching(source, email).select_for_update():
            for name, value in source.anonymised.items():
                setattr(item, name, value(item) if callable(value) else value)
            if source.after_anonymise:
                source.after_anonymise(item)
            item.save()
            n += 1
    return n


@transaction.atomic
def delete(email: str) -> int:
    """Delete every item stored for `email`; return how many."""
    return sum(_matching(source, email).delete()[0] for source in sources())


def anonymous_name(item) -> str:
    return _("Anonymous")


def scrub_reason(item) -> None:
    """A moderation reason may quote the address (a blocklist verdict): keep only its kind."""
    if "@" in getattr(item, "status_reason", ""):
        item.status_reason = _("Reason removed with the commenter's personal data.")
