from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackbacksConfig(AppConfig):
    name = "trackbacks"
    verbose_name = _("TrackBacks")

    def ready(self) -> None:
        from blog import discussion
        from moderation import registry
        from trackbacks import signal_handlers
        from trackbacks.models import Trackback

        discussion.register_count(
            "trackback_count", Trackback.objects.approved, summary_template="trackbacks/_count.html"
        )
        registry.register(
            Trackback, email_template="trackbacks/email/new_trackback.txt", pings=True
        )
        signal_handlers.connect()
