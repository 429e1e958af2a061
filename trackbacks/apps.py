from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackbacksConfig(AppConfig):
    name = "trackbacks"
    verbose_name = _("TrackBacks")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from blog import discussion
        from blog.models import Post
        from moderation import registry
        from trackbacks import signals
        from trackbacks.models import Trackback

        post_save.connect(signals.post_saved, sender=Post, dispatch_uid="trackbacks_post_saved")
        discussion.register_count(
            "trackback_count", Trackback.objects.approved, summary_template="trackbacks/_count.html"
        )
        registry.register(Trackback, email_template="trackbacks/email/new_trackback.txt")
