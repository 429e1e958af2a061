from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackbacksConfig(AppConfig):
    name = "trackbacks"
    verbose_name = _("TrackBacks")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from blog.models import Post
        from trackbacks import signals

        post_save.connect(signals.post_saved, sender=Post, dispatch_uid="trackbacks_post_saved")
