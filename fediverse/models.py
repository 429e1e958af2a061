"""The blog's place in the fediverse: its key, its followers, what it sent and received.

`ActorKey`, `Follower`, `Block`, `Reaction`, `RemoteReply`, `Delivery` and
`Instance` are shared by publishing and the inbox (fediverse/inbox.py);
`SentArticle` is publishing's own record.
"""

import functools
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ActorKey(models.Model):
    """The blog actor's RSA key pair. The private half never leaves the server."""

    private_key_pem = models.TextField(_("private key"), editable=False)
    public_key_pem = models.TextField(_("public key"), editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("actor key")
        verbose_name_plural = _("actor keys")

    def __str__(self) -> str:
        return f"ActorKey {self.pk} ({self.created_at:%Y-%m-%d})"

    def __repr__(self) -> str:
        # Never the private key, even in a traceback's locals.
        return f"<ActorKey pk={self.pk}>"

    @classmethod
    def current(cls) -> "ActorKey":
        """The key in use: from KIJI_FEDIVERSE_PRIVATE_KEY_FILE if set, else the newest row.

        A blog without one gets a new 2048-bit key on first use.
        """
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        path = getattr(settings, "KIJI_FEDIVERSE_PRIVATE_KEY_FILE", "")
        if path:
            with open(path, "rb") as handle:
                private_pem = handle.read()
            return cls(
                private_key_pem=private_pem.decode("ascii"),
                public_key_pem=_public_pem_of(private_pem),
            )
        key = cls.objects.first()
        if key is not None:
            return key
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        return cls.objects.create(private_key_pem=private_pem, public_key_pem=_public_pem(private))


@functools.lru_cache(maxsize=4)
def _public_pem_of(private_pem: bytes) -> str:
    """The public half of a key file's key, worked out once per process (reading it costs)."""
    from cryptography.hazmat.primitives import serialization

    return _public_pem(serialization.load_pem_private_key(private_pem, password=None))


def _public_pem(private) -> str:
    from cryptography.hazmat.primitives import serialization

    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


class Follower(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        ACCEPTED = "accepted", _("accepted")

    actor_uri = models.URLField(_("actor"), max_length=2000, unique=True)
    inbox = models.URLField(_("inbox"), max_length=2000)
    shared_inbox = models.URLField(_("shared inbox"), max_length=2000, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    handle = models.CharField(_("handle"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACCEPTED
    )
    follow_activity_id = models.URLField(_("Follow activity"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("follower")
        verbose_name_plural = _("followers")

    def __str__(self) -> str:
        return self.handle or self.actor_uri

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class BlockQuerySet(models.QuerySet):
    def blocks(self, actor_uri: str) -> bool:
        """Return True if the actor, or its host or a parent domain of it, is blocked."""
        host = (urlsplit(actor_uri).hostname or "").lower().rstrip(".")
        if _is_ip_address(host):
            domains = [host]  # an address has no parent domains
        else:
            parts = host.split(".") if host else []
            domains = [".".join(parts[i:]) for i in range(len(parts))]
        condition = Q(actor_uri=actor_uri) & ~Q(actor_uri="")
        if domains:
            condition |= Q(domain__in=domains)
        return self.filter(condition).exists()


class Block(models.Model):
    actor_uri = models.URLField(_("actor"), max_length=2000, blank=True)
    domain = models.CharField(
        _("domain"),
        max_length=253,
        blank=True,
        help_text=_("Blocks this host and every subdomain of it."),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = BlockQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.CheckConstraint(
                condition=~Q(actor_uri="", domain=""), name="fediverse_block_actor_or_domain"
            ),
        ]

    def __str__(self) -> str:
        return self.actor_uri or self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower().rstrip(".")
        super().save(*args, **kwargs)


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", _("like")
        ANNOUNCE = "announce", _("boost")

    post = models.ForeignKey(
        "blog.Post",
        verbose_name=_("post"),
        on_delete=models.CASCADE,
        related_name="fediverse_reactions",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    actor_uri = models.URLField(_("actor"), max_length=2000)
    activity_id = models.URLField(_("activity"), max_length=2000, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.actor_uri}"


class RemoteReply(models.Model):
    comment = models.OneToOneField(
        "comments.Comment",
        verbose_name=_("comment"),
        on_delete=models.CASCADE,
        related_name="fediverse",
    )
    object_id = models.URLField(_("object"), max_length=2000, unique=True)
    actor_uri = models.URLField(_("actor"), max_length=2000)
    actor_name = models.CharField(_("actor name"), max_length=200, blank=True)
    actor_url = models.URLField(_("profile"), max_length=2000, blank=True)
    avatar_url = models.URLField(_("avatar"), max_length=2000, blank=True)
    in_reply_to = models.URLField(_("in reply to"), max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fediverse reply")
        verbose_name_plural = _("fediverse replies")

    def __str__(self) -> str:
        return self.object_id


class Delivery(models.Model):
    """One activity sent to one inbox, with the outcome of each attempt."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped (instance gone)")

    inbox = models.URLField(_("inbox"), max_length=2000)
    activity = models.JSONField(_("activity"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="fedi_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.activity.get('type', '?')} → {self.inbox}"


class Instance(models.Model):
    """A remote server, as deliveries found it: when it last answered, since when it fails."""

    host = models.CharField(_("host"), max_length=253, unique=True)
    last_ok_at = models.DateTimeField(_("last answered"), null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last tried"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["host"]
        verbose_name = _("instance")
        verbose_name_plural = _("instances")

    def __str__(self) -> str:
        return self.host


class SentArticle(models.Model):
    """A post as followers know it: sent with Create, or withdrawn (a Tombstone stays)."""

    post = models.OneToOneField(
        "blog.Post",
        verbose_name=_("post"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fediverse_article",
    )
    object_id = models.URLField(_("object"), max_length=2000, unique=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # A hash of the Article followers were last sent: a save that changes nothing sends nothing.
    digest = models.CharField(max_length=64, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("sent post")
        verbose_name_plural = _("sent posts")

    def __str__(self) -> str:
        return self.object_id


class Avatar(models.Model):
    """A fediverse commenter's picture as Kiji serves it (KIJI_FEDIVERSE_AVATARS=proxy).

    Fetched once from `source_url` in the background and made anew: a small
    square PNG without any metadata, kept here in the database so that
    deleting the row (personal data, a deleted account) deletes the picture.
    An empty `image` records a picture that could not be used: nothing is shown.
    """

    actor_uri = models.URLField(_("actor"), max_length=2000, unique=True)
    source_url = models.URLField(_("fetched from"), max_length=2000)
    image = models.BinaryField(_("image"), blank=True, editable=False)
    # sha256 of `image` (empty when there is none): its address, so it is cached for good.
    digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    fetched_at = models.DateTimeField(_("fetched"), auto_now=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        verbose_name = _("avatar")
        verbose_name_plural = _("avatars")

    def __str__(self) -> str:
        return self.actor_uri


class SentNote(models.Model):
    """The author's reply to a fediverse reply, as the fediverse knows it (fediverse/answers.py).

    Sent with Create to the person answered (and followers), updated on edits,
    withdrawn with Delete; a Tombstone stays for its id. Where it went and the
    mention it carries are kept, so an edit or a withdrawal fetches nothing.
    """

    comment = models.OneToOneField(
        "comments.Comment",
        verbose_name=_("comment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fediverse_note",
    )
    object_id = models.URLField(_("object"), max_length=2000, unique=True)
    in_reply_to = models.URLField(_("in reply to"), max_length=2000)
    actor_uri = models.URLField(_("answered actor"), max_length=2000)
    profile_url = models.URLField(_("profile"), max_length=2000, blank=True)
    mention = models.CharField(_("mention"), max_length=300)
    inbox = models.URLField(_("inbox"), max_length=2000)
    # A hash of the Note last sent: a save that changes nothing sends nothing.
    digest = models.CharField(max_length=64, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("sent reply")
        verbose_name_plural = _("sent replies")

    def __str__(self) -> str:
        return self.object_id
