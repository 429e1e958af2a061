from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.models import ModeratedItem, ModeratedQuerySet


class OutgoingPingQuerySet(models.QuerySet):
    def due(self, now=None) -> "OutgoingPingQuerySet":
        """Pings to send now: waiting, a retry whose time has come, or an abandoned send."""
        now = now or timezone.now()
        return self.filter(
            Q(status=OutgoingPing.Status.WAITING)
            | Q(
                status__in=[OutgoingPing.Status.RETRY, OutgoingPing.Status.SENDING],
                next_attempt_at__lte=now,
            )
        )


class PingKind(models.TextChoices):
    """The three linkback protocols, for pings sent and pings received alike."""

    TRACKBACK = "trackback", _("TrackBack")
    PINGBACK = "pingback", _("Pingback")
    WEBMENTION = "webmention", _("Webmention")


class OutgoingPing(models.Model):
    """One target Kiji tells about one of its posts, with the outcome of each attempt."""

    Kind = PingKind

    class Origin(models.TextChoices):
        LISTED = "listed", _("listed by the author")
        LINK = "link", _("link in the post")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        RETRY = "retry", _("failed, retry scheduled")
        FAILED = "failed", _("failed")
        NO_ENDPOINT = "no_endpoint", _("no ping endpoint")

    post = models.ForeignKey(
        "blog.Post",
        verbose_name=_("post"),
        on_delete=models.CASCADE,
        related_name="outgoing_pings",
    )
    target_url = models.URLField(
        _("target"),
        max_length=2000,
        help_text=_("The TrackBack URL listed by the author, or the page the post links to."),
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    kind = models.CharField(_("protocol"), max_length=10, choices=Kind.choices, blank=True)
    endpoint_url = models.URLField(_("endpoint"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.WAITING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    message = models.TextField(_("last message"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OutgoingPingQuerySet.as_manager()

    class Meta:
        ordering = ["post", "created_at", "id"]
        verbose_name = _("outgoing ping")
        verbose_name_plural = _("outgoing pings")
        constraints = [
            models.UniqueConstraint(fields=["post", "target_url"], name="outgoing_ping_unique"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_due_idx")]

    def __str__(self) -> str:
        return f"{self.post} → {self.target_url}"


class TrackbackQuerySet(ModeratedQuerySet):
    def for_display(self) -> "TrackbackQuerySet":
        """What the post page shows, oldest first; never the IP address."""
        return self.only(
            "id", "post_id", "kind", "url", "title", "excerpt", "blog_name", "status", "created_at"
        ).order_by("created_at", "id")


class Trackback(ModeratedItem):
    """A TrackBack, Pingback or Webmention another site sent about a post."""

    Kind = PingKind

    class Verification(models.TextChoices):
        WAITING = "waiting", _("waiting")
        LINKS_HERE = "links_here", _("the source links here")
        NO_LINK = "no_link", _("the source does not link here")
        GONE = "gone", _("the source is gone")
        UNREACHABLE = "unreachable", _("the source could not be fetched")

    post = models.ForeignKey(
        "blog.Post", verbose_name=_("post"), on_delete=models.CASCADE, related_name="trackbacks"
    )
    kind = models.CharField(_("protocol"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("source URL"), max_length=2000)
    target_url = models.URLField(
        _("target URL"),
        max_length=2000,
        blank=True,
        help_text=_("The address of the post the sender named (Pingback and Webmention)."),
    )
    title = models.CharField(_("title"), max_length=255)
    excerpt = models.TextField(_("excerpt"), blank=True)
    blog_name = models.CharField(_("blog name"), max_length=255, blank=True)
    charset = models.CharField(
        _("character set"), max_length=40, blank=True, help_text=_("How the ping was decoded.")
    )
    decoding_problem = models.CharField(
        _("decoding problem"),
        max_length=500,
        blank=True,
        help_text=_(
            "Why the text could not be read cleanly. The bytes are kept; "
            "`manage.py redecode_pings` reads them again."
        ),
    )
    undecoded = models.BinaryField(
        _("bytes as received"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The text as it arrived, kept while it could not be decoded cleanly."),
    )
    verification = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, default="waiting"
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TrackbackQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("trackback")
        verbose_name_plural = _("trackbacks")
        constraints = [
            models.UniqueConstraint(fields=["post", "url"], name="trackback_unique_source"),
        ]
        indexes = [
            models.Index(fields=["post", "status", "created_at"], name="trackback_post_status_idx"),
            models.Index(fields=["status", "created_at"], name="trackback_status_created_idx"),
            models.Index(fields=["created_at", "id"], name="trackback_created_idx"),
        ]

    def __str__(self) -> str:
        return _("%(title)s on %(post)s") % {"title": self.title, "post": self.post}

    def get_absolute_url(self) -> str:
        return f"{self.post.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"trackback-{self.pk}"

    def approval_refused_because(self) -> str:
        if self.undecoded:
            return _(
                "its text could not be read (%(problem)s). Run `manage.py redecode_pings` "
                "after an update, or correct the title and excerpt by hand."
            ) % {"problem": self.decoding_problem}
        return ""

    @property
    def moderation_summary(self) -> str:
        name = self.blog_name or self.url
        heading = _("%(kind)s from %(name)s: %(title)s") % {
            "kind": self.get_kind_display(),
            "name": name,
            "title": self.title,
        }
        return f"{heading}\n{self.url}\n{self.excerpt}"
