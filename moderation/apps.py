from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """The moderation queue every kind of reader-submitted item goes through.

    It owns no table: comments and pings keep their own, built on the abstract
    `moderation.models.ModeratedItem`, and register with `moderation.registry`.
    """

    name = "moderation"
    verbose_name = _("Moderation")
